import { installForgeApiMock, PEOPLE, PROJ, STATUS, type FakeJira } from '../mocks/forge-api';
import { installForgeKvsMock, type FakeKvsService } from '../mocks/forge-kvs';
import { createInvoker, expectOk, ISSUE_12, ISSUE_13, testDeps } from './forge-harness';
import { handleIssueEvent } from '../../src/forge/handle-issue-event';
import { HISTORY_PAGE_SIZE } from '../../src/forge/create-project-resolvers';
import type { ForgeDeps } from '../../src/forge/create-forge-deps';
import type { HistoryDraft } from '../../src/core/schemas';

jest.mock('@forge/kvs', () => jest.requireActual('../mocks/forge-kvs').mockForgeKvsModule());
jest.mock('@forge/api', () => jest.requireActual('../mocks/forge-api').mockForgeApiModule());

const { anna, ravi, pat, olga } = PEOPLE;
const PAGE = { project: true } as const;

let kvs: FakeKvsService;
let jira: FakeJira;
let deps: ForgeDeps;
let invoke: ReturnType<typeof createInvoker>;

beforeEach(async () => {
  kvs = installForgeKvsMock();
  jira = installForgeApiMock();
  deps = testDeps();
  invoke = createInvoker(deps);
  expectOk(await invoke('saveSettings', { settings: { approverRoles: ['Client approvers'] } }, pat.accountId, PAGE));
});

async function save(issue: typeof ISSUE_12, texts: string[], reason: string | null = null) {
  const current = expectOk(await invoke('getPanel', {}, ravi.accountId, { issue })).panel;
  return expectOk(
    await invoke(
      'saveCriteria',
      { criteria: texts.map((text, i) => ({ id: current.criteria[i]?.id ?? null, text, met: false })), reason, expectedVersion: current.version },
      ravi.accountId,
      { issue },
    ),
  ).panel;
}

describe('project page: baselines', () => {
  it('snapshots the deliverables into a named baseline when an approver creates one', async () => {
    await save(ISSUE_12, ['A PDF downloads', 'The PDF shows the invoice number']);
    await save(ISSUE_13, ['The menu reads "Settings"']);
    const { overview } = expectOk(await invoke('createBaseline', { name: 'SRS v1.0' }, anna.accountId, PAGE));
    expect(overview.baselines).toEqual([
      { id: expect.any(String), name: 'SRS v1.0', version: '1.0', createdAt: expect.any(String), approvedByName: anna.displayName, deliverableCount: 2 },
    ]);
    expect(overview.scopeVersion).toBe('1.0');
    expect(overview.project).toEqual({ id: PROJ.id, key: PROJ.key, name: PROJ.name });
    expect(jira.issue('10043').properties.scopekeeper).toMatchObject({ scopeVersion: '1.0' });
  });

  it('refuses a baseline from someone who is not an approver and changes nothing', async () => {
    await save(ISSUE_12, ['A PDF downloads']);
    const before = kvs.snapshot();
    expect(await invoke('createBaseline', { name: 'SRS v1.0' }, ravi.accountId, PAGE)).toMatchObject({ ok: false, code: 'NOT_AN_APPROVER' });
    expect(kvs.snapshot()).toBe(before);
    expect(expectOk(await invoke('getProjectOverview', {}, ravi.accountId, PAGE)).overview.permissions.canCreateBaseline).toBe(false);
  });

  it('lets only project admins create a baseline when the project names no approvers', async () => {
    expectOk(await invoke('saveSettings', { settings: {} }, pat.accountId, PAGE));
    expect(await invoke('createBaseline', { name: 'SRS v1.0' }, anna.accountId, PAGE)).toMatchObject({ ok: false, code: 'NOT_AN_APPROVER' });
    expectOk(await invoke('createBaseline', { name: 'SRS v1.0' }, pat.accountId, PAGE));
  });

  it('starts the next major scope version and refuses a duplicate name when the project is re-baselined', async () => {
    await save(ISSUE_12, ['A PDF downloads']);
    expectOk(await invoke('createBaseline', { name: 'SRS v1.0' }, anna.accountId, PAGE));
    expect(await invoke('createBaseline', { name: 'srs v1.0' }, anna.accountId, PAGE)).toMatchObject({ ok: false, code: 'DUPLICATE_NAME' });
    const { overview } = expectOk(await invoke('createBaseline', { name: 'SRS v2.0' }, anna.accountId, PAGE));
    expect(overview.baselines.map((b) => b.version)).toEqual(['1.0', '2.0']);
    expect(overview.scopeVersion).toBe('2.0');
  });
});

describe('project page: early-warning signals and verification', () => {
  beforeEach(async () => {
    await save(ISSUE_12, ['A PDF downloads', 'The PDF shows the invoice number']);
    await save(ISSUE_13, ['The menu reads "Settings"']);
    expectOk(await invoke('createBaseline', { name: 'SRS v1.0' }, anna.accountId, PAGE));
    expectOk(await invoke('signOff', { note: null }, anna.accountId, { issue: ISSUE_12 }));
    await save(ISSUE_12, ['A PDF downloads within 5 seconds', 'The PDF shows the invoice number']);
    jira.issue('10043').statusId = STATUS.done.id;
    const closing = {
      eventType: 'avi:jira:updated:issue',
      atlassianId: ravi.accountId,
      issue: { id: '10043', key: 'PROJ-13', fields: { issuetype: { name: 'Task' }, project: { id: PROJ.id, key: PROJ.key }, status: { id: STATUS.done.id, name: 'Done', statusCategory: { key: 'done' } } } },
      changelog: { id: '555', items: [{ field: 'status', fieldId: 'status', from: STATUS.todo.id, to: STATUS.done.id }] },
    };
    await handleIssueEvent(closing, deps);
  });

  it('shows undocumented changes, stale sign-offs, bypasses, coverage and drift', async () => {
    const { overview } = expectOk(await invoke('getProjectOverview', {}, olga.accountId, PAGE));
    expect(overview.signals).toEqual({
      driftShare: 1 / 3,
      undocumentedChanges: 1,
      withoutCriteria: [],
      staleSignOffs: ['PROJ-12'],
      bypasses: 1,
      signOffCoverage: { covered: 0, total: 2, share: 0 },
    });
    expect(overview.scopeVersion).toBe('1.1');
    expect(overview.deliverables).toEqual([
      { id: '10042', key: 'PROJ-12' },
      { id: '10043', key: 'PROJ-13' },
    ]);
  });

  it('reports the hash chain as intact, and names the first broken record after tampering', async () => {
    const intact = expectOk(await invoke('getProjectOverview', {}, olga.accountId, PAGE)).overview.verification;
    expect(intact).toEqual({ ok: true, count: 5 });

    const segmentKey = kvs.keys('history-segment')[0] as string;
    const segment = kvs.peek(segmentKey, 'history-segment') as { records: { data: { name?: string } }[] };
    (segment.records[0] as { data: { name: string } }).data.name = 'SRS v0.9';
    kvs.tamper(segmentKey, segment, 'history-segment');

    const broken = expectOk(await invoke('getProjectOverview', {}, olga.accountId, PAGE)).overview.verification;
    expect(broken).toMatchObject({ ok: false, index: 0, message: expect.stringContaining('content no longer matches its hash') });
  });
});

describe('project page: access', () => {
  it('shows the scope history only to people who may browse the project', async () => {
    jira.revoke(PROJ.id, 'BROWSE_PROJECTS', olga.accountId);
    for (const name of ['getProjectOverview', 'getHistoryPage', 'exportHistoryCsv'] as const) {
      expect(await invoke(name, {}, olga.accountId, PAGE)).toMatchObject({ ok: false, code: 'NO_ACCESS' });
    }
  });
});

describe('project page: history timeline', () => {
  beforeEach(async () => {
    await save(ISSUE_12, ['A PDF downloads']);
    expectOk(await invoke('createBaseline', { name: 'SRS v1.0' }, anna.accountId, PAGE));
    await save(ISSUE_12, ['A PDF downloads within 5 seconds'], 'Client asked, 3 March');
    await save(ISSUE_12, ['A PDF downloads within 5 seconds', 'It names the "invoice", too'], null);
  });

  it('filters to undocumented scope changes and shows each change as a diff', async () => {
    const page = expectOk(await invoke('getHistoryPage', { filters: { undocumentedOnly: true } }, olga.accountId, PAGE));
    expect(page.rows.map((r) => [r.kind, r.summary, r.undocumented])).toEqual([['scope_changed', 'Criterion added on PROJ-12 (undocumented)', true]]);
    expect(page.nextCursor).toBeNull();
    const modified = expectOk(await invoke('getHistoryPage', { filters: { kinds: ['scope_changed'], deliverableId: '10042' } }, olga.accountId, PAGE)).rows[1];
    expect(modified?.diffText).toBe(
      ['--- PROJ-12 (before)', '+++ PROJ-12 (after)', '@@ PROJ-12: criterion modified @@', '-A PDF downloads', '+A PDF downloads within 5 seconds'].join('\n'),
    );
    expect(modified?.summary).toBe('Criterion modified on PROJ-12 — reason: Client asked, 3 March');
  });

  it('filters by author and by date range', async () => {
    const byAnna = expectOk(await invoke('getHistoryPage', { filters: { authorId: anna.accountId } }, olga.accountId, PAGE));
    expect(byAnna.rows.map((r) => r.kind)).toEqual(['baseline_created']);
    const all = expectOk(await invoke('getHistoryPage', {}, olga.accountId, PAGE)).rows;
    const newest = all[0]?.at as string;
    const inRange = expectOk(await invoke('getHistoryPage', { filters: { from: newest, to: newest } }, olga.accountId, PAGE));
    expect(inRange.rows.map((r) => r.seq)).toEqual([all[0]?.seq]);
  });

  it(`pages newest first, ${HISTORY_PAGE_SIZE} rows a page, without gaps or repeats`, async () => {
    const drafts: HistoryDraft[] = Array.from({ length: 30 }, (_, i) => ({
      id: `closure-${i}`,
      scopeId: PROJ.id,
      at: new Date(Date.parse('2026-04-01T00:00:00Z') + i * 60_000).toISOString(),
      actor: { id: ravi.accountId, name: ravi.displayName, email: null },
      deliverableId: '10042',
      kind: 'closure_allowed',
      data: { toState: 'Done' },
    }));
    expectOk(await deps.store.commit({ scopeId: PROJ.id, history: drafts }));
    const first = expectOk(await invoke('getHistoryPage', { filters: { kinds: ['closure_allowed'] } }, olga.accountId, PAGE));
    expect(first.rows).toHaveLength(HISTORY_PAGE_SIZE);
    const second = expectOk(await invoke('getHistoryPage', { filters: { kinds: ['closure_allowed'] }, cursor: first.nextCursor }, olga.accountId, PAGE));
    expect([...first.rows, ...second.rows].map((r) => r.id)).toEqual(drafts.map((d) => d.id).reverse());
    expect(second.nextCursor).toBeNull();
    expect(first.rows[0]?.deliverableKey).toBe('PROJ-12');
  });

  it('refuses an unknown kind or a broken cursor instead of guessing', async () => {
    expect(await invoke('getHistoryPage', { filters: { kinds: ['scope_exploded'] } }, olga.accountId, PAGE)).toMatchObject({ ok: false, code: 'INVALID_PAYLOAD' });
    expect(await invoke('getHistoryPage', { cursor: 'not-a-cursor' }, olga.accountId, PAGE)).toMatchObject({ ok: false, code: 'INVALID_PAYLOAD' });
  });

  it('exports the filtered history as CSV with quoted fields and neutralised formulas', async () => {
    await save(ISSUE_12, ['=HYPERLINK("http://evil.example")'], 'Why: "scope", again\nsecond line');
    const { csv, rowCount } = expectOk(await invoke('exportHistoryCsv', { filters: { kinds: ['scope_changed'] } }, olga.accountId, PAGE));
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('seq,at,kind,deliverable,author,scope version,undocumented,summary,reason,before,after,hash');
    expect(rowCount).toBe(4);
    expect(csv).toContain('"Why: ""scope"", again\nsecond line"');
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example"")"`);
    expect(csv.endsWith('\r\n')).toBe(true);
  });
});
