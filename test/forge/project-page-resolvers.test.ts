import type { Request } from '@forge/resolver';
import { installForgeApiMock, PEOPLE, PROJ, STATUS, type FakeJira } from '../mocks/forge-api';
import { installForgeKvsMock, type FakeKvsService } from '../mocks/forge-kvs';
import { createInvoker, expectOk, ISSUE_12, ISSUE_13, makeClosures, saveCriteriaAs, testDeps } from './forge-harness';
import { handleIssueEvent } from '../../src/forge/entry/handle-issue-event';
import { createProjectResolvers, HISTORY_PAGE_SIZE, PROJECT_PAGE_LIMITS, type ProjectPageLimits } from '../../src/forge/resolvers/create-project-resolvers';
import type { ForgeDeps } from '../../src/forge/entry/create-forge-deps';
import type { HistoryDraft } from '../../src/core/schemas';
import type { HistoryRow, ResolverPayloads, ResolverResults } from '../../src/forge/resolvers/resolver-contract';

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
  return expectOk(await saveCriteriaAs(invoke, ravi.accountId, issue, texts, reason)).panel;
}

/**
 * The project page's resolvers with other limits, called as the Resolver would call them (the
 * payload and the context with the invoking user and the project), to see work split into slices.
 */
function withLimits(limits: Partial<ProjectPageLimits>) {
  const resolvers = createProjectResolvers(deps, { ...PROJECT_PAGE_LIMITS, ...limits });
  return async <N extends keyof typeof resolvers>(name: N, payload: ResolverPayloads[N], accountId: string): Promise<ResolverResults[N]> => {
    jira.actAs(accountId);
    const request = { payload, context: { accountId, extension: { type: 'jira:projectPage', project: { id: PROJ.id, key: PROJ.key, type: 'software' } } } };
    return (await resolvers[name](request as unknown as Request)) as ResolverResults[N];
  };
}

function closures(count: number, from = 0): HistoryDraft[] {
  return makeClosures(count, { id: ravi.accountId, name: ravi.displayName }, from);
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
  const expected = {
    driftShare: 1 / 3,
    undocumentedChanges: 1,
    withoutCriteria: [],
    staleSignOffs: ['PROJ-12'],
    bypasses: 1,
    signOffCoverage: { covered: 0, total: 2, share: 0 },
  };

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
    expect(overview.signals).toEqual(expected);
    expect(overview.signalsStatus).toMatchObject({ complete: true, deliverablesCounted: 2 });
    expect(overview.scopeVersion).toBe('1.1');
    expect(overview.deliverables).toEqual([
      { id: '10042', key: 'PROJ-12' },
      { id: '10043', key: 'PROJ-13' },
    ]);
  });

  it('counts a long history a slice per call, says how far it got, and ends with the same figures', async () => {
    // One commit each, so the history spans several storage reads (a slice ends where a read ends).
    for (let i = 0; i < 45; i += 1) expectOk(await deps.store.commit({ scopeId: PROJ.id, history: closures(1, i) }));
    const call = withLimits({ historySlice: 1 });
    const first = expectOk(await call('getProjectOverview', {}, olga.accountId)).overview;
    expect(first.signalsStatus.complete).toBe(false);
    const counted = [first.signalsStatus.historyCounted];
    let view = expectOk(await call('refreshSignals', {}, olga.accountId));
    counted.push(view.signalsStatus.historyCounted);
    while (!view.signalsStatus.complete) {
      view = expectOk(await call('refreshSignals', {}, olga.accountId));
      counted.push(view.signalsStatus.historyCounted);
    }
    expect(counted.length).toBeGreaterThan(2);
    expect([...counted].sort((a, b) => a - b)).toEqual(counted);
    expect(new Set(counted).size).toBe(counted.length);
    expect(counted[counted.length - 1]).toBe(view.signalsStatus.historyTotal);
    expect(view.signals).toEqual(expected);
    expect(view.verification).toEqual({ ok: true, count: view.signalsStatus.historyTotal });
  });

  it('reads the same few storage records on a page load whether the history holds 300 or 600 records', async () => {
    const readsOfALoad = async () => {
      expectOk(await invoke('getProjectOverview', {}, olga.accountId, PAGE));
      kvs.resetCounts();
      expectOk(await invoke('getProjectOverview', {}, olga.accountId, PAGE));
      return kvs.counts();
    };
    expectOk(await deps.store.commit({ scopeId: PROJ.id, history: closures(300) }));
    const at300 = await readsOfALoad();
    expectOk(await deps.store.commit({ scopeId: PROJ.id, history: closures(300, 300) }));
    const at600 = await readsOfALoad();

    expect(at600.reads).toBe(at300.reads);
    expect(at600.reads).toBeLessThanOrEqual(4);
    expect(at600.writes).toBe(0);
    expect(at600.byPath['/api/v1/entity/query'] ?? 0).toBe(0);
  });

  it('reports the hash chain as intact, and names the record edited afterwards when the whole history is checked again', async () => {
    const intact = expectOk(await invoke('getProjectOverview', {}, olga.accountId, PAGE)).overview.verification;
    expect(intact).toEqual({ ok: true, count: 6 });

    const segmentKey = kvs.keys('history-segment')[0] as string;
    const original = structuredClone(kvs.peek(segmentKey, 'history-segment')) as { records: { data: Record<string, unknown> }[] };
    const edited = structuredClone(original);
    (edited.records[0] as { data: Record<string, unknown> }).data.tampered = true;
    kvs.tamper(segmentKey, edited, 'history-segment');

    const call = withLimits({ historySlice: 2 });
    let step = expectOk(await call('verifyWholeHistory', { restart: true }, olga.accountId));
    expect(step.check).toEqual({ checked: 0, total: 6, done: true });
    expect(step.verification).toMatchObject({ ok: false, index: 0, message: expect.stringContaining('content no longer matches its hash') });
    expect(expectOk(await invoke('getProjectOverview', {}, olga.accountId, PAGE)).overview.verification).toMatchObject({ ok: false, index: 0 });

    kvs.tamper(segmentKey, original, 'history-segment');
    for (let i = 0; i < 45; i += 1) expectOk(await deps.store.commit({ scopeId: PROJ.id, history: closures(1, i) }));
    step = expectOk(await call('verifyWholeHistory', { restart: true }, olga.accountId));
    const progress = [step.check.checked];
    while (!step.check.done) {
      step = expectOk(await call('verifyWholeHistory', { restart: false }, olga.accountId));
      progress.push(step.check.checked);
    }
    expect(progress.length).toBeGreaterThan(1);
    expect(progress[progress.length - 1]).toBe(51);
    expect(step.check).toEqual({ checked: 51, total: 51, done: true });
    expect(step.verification).toMatchObject({ ok: true });
  });
});

describe('project page: access', () => {
  it('shows the scope history only to people who may browse the project', async () => {
    jira.revoke(PROJ.id, 'BROWSE_PROJECTS', olga.accountId);
    for (const name of ['getProjectOverview', 'refreshSignals', 'getHistoryPage', 'exportHistoryCsv', 'exportHistoryJson', 'verifyWholeHistory'] as const) {
      expect(await invoke(name, {}, olga.accountId, PAGE)).toMatchObject({ ok: false, code: 'NO_ACCESS' });
    }
    expect(await invoke('attachReasons', { changes: [{ seq: 1, changeId: 'c' }], reason: 'Why' }, olga.accountId, PAGE)).toMatchObject({ ok: false, code: 'NO_ACCESS' });
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
    expect(page.rows.map((r) => [r.kind, r.summary, r.undocumented])).toEqual([['scope_changed', 'Criterion added on PROJ-12', true]]);
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

  it(`pages newest first, ${HISTORY_PAGE_SIZE} rows a page, without gaps or repeats, naming each row's deliverable`, async () => {
    const drafts = closures(30);
    expectOk(await deps.store.commit({ scopeId: PROJ.id, history: drafts }));
    const first = expectOk(await invoke('getHistoryPage', { filters: { kinds: ['closure_allowed'] } }, olga.accountId, PAGE));
    expect(first.rows).toHaveLength(HISTORY_PAGE_SIZE);
    const second = expectOk(await invoke('getHistoryPage', { filters: { kinds: ['closure_allowed'] }, cursor: first.nextCursor }, olga.accountId, PAGE));
    expect([...first.rows, ...second.rows].map((r) => r.id)).toEqual(drafts.map((d) => d.id).reverse());
    expect(second.nextCursor).toBeNull();
    expect(first.rows.every((r) => r.deliverableKey === 'PROJ-12')).toBe(true);
  });

  it('refuses an unknown kind or a broken cursor instead of guessing', async () => {
    expect(await invoke('getHistoryPage', { filters: { kinds: ['scope_exploded'] } }, olga.accountId, PAGE)).toMatchObject({ ok: false, code: 'INVALID_PAYLOAD' });
    expect(await invoke('getHistoryPage', { cursor: 'not-a-cursor' }, olga.accountId, PAGE)).toMatchObject({ ok: false, code: 'INVALID_PAYLOAD' });
    expect(await invoke('exportHistoryCsv', { cursor: 'not-a-cursor' }, olga.accountId, PAGE)).toMatchObject({ ok: false, code: 'INVALID_PAYLOAD' });
  });
});

describe('project page: exports', () => {
  beforeEach(async () => {
    await save(ISSUE_12, ['A PDF downloads']);
    expectOk(await invoke('createBaseline', { name: 'SRS v1.0' }, anna.accountId, PAGE));
    await save(ISSUE_12, ['A PDF downloads within 5 seconds'], 'Client asked, 3 March');
    await save(ISSUE_12, ['=HYPERLINK("http://evil.example")'], 'Why: "scope", again\nsecond line');
  });

  it('exports the filtered history as CSV with quoted fields and neutralised formulas', async () => {
    const part = expectOk(await invoke('exportHistoryCsv', { filters: { kinds: ['scope_changed'] } }, olga.accountId, PAGE));
    const lines = part.csv.split('\r\n');
    expect(lines[0]).toBe('seq,at,kind,deliverable,author,scope version,undocumented,summary,reason,before,after,hash');
    expect(part.rowCount).toBe(2);
    expect(part.nextCursor).toBeNull();
    expect(part.csv).toContain('"Why: ""scope"", again\nsecond line"');
    expect(part.csv).toContain(`"'=HYPERLINK(""http://evil.example"")"`);
    expect(part.csv.endsWith('\r\n')).toBe(true);
  });

  it('exports in parts that join to the whole history, with the header only in the first part', async () => {
    expectOk(await deps.store.commit({ scopeId: PROJ.id, history: closures(7) }));
    const whole = expectOk(await invoke('exportHistoryCsv', {}, olga.accountId, PAGE));
    const call = withLimits({ exportRows: 3 });
    const parts: string[] = [];
    let cursor: string | null = null;
    do {
      const part: { csv: string; rowCount: number; nextCursor: string | null } = expectOk(await call('exportHistoryCsv', { filters: {}, cursor }, olga.accountId));
      expect(part.rowCount).toBeLessThanOrEqual(3);
      parts.push(part.csv);
      cursor = part.nextCursor;
    } while (cursor !== null);

    expect(parts.length).toBe(Math.ceil(whole.rowCount / 3));
    expect(parts.join('')).toBe(whole.csv);
    expect(parts.slice(1).some((p) => p.startsWith('seq,'))).toBe(false);
  });

  it('exports the same rows as a JSON array with the CSV columns', async () => {
    const part = expectOk(await invoke('exportHistoryJson', { filters: { kinds: ['scope_changed'] } }, olga.accountId, PAGE));
    const rows = JSON.parse(part.json) as Record<string, string>[];
    expect(part.rowCount).toBe(2);
    expect(rows[0]).toMatchObject({ kind: 'scope_changed', deliverable: 'PROJ-12', after: '=HYPERLINK("http://evil.example")', reason: 'Why: "scope", again\nsecond line' });
    expect(Object.keys(rows[0] ?? {})).toEqual(['seq', 'at', 'kind', 'deliverable', 'author', 'scope version', 'undocumented', 'summary', 'reason', 'before', 'after', 'hash']);
  });

  it('ends an export part at its size budget, with one row at least', async () => {
    const call = withLimits({ exportBytes: 100 });
    const part = expectOk(await call('exportHistoryCsv', { filters: {}, cursor: null }, olga.accountId));
    expect(part.rowCount).toBe(1);
    expect(part.nextCursor).not.toBeNull();
  });
});

describe('project page: reasons for undocumented changes', () => {
  const undocumented = async (): Promise<HistoryRow[]> =>
    expectOk(await invoke('getHistoryPage', { filters: { undocumentedOnly: true } }, olga.accountId, PAGE)).rows;
  const asked = (rows: HistoryRow[]) => rows.map((r) => ({ seq: r.seq, changeId: r.record.kind === 'scope_changed' ? r.record.data.changeId : '' }));

  beforeEach(async () => {
    await save(ISSUE_12, ['A PDF downloads']);
    await save(ISSUE_13, ['The menu reads "Settings"']);
    expectOk(await invoke('createBaseline', { name: 'SRS v1.0' }, anna.accountId, PAGE));
    await save(ISSUE_12, ['A PDF downloads within 5 seconds']);
    await save(ISSUE_13, ['The menu reads "Settings"', 'The menu has an icon']);
  });

  it('attaches one reason to several undocumented changes, which then no longer count as undocumented', async () => {
    const before = expectOk(await invoke('getProjectOverview', {}, ravi.accountId, PAGE)).overview;
    expect(before.signals.undocumentedChanges).toBe(2);
    expect(before.permissions.canDocumentChanges).toBe(true);

    const result = expectOk(await invoke('attachReasons', { changes: asked(await undocumented()), reason: ' Agreed with the client on 3 March ' }, ravi.accountId, PAGE));
    expect(result).toEqual({ ok: true, documented: 2, skipped: 0 });

    expect(await undocumented()).toEqual([]);
    const reason = expectOk(await invoke('getHistoryPage', { filters: { kinds: ['reason_attached'] } }, olga.accountId, PAGE)).rows[0];
    expect(reason).toMatchObject({ authorName: ravi.displayName, summary: 'Reason attached to 2 earlier changes: Agreed with the client on 3 March' });
    expect(expectOk(await invoke('getProjectOverview', {}, ravi.accountId, PAGE)).overview.signals.undocumentedChanges).toBe(0);
    expect(jira.issue('10042').properties.scopekeeper).toMatchObject({ undocumentedChanges: 0 });
  });

  it('records the reason as the invoking user, whatever the payload says', async () => {
    const payload = { changes: asked(await undocumented()).slice(0, 1), reason: 'Client request', actor: { id: olga.accountId }, accountId: olga.accountId };
    expectOk(await invoke('attachReasons', payload, ravi.accountId, PAGE));
    const reason = expectOk(await invoke('getHistoryPage', { filters: { kinds: ['reason_attached'] } }, olga.accountId, PAGE)).rows[0];
    expect(reason?.record.actor?.id).toBe(ravi.accountId);
  });

  it('refuses someone who may not edit the issue, and records nothing', async () => {
    const rows = await undocumented();
    const before = kvs.snapshot();
    const refused = await invoke('attachReasons', { changes: asked(rows), reason: 'Because' }, olga.accountId, PAGE);
    expect(refused).toMatchObject({ ok: false, code: 'NO_EDIT_PERMISSION', message: expect.stringContaining('PROJ-12, PROJ-13') });
    expect(kvs.snapshot()).toBe(before);
    expect(expectOk(await invoke('getProjectOverview', {}, olga.accountId, PAGE)).overview.permissions.canDocumentChanges).toBe(false);
  });

  it('lets someone who may edit issues in the project explain the removal of an issue deleted since', async () => {
    jira.issues.delete('10043');
    await handleIssueEvent({ eventType: 'avi:jira:deleted:issue', atlassianId: pat.accountId, issue: { id: '10043', key: 'PROJ-13', fields: {} } }, deps);
    const removal = (await undocumented()).filter((r) => r.record.kind === 'scope_changed' && r.record.data.kind === 'deliverable_removed');
    expect(removal).toHaveLength(1);

    jira.revoke(PROJ.id, 'EDIT_ISSUES', ravi.accountId);
    expect(await invoke('attachReasons', { changes: asked(removal), reason: 'Duplicate of PROJ-12' }, ravi.accountId, PAGE)).toMatchObject({ ok: false, code: 'NO_EDIT_PERMISSION' });
    expect(expectOk(await invoke('attachReasons', { changes: asked(removal), reason: 'Duplicate of PROJ-12' }, pat.accountId, PAGE))).toMatchObject({ documented: 1 });
  });

  it('changes nothing for changes that already have a reason', async () => {
    const rows = await undocumented();
    expectOk(await invoke('attachReasons', { changes: asked(rows), reason: 'First reason' }, ravi.accountId, PAGE));
    const before = kvs.snapshot();
    expect(await invoke('attachReasons', { changes: asked(rows), reason: 'Second reason' }, ravi.accountId, PAGE)).toMatchObject({ ok: false, code: 'NOTHING_TO_DOCUMENT' });
    expect(kvs.snapshot()).toBe(before);
  });

  it('asks for a reason instead of attaching an empty one', async () => {
    const refused = await invoke('attachReasons', { changes: asked(await undocumented()), reason: '   ' }, ravi.accountId, PAGE);
    expect(refused).toMatchObject({ ok: false, code: 'INVALID_PAYLOAD', errors: ['reason: write why the scope changed'] });
  });
});
