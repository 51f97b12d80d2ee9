import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ManifestParserBuilder, validate } from '@forge/manifest';
import { checkScopes, findJiraCalls, type OpenApiSubset } from './find-jira-calls';
import { resolverNames } from '../../src/forge/resolvers/resolver-contract';

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

describe('manifest.yml', () => {
  it('passes @forge/manifest validation with no errors', async () => {
    const result = await validate(false, MANIFEST);
    expect(result.errors ?? []).toEqual([]);
    expect(result.success).toBe(true);
  });

  describe('scopes', () => {
    const spec = JSON.parse(readFileSync(path.join(FIXTURES, 'jira-platform-openapi-subset.json'), 'utf8')) as OpenApiSubset;
    const files = sourceFiles(path.join(ROOT, 'src'));
    const calls = files.flatMap((file) => findJiraCalls(path.join(ROOT, file)).map((call) => ({ ...call, file })));
    const usesStorage = files.some((file) => /from '@forge\/kvs'/.test(readFileSync(path.join(ROOT, file), 'utf8')));
    const granted = readManifest().permissions.scopes;

    it('grants a scope for every Jira REST call in src/ and asks for none the code does not use', () => {
      expect(calls.length).toBeGreaterThan(10);
      expect(checkScopes({ calls, spec, granted, usesStorage })).toEqual({ missing: [], unused: [] });
    });

    it('names the call that needs a scope when the manifest lacks it', () => {
      const report = checkScopes({ calls, spec, granted: granted.filter((s) => s !== 'read:jira-user'), usesStorage });
      expect(report.missing).toEqual(expect.arrayContaining([expect.stringMatching(/^src\/forge\/jira\/fetch-current-user\.ts:\d+ GET \/rest\/api\/3\/myself: requires "read:jira-user" scope/)]));
      expect(checkScopes({ calls, spec, granted: granted.filter((s) => s !== 'storage:app'), usesStorage }).missing).toEqual([
        '@forge/kvs: requires "storage:app" scope, which manifest.yml does not grant',
      ]);
    });

    it('reports a scope nothing uses, and a call the API reference subset does not know', () => {
      expect(checkScopes({ calls, spec, granted: [...granted, 'manage:jira-configuration'], usesStorage }).unused).toEqual(['manage:jira-configuration']);
      const extra = findJiraCalls('src/forge/example.ts', "api.asApp().requestJira(route`/rest/api/3/issue/${id}/worklog`, { method: 'POST', body: '{}' });");
      expect(extra).toEqual([{ file: 'src/forge/example.ts', line: 1, method: 'POST', path: '/rest/api/3/issue/{}/worklog' }]);
      expect(checkScopes({ calls: extra, spec, granted, usesStorage }).missing).toEqual([
        expect.stringContaining('src/forge/example.ts:1 POST /rest/api/3/issue/{}/worklog: not in test/forge/fixtures/jira-platform-openapi-subset.json'),
      ]);
    });

    it('refuses a call whose path it cannot read', () => {
      expect(() => findJiraCalls('src/forge/example.ts', 'api.asApp().requestJira(`/rest/api/3/myself`);')).toThrow(/without a route`…` template/);
    });
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
    expect(modules.trigger).toEqual([expect.objectContaining({ events: ['avi:jira:created:issue', 'avi:jira:updated:issue', 'avi:jira:deleted:issue'], filter: { ignoreSelf: true } })]);
    expect(modules.scheduledTrigger).toEqual([{ key: 'scopekeeper-property-backfill', function: 'property-backfill', interval: 'fiveMinute' }]);
    expect(modules['jira:entityProperty']).toEqual([
      expect.objectContaining({
        propertyKey: 'scopekeeper',
        entityType: 'issue',
        values: [
          { path: 'criteriaCount', type: 'number', searchAlias: 'scopekeeperCriteriaCount' },
          { path: 'allMet', type: 'string', searchAlias: 'scopekeeperAllMet' },
          { path: 'signedOff', type: 'string', searchAlias: 'scopekeeperSignedOff' },
          { path: 'signOffStale', type: 'string', searchAlias: 'scopekeeperSignOffStale' },
          { path: 'scopeVersion', type: 'string', searchAlias: 'scopekeeperScopeVersion' },
          { path: 'undocumentedChanges', type: 'number', searchAlias: 'scopekeeperUndocumentedChanges' },
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
