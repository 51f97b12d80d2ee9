import { execFileSync } from 'node:child_process';
import path from 'node:path';

// The core must stay pure (ADR 0002). These tests run the project's real ESLint config.
type Message = { ruleId: string | null; message: string };
interface Snippet { source: string; filePath: string }

const forbidden: [string, string][] = [
  ['@forge/api', 'Forge'],
  ['@forge/kvs', 'Forge'],
  ['@linear/sdk', 'Linear'],
  ['pg', 'databases'],
  ['@electric-sql/pglite', 'databases'],
  ['kysely', 'databases'],
  ['node:fs', 'file system'],
  ['fs/promises', 'file system'],
  ['node:http', 'network'],
  ['https', 'network'],
  ['../store/open-store', 'adapter'],
  ['../../linear-adapter/main', 'adapter'],
];
const allowed = ['node:crypto', 'zod', 'diff', './schemas'];
const runtimeLoads = ["export async function load() { return import('node:fs'); }\n", "export function load() { return require('pg'); }\n"];

const importOf = (name: string) => `import * as m from '${name}';\nexport const used = m;\n`;
const snippets: Snippet[] = [
  ...forbidden.map(([name]) => ({ source: importOf(name), filePath: 'src/core/example.ts' })),
  ...allowed.map((name) => ({ source: importOf(name), filePath: 'src/core/example.ts' })),
  ...runtimeLoads.map((source) => ({ source, filePath: 'src/core/example.ts' })),
  { source: `import pg from 'pg';\nimport * as fs from 'node:fs';\nexport const used = [pg, fs];\n`, filePath: 'src/store/example.ts' },
];

let lint: { snippets: Message[][]; files: { filePath: string; messages: Message[] }[] };

beforeAll(() => {
  const root = path.resolve(__dirname, '../..');
  const out = execFileSync(process.execPath, [path.join(__dirname, 'lint-snippets.mjs')], {
    cwd: root,
    input: JSON.stringify({ snippets, files: ['src/core/**/*.ts'] }),
    encoding: 'utf8',
  });
  lint = JSON.parse(out);
});

const boundaryMessages = (messages: Message[]) =>
  messages.filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax').map((m) => m.message);

describe('core boundary lint rule', () => {
  it.each(forbidden.map(([name, why], i) => [name, why, i] as const))('fails when src/core imports %s', (_name, why, i) => {
    const messages = boundaryMessages(lint.snippets[i]!);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain(why);
  });

  it.each(allowed.map((name, i) => [name, forbidden.length + i] as const))('allows src/core to import %s', (_name, i) => {
    expect(boundaryMessages(lint.snippets[i]!)).toEqual([]);
  });

  it.each(runtimeLoads.map((source, i) => [source.trim(), forbidden.length + allowed.length + i] as const))(
    'fails when src/core loads a module at run time: %s',
    (_source, i) => {
      expect(boundaryMessages(lint.snippets[i]!).join()).toContain('src/core is pure');
    },
  );

  it('allows adapters to import platform and I/O modules', () => {
    expect(boundaryMessages(lint.snippets[snippets.length - 1]!)).toEqual([]);
  });

  it('reports no boundary violations in the real src/core', () => {
    expect(lint.files.length).toBeGreaterThan(3);
    const violations = lint.files.flatMap((f) => boundaryMessages(f.messages).map((m) => `${f.filePath}: ${m}`));
    expect(violations).toEqual([]);
  });
});
