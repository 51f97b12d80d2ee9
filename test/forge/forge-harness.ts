import { createForgeDeps, type ForgeDeps } from '../../src/forge/entry/create-forge-deps';
import { defineResolvers } from '../../src/forge/resolvers/define-resolvers';
import type { ResolverName, ResolverPayloads, ResolverResults } from '../../src/forge/resolvers/resolver-contract';
import type { HistoryDraft } from '../../src/core/schemas';
import { fakeJira, PROJ } from '../mocks/forge-api';

// Shared by the backend tests. Test files wire the two platform mocks first:
//   jest.mock('@forge/kvs', () => jest.requireActual('../mocks/forge-kvs').mockForgeKvsModule());
//   jest.mock('@forge/api', () => jest.requireActual('../mocks/forge-api').mockForgeApiModule());

export const ISSUE_12 = { id: '10042', key: 'PROJ-12', type: 'Story', typeId: '10001' };
export const ISSUE_13 = { id: '10043', key: 'PROJ-13', type: 'Task', typeId: '10002' };

/** Deps with a clock that advances a minute per call and readable ids, so tests are deterministic. */
export function testDeps(overrides: Partial<ForgeDeps> = {}): ForgeDeps & { logged: string[] } {
  let minutes = 0;
  let ids = 0;
  const logged: string[] = [];
  const deps = createForgeDeps({
    now: () => new Date(Date.parse('2026-03-02T09:00:00.000Z') + (minutes += 1) * 60_000).toISOString(),
    newId: () => `id-${(ids += 1)}`,
    log: (message) => logged.push(message),
    ...overrides,
  });
  return Object.assign(deps, { logged });
}

type Where = { issue: typeof ISSUE_12 } | { project: true };

/**
 * Invokes a resolver exactly as Forge does: the definitions handler receives
 * `{ call: { functionKey, payload }, context }` plus the backend runtime payload, whose
 * `principal.accountId` the Resolver copies into `context.accountId`. The extension context is
 * that of the issue panel (issue and project) or of the project page (project only).
 */
export function createInvoker(deps: ForgeDeps) {
  const handler = defineResolvers(deps);
  return async function invoke<N extends ResolverName>(
    name: N,
    payload: ResolverPayloads[N] | Record<string, unknown>,
    accountId: string | null,
    where: Where = { issue: ISSUE_12 },
  ): Promise<ResolverResults[N]> {
    fakeJira().actAs(accountId);
    const project = { id: PROJ.id, key: PROJ.key, type: 'software' };
    const extension =
      'issue' in where
        ? { type: 'jira:issuePanel', issue: where.issue, project, isNewToIssue: false, location: `https://scopekeeper-test.atlassian.net/browse/${where.issue.key}` }
        : { type: 'jira:projectPage', project, location: 'https://scopekeeper-test.atlassian.net/jira/software/projects/PROJ/apps/x/y' };
    const result = await handler(
      {
        call: { functionKey: name, payload },
        context: {
          localId: 'ari:cloud:ecosystem::extension/00000000-0000-4000-8000-000000000000/static/scopekeeper-issue-panel',
          cloudId: 'c0ffee00-0000-4000-8000-000000000000',
          moduleKey: 'issue' in where ? 'scopekeeper-issue-panel' : 'scopekeeper-project-page',
          extension,
        },
      },
      accountId ? { principal: { accountId }, installContext: 'ari:cloud:jira::site/c0ffee00-0000-4000-8000-000000000000' } : {},
    );
    return result as ResolverResults[N];
  };
}

/** Narrows an Outcome to its success shape, failing the test with the refusal otherwise. */
export function expectOk<T extends { ok: boolean }>(outcome: T): Extract<T, { ok: true }> {
  if (!outcome.ok) throw new Error(`expected success, got refusal ${JSON.stringify(outcome)}`);
  return outcome as Extract<T, { ok: true }>;
}

/** Saves an issue's criteria through the panel as `accountId`, after reading its version. */
export async function saveCriteriaAs(
  invoke: ReturnType<typeof createInvoker>,
  accountId: string,
  issue: typeof ISSUE_12,
  texts: string[],
  reason: string | null = null,
): Promise<ResolverResults['saveCriteria']> {
  const current = expectOk(await invoke('getPanel', {}, accountId, { issue })).panel;
  return invoke(
    'saveCriteria',
    { criteria: texts.map((text, i) => ({ id: current.criteria[i]?.id ?? null, text, met: false })), reason, expectedVersion: current.version },
    accountId,
    { issue },
  );
}

/** `count` closure records of PROJ-12 by `actor`, a minute apart from April 2026 on. */
export function makeClosures(count: number, actor: { id: string; name: string }, from = 0): HistoryDraft[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `closure-${from + i}`,
    scopeId: PROJ.id,
    at: new Date(Date.parse('2026-04-01T00:00:00Z') + (from + i) * 60_000).toISOString(),
    actor: { id: actor.id, name: actor.name, email: null },
    deliverableId: '10042',
    kind: 'closure_allowed',
    data: { toState: 'Done' },
  }));
}
