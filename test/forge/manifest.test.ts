import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ManifestParserBuilder, validate } from '@forge/manifest';
import { getClientSideLintersOnly, parseSourceFile, tsParser, type LintResult } from '@forge/lint';
import { resolverNames } from '../../src/forge/resolver-contract';

jest.mock('@forge/kvs', () => jest.requireActual('../mocks/forge-kvs').mockForgeKvsModule());
jest.mock('@forge/api', () => jest.requireActual('../mocks/forge-api').mockForgeApiModule());

const ROOT = path.join(__dirname, '..', '..');
const MANIFEST = path.join(ROOT, 'manifest.yml');
const FIXTURES = path.join(__dirname, 'fixtures');

interface Manifest {
  app: { runtime: { name: string } };
  permissions: { scopes: string[] };
  resources: { key: string; path: string }[];
  modules: Record<string, Record<string, unknown>[]>;
}

function readManifest(): Manifest {
  return new ManifestParserBuilder().withInterpolators().build().parseManifest({ content: readFileSync(MANIFEST, 'utf8'), filePath: MANIFEST }) as Manifest;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(name) ? [path.relative(ROOT, full)] : [];
  });
}

/**
 * Runs @forge/lint's client-side linters the way `forge lint` does, without the CLI (which needs
 * a login). The permission linter normally downloads Jira's OpenAPI document to learn each
 * endpoint's scopes; here it reads a subset of it from test/forge/fixtures (its documented
 * LOCAL_*_SWAGGER switches). Files are handed to the linters directly: `forge lint` itself
 * filters TypeScript files through tsconfig's include globs, which name directories here.
 */
async function runForgeLinters(manifest: Manifest, inputs: Awaited<ReturnType<typeof parseSourceFile>>[]): Promise<LintResult[]> {
  const empty = path.join(FIXTURES, 'empty-openapi.json');
  Object.assign(process.env, {
    USE_LOCAL_SWAGGER: 'true',
    LOCAL_JIRA_SWAGGER: path.join(FIXTURES, 'jira-platform-openapi-subset.json'),
    LOCAL_JSM_SWAGGER: empty,
    LOCAL_JSW_SWAGGER: empty,
    LOCAL_CONF_SWAGGER: empty,
    LOCAL_CONF_V2_SWAGGER: empty,
    LOCAL_BB_SWAGGER: empty,
  });
  // The manifest linters read ./manifest.yml, as the CLI does.
  return inRoot(async () => {
    const logger = { info: () => undefined };
    const linters = await getClientSideLintersOnly(manifest as never, 'development', logger, { getDeprecatedRuntimes: async () => [] } as never);
    for (const linter of linters) await linter.bootstrap();
    return (await Promise.all(linters.map((linter) => linter.batchExecute(inputs)))).flat();
  });
}

async function inRoot<T>(run: () => Promise<T>): Promise<T> {
  const cwd = process.cwd();
  process.chdir(ROOT);
  try {
    return await run();
  } finally {
    process.chdir(cwd);
  }
}

function problems(results: LintResult[]): string[] {
  return results.flatMap((r) => [...r.errors, ...r.warnings, ...r.approvals].map((p) => `${r.file}:${p.line} ${p.message}`));
}

describe('manifest.yml', () => {
  it('passes @forge/manifest validation with no errors', async () => {
    const result = await validate(false, MANIFEST);
    expect(result.errors ?? []).toEqual([]);
    expect(result.success).toBe(true);
  });

  it('passes the @forge/lint linters, and they catch a scope the code needs when it is missing', async () => {
    const manifest = readManifest();
    // Parsed once (the slow part), linted twice.
    // Paths relative to the app root, as the CLI passes them: the handler linter matches src/index.ts.
    const inputs = await inRoot(() => Promise.all(sourceFiles(path.join(ROOT, 'src')).map((file) => parseSourceFile(file, tsParser))));
    expect(problems(await runForgeLinters(manifest, inputs))).toEqual([]);
    const withoutUserScope = { ...manifest, permissions: { scopes: manifest.permissions.scopes.filter((s) => s !== 'read:jira-user') } };
    expect(problems(await runForgeLinters(withoutUserScope, inputs))).toEqual(
      expect.arrayContaining([expect.stringContaining('GET /rest/api/3/myself requires "read:jira-user" scope')]),
    );
  });

  it('declares the modules of the issue: panel, validator, trigger, project page, settings page and entity property', () => {
    const { modules, app, permissions } = readManifest();
    expect(app.runtime.name).toBe('nodejs22.x');
    expect(permissions.scopes.sort()).toEqual(['read:jira-user', 'read:jira-work', 'storage:app', 'write:jira-work']);
    expect(modules['jira:issuePanel']).toEqual([expect.objectContaining({ title: 'Acceptance & sign-off', resource: 'issue-panel', render: 'native' })]);
    expect(modules['jira:projectPage']).toEqual([expect.objectContaining({ title: 'Scope history', resource: 'project-page', render: 'native' })]);
    expect(modules['jira:projectSettingsPage']).toEqual([expect.objectContaining({ resource: 'settings-page', render: 'native' })]);
    const [validator] = modules['jira:workflowValidator'] ?? [];
    expect(validator).toMatchObject({ function: 'validator' });
    expect(validator).not.toHaveProperty('expression');
    expect(modules.trigger).toEqual([expect.objectContaining({ events: ['avi:jira:updated:issue', 'avi:jira:deleted:issue'], filter: { ignoreSelf: true } })]);
    expect(modules['jira:entityProperty']).toEqual([
      expect.objectContaining({
        propertyKey: 'scopekeeper',
        entityType: 'issue',
        values: [
          { path: 'criteriaCount', type: 'number' },
          { path: 'allMet', type: 'string' },
          { path: 'signedOff', type: 'string' },
          { path: 'signOffStale', type: 'string' },
          { path: 'scopeVersion', type: 'string' },
          { path: 'undocumentedChanges', type: 'number' },
        ],
      }),
    ]);
  });

  it('points every UI resource at an existing UI Kit file', () => {
    for (const resource of readManifest().resources) {
      expect([resource.key, existsSync(path.join(ROOT, resource.path))]).toEqual([resource.key, true]);
    }
  });

  it('names only handlers that src/index.ts exports, and the resolver defines every resolver of the contract', async () => {
    const entry = jest.requireActual<Record<string, unknown>>('../../src/index');
    const handlers = (readManifest().modules.function ?? []).map((f) => String(f.handler));
    expect(handlers.length).toBeGreaterThan(0);
    for (const handler of handlers) {
      const [file, name] = handler.split('.') as [string, string];
      expect([handler, file, typeof entry[name]]).toEqual([handler, 'index', 'function']);
    }
    const resolver = entry.resolver as (call: unknown, runtime: unknown) => Promise<unknown>;
    for (const functionKey of resolverNames) {
      // Without an issue or project in the context each resolver refuses; none is missing.
      const result = await resolver({ call: { functionKey, payload: {} }, context: {} }, {});
      expect([functionKey, (result as { ok?: unknown }).ok]).toEqual([functionKey, false]);
    }
  });
});

describe('UI Kit 1 is gone', () => {
  // Built from parts so this file does not match itself.
  const retired = ['@forge', 'ui'].join('/');
  const skipped = new Set(['node_modules', '.git', 'coverage', 'data', '.tmp']);

  function repositoryFiles(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
      if (skipped.has(name)) return [];
      const full = path.join(dir, name);
      return statSync(full).isDirectory() ? repositoryFiles(full) : [full];
    });
  }

  it(`finds ${retired} nowhere in the repository`, () => {
    const pattern = new RegExp(`${retired.replace('/', '\\/')}(?![\\w-])`);
    const hits = repositoryFiles(ROOT).filter((file) => statSync(file).size < 5_000_000 && pattern.test(readFileSync(file, 'utf8')));
    expect(hits.map((f) => path.relative(ROOT, f))).toEqual([]);
  });
});
