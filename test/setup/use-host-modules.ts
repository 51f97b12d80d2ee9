import { Module } from 'node:module';
import path from 'node:path';

// Jest's CommonJS sandbox on Node 20 cannot run PGlite, whose CommonJS build loads Node built-ins
// with dynamic import(). Node itself can, so PGlite and the packages that hand objects to and from
// it (its Kysely dialect, and Kysely itself, so there is one copy of its classes) are loaded by
// Node's own loader instead of Jest's. So are the ESM-only markdown parser packages that
// parseCriteria uses, which Jest's CommonJS sandbox cannot require (Node >= 20.19 can).
// Loaded for every test file by jest.config.js (setupFiles). Results and errors from these
// packages come from outside Jest's realm; SqlStore checks errors by field, never by class.
// Remove once Jest runs on Node >= 24.9 (native require(esm)) or jest.config transforms them.

type HostModule = { require(id: string): unknown; paths: string[] };
const HostModuleClass = Module as unknown as { new (id: string): HostModule; _nodeModulePaths(dir: string): string[] };
const host = new HostModuleClass(__filename);
host.paths = HostModuleClass._nodeModulePaths(path.dirname(__filename));

const HOST_MODULES = [
  'kysely',
  'kysely-pglite-dialect',
  '@electric-sql/pglite',
  'mdast-util-from-markdown',
  'micromark-extension-gfm-task-list-item',
  'mdast-util-gfm-task-list-item',
];
for (const id of HOST_MODULES) {
  jest.mock(id, () => host.require(id));
}
