import React from 'react';
import { deferred, fakeBridge, type ResolverTable } from '../mocks/forge-bridge';
import { ProjectPageApp } from '../../src/frontend/project-page-app';
import type { HistoryFilters, ResolverResults } from '../../src/forge/resolvers/resolver-contract';
import { renderForge, settle, type ForgeView } from './render-forge';
import { makeChangeRow, makeOverview, makeUndocumentedRow } from './view-fixtures';

jest.mock('@forge/bridge', () => jest.requireActual('../mocks/forge-bridge').forgeBridgeMock);

async function renderPage(handlers: ResolverTable = {}): Promise<ForgeView> {
  fakeBridge.reset({
    getProjectOverview: () => ({ ok: true, overview: makeOverview() }),
    getHistoryPage: () => ({ ok: true, rows: [makeChangeRow(2), makeChangeRow(1)], nextCursor: null }),
    ...handlers,
  });
  return renderForge(<ProjectPageApp />);
}

const historyFilters = (): HistoryFilters[] => fakeBridge.payloadsOf('getHistoryPage').map((p) => p.filters ?? {});

describe('project page "Scope history": baselines, signals and verification', () => {
  it('shows a spinner until the overview arrives, then the baselines and the current scope version', async () => {
    const overview = deferred<ResolverResults['getProjectOverview']>();
    const view = await renderPage({ getProjectOverview: () => overview.promise });
    expect(view.byType('Spinner')).toHaveLength(1);

    overview.resolve({ ok: true, overview: makeOverview() });
    await view.waitFor(() => view.hasText('Current scope version: 1.3'));
    expect(view.text()).toContain('Scope history: Order portal');
    const table = view.byType('DynamicTable')[0];
    expect(table && view.within(table).text()).toContain('SRS v1.0 1.0 1 Mar 2025, 09:00 UTC Cara Client 12');
  });

  it('loads the overview and the first unfiltered history page, nothing else', async () => {
    await renderPage();
    expect(fakeBridge.callNames().sort()).toEqual(['getHistoryPage', 'getProjectOverview']);
    expect(fakeBridge.payloadsOf('getHistoryPage')).toEqual([{ filters: {}, cursor: null }]);
  });

  it('names every early-warning signal in plain words', async () => {
    const view = await renderPage();

    expect(view.byTestId('signal-Scope drift').text()).toContain("13% of the baseline's criteria were changed, added or removed since the baseline.");
    expect(view.byTestId('signal-Undocumented scope changes').text()).toContain('2 scope changes were made without a reason.');
    expect(view.byTestId('signal-Deliverables without criteria').text()).toContain(
      '1 deliverable has no acceptance criteria and cannot be closed: PROJ-7.',
    );
    expect(view.byTestId('signal-Stale sign-offs').text()).toContain('2 sign-offs no longer count because the criteria changed after they were given: PROJ-3, PROJ-4.');
    expect(view.byTestId('signal-Closure bypasses').text()).toContain('1 deliverable reached done without a valid sign-off.');
    expect(view.byTestId('signal-Sign-off coverage').text()).toContain('9 of 12 deliverables have a valid sign-off (75%).');
    expect(view.byTestId('signal-Closure bypasses').all().find((n) => n.type === 'Lozenge')?.props.appearance).toBe('removed');
  });

  it('says there is nothing to drift from before the first baseline', async () => {
    const view = await renderPage({
      getProjectOverview: () => ({
        ok: true,
        overview: makeOverview({
          baselines: [],
          scopeVersion: null,
          signals: { driftShare: null, undocumentedChanges: 0, withoutCriteria: [], staleSignOffs: [], bypasses: 0, signOffCoverage: { covered: 0, total: 0, share: null } },
        }),
      }),
    });

    expect(view.text()).toContain('No baseline yet, so there is no scope version.');
    expect(view.text()).toContain('No baseline yet, so there is nothing to drift from.');
    expect(view.byType('DynamicTable')).toHaveLength(0);
  });

  it('reports a verified hash chain with its record count', async () => {
    const view = await renderPage();
    expect(view.text()).toContain('Hash chain verified: 42 records');
  });

  it('reports the first record where the hash chain breaks', async () => {
    const view = await renderPage({
      getProjectOverview: () => ({
        ok: true,
        overview: makeOverview({ verification: { ok: false, index: 17, recordId: 'r17', message: 'prevHash does not match the hash of record #16' } }),
      }),
    });

    expect(view.text()).toContain('Broken at record #17: prevHash does not match the hash of record #16');
    expect(view.hasText('Hash chain verified')).toBe(false);
  });

  it("shows the refusal's message when the overview is refused", async () => {
    const view = await renderPage({ getProjectOverview: () => ({ ok: false, code: 'NO_ACCESS', message: 'You cannot browse this project.' }) });
    expect(view.text()).toContain('You cannot browse this project.');
  });
});

describe('project page: timeline of scope changes', () => {
  it('shows each change with its author, version, reason and diff in a diff code block', async () => {
    const view = await renderPage({
      getHistoryPage: () => ({
        ok: true,
        nextCursor: null,
        rows: [makeChangeRow(3, { undocumented: true, summary: 'Criterion modified on PROJ-1' }), makeChangeRow(2)],
      }),
    });

    const row = view.byTestId('history-row-3');
    expect(row.text()).toContain('#3 Scope change Undocumented 4 Mar 2025, 10:15 UTC by Pat Owner PROJ-1 scope version 1.3');
    expect(row.text()).toContain('Criterion modified on PROJ-1');
    expect(row.codeBlocks()).toEqual([{ language: 'diff', text: '- The file downloads fast\n+ The file downloads within 5 seconds' }]);
    expect(view.byTestId('history-row-2').text()).toContain('Reason: Client asked for a measurable limit');
    expect(view.byTestId('history-row-2').lozenges()).not.toContain('Undocumented');
  });

  it('sends every filter the delivery manager set to getHistoryPage and shows the filtered rows', async () => {
    const view = await renderPage();
    fakeBridge.handle({
      getHistoryPage: ({ filters }) => ({
        ok: true,
        nextCursor: null,
        rows: filters?.undocumentedOnly ? [makeChangeRow(9, { undocumented: true, summary: 'Criterion added on PROJ-2' })] : [],
      }),
    });

    await view.change('Deliverable', { label: 'PROJ-2', value: '10002' });
    await view.change('Kind', [
      { label: 'Scope change', value: 'scope_changed' },
      { label: 'Closure bypassed', value: 'closure_bypassed' },
    ]);
    await view.change('Author', { id: 'user-po', name: 'Pat Owner', type: 'user', avatarUrl: '', email: '' });
    await view.change('From', '2025-03-01');
    await view.change('To', '2025-03-31');
    await view.check('Undocumented changes only', true);
    await view.click('Apply filters');

    expect(historyFilters()[1]).toEqual({
      deliverableId: '10002',
      kinds: ['scope_changed', 'closure_bypassed'],
      authorId: 'user-po',
      from: '2025-03-01T00:00:00.000Z',
      to: '2025-03-31T23:59:59.999Z',
      undocumentedOnly: true,
    });
    expect(fakeBridge.payloadsOf('getHistoryPage')[1]?.cursor).toBeNull();
    expect(view.text()).toContain('Criterion added on PROJ-2');
    expect(view.hasText('#2')).toBe(false);
  });

  it('refuses a date range that ends before it starts, without calling the backend', async () => {
    const view = await renderPage();
    await view.change('From', '2025-04-01');
    await view.change('To', '2025-03-01');
    await view.click('Apply filters');

    expect(view.text()).toContain('The start date is after the end date.');
    expect(fakeBridge.payloadsOf('getHistoryPage')).toHaveLength(1);
  });

  it('loads the next page with the same filters and the cursor, and appends it, when the user asks for more', async () => {
    const view = await renderPage({
      getHistoryPage: ({ cursor }) =>
        cursor === 'page-2'
          ? { ok: true, rows: [makeChangeRow(1, { summary: 'Criterion added on PROJ-1' })], nextCursor: null }
          : { ok: true, rows: [makeChangeRow(3), makeChangeRow(2)], nextCursor: 'page-2' },
    });
    await view.check('Undocumented changes only', true);
    await view.click('Apply filters');
    await view.click('Load more');

    expect(fakeBridge.payloadsOf('getHistoryPage')[2]).toEqual({ filters: { undocumentedOnly: true }, cursor: 'page-2' });
    expect(view.byTestId('history-row-3')).toBeDefined();
    expect(view.byTestId('history-row-1').text()).toContain('Criterion added on PROJ-1');
    expect(view.queryButton('Load more')).toBeUndefined();
  });

  it('offers deliverables from the overview and from loaded rows in the deliverable filter', async () => {
    const view = await renderPage({
      getProjectOverview: () => ({ ok: true, overview: makeOverview({ deliverables: [{ id: '10002', key: 'PROJ-2' }] }) }),
    });
    const options = view.findField('Deliverable').props.options as { label: string; value: string }[];
    expect(options).toEqual([
      { label: 'PROJ-1', value: '10001' },
      { label: 'PROJ-2', value: '10002' },
    ]);
  });

  it('says when no record matches the filters', async () => {
    const view = await renderPage({ getHistoryPage: () => ({ ok: true, rows: [], nextCursor: null }) });
    expect(view.text()).toContain('No history records match these filters.');
  });

  it('clears the filters and loads the unfiltered history again', async () => {
    const view = await renderPage();
    await view.check('Undocumented changes only', true);
    await view.click('Apply filters');
    await view.click('Clear filters');

    expect(historyFilters()).toEqual([{}, { undocumentedOnly: true }, {}]);
    expect(view.findField('Undocumented changes only').props.isChecked).toBe(false);
  });
});

describe('project page: exports of the filtered history', () => {
  it('exports with the applied filters, one part at a time, and explains why the text is to be copied', async () => {
    const first = 'seq,kind\r\n3,scope_changed\r\n';
    const second = '2,scope_changed\r\n';
    const view = await renderPage({
      exportHistoryCsv: ({ cursor }) => (cursor === 'part-2' ? { ok: true, csv: second, rowCount: 1, nextCursor: null } : { ok: true, csv: first, rowCount: 1, nextCursor: 'part-2' }),
    });
    await view.check('Undocumented changes only', true);
    await view.click('Apply filters');
    await view.click('Export CSV');

    expect(fakeBridge.payloadsOf('exportHistoryCsv')).toEqual([{ filters: { undocumentedOnly: true }, cursor: null }]);
    expect(view.codeBlocks()).toContainEqual({ language: 'text', text: first });
    expect(view.text()).toContain('Jira apps like this one cannot hand you a file to download, so the export is shown as text. Copy it into a file named scope-history-PROJ.csv.');
    expect(view.text()).toContain('1 record in this part; more follow.');

    await view.click('Next part');
    expect(fakeBridge.payloadsOf('exportHistoryCsv')[1]).toEqual({ filters: { undocumentedOnly: true }, cursor: 'part-2' });
    expect(view.codeBlocks()).toContainEqual({ language: 'text', text: second });
    expect(view.text()).toContain('Add this part to the end of the file');
    expect(view.queryButton('Next part')).toBeUndefined();

    await view.click('Hide export');
    expect(view.codeBlocks().some((c) => c.text === second)).toBe(false);
  });

  it('exports JSON parts on request', async () => {
    const json = '[{"seq":"3"}]';
    const view = await renderPage({ exportHistoryJson: () => ({ ok: true, json, rowCount: 1, nextCursor: null }) });
    await view.click('Export JSON');
    expect(fakeBridge.payloadsOf('exportHistoryJson')).toEqual([{ filters: {}, cursor: null }]);
    expect(view.codeBlocks()).toContainEqual({ language: 'json', text: json });
    expect(view.text()).toContain('Copy it into a file named scope-history-PROJ.json.');
  });

  it("shows the refusal's message when the export is refused", async () => {
    const view = await renderPage({ exportHistoryCsv: () => ({ ok: false, code: 'UNAVAILABLE', message: 'Scopekeeper could not reach its storage just now.' }) });
    await view.click('Export CSV');
    expect(view.text()).toContain('Scopekeeper could not reach its storage just now.');
  });
});

describe('project page: counting the signals a slice at a time', () => {
  const counting = { complete: false, historyCounted: 2000, historyTotal: 100_000, deliverablesCounted: 1000, deliverablesAsOf: null };

  it('keeps counting until the signals are complete, saying how far it got', async () => {
    const next = deferred<ResolverResults['refreshSignals']>();
    const view = await renderPage({
      getProjectOverview: () => ({ ok: true, overview: makeOverview({ signalsStatus: counting }) }),
      refreshSignals: () => next.promise,
    });
    expect(view.text()).toContain('2,000 of 100,000 history records and 1,000 deliverables counted so far. The figures below change as counting goes on.');

    const done = makeOverview({ signals: { ...makeOverview().signals, undocumentedChanges: 7 } });
    next.resolve({ ok: true, signals: done.signals, signalsStatus: done.signalsStatus, verification: done.verification, deliverables: done.deliverables ?? [] });
    await view.waitFor(() => view.hasText('7 scope changes were made without a reason.'));
    expect(view.hasText('Still counting')).toBe(false);
    expect(view.text()).toContain('Deliverable figures as of 5 Mar 2025, 08:30 UTC.');
    expect(fakeBridge.callNames().filter((n) => n === 'refreshSignals')).toHaveLength(1);
  });

  it('stops and says so when counting makes no progress', async () => {
    const view = await renderPage({
      getProjectOverview: () => ({ ok: true, overview: makeOverview({ signalsStatus: counting }) }),
      refreshSignals: () => ({ ok: true, signals: makeOverview().signals, signalsStatus: counting, verification: { ok: true, count: 2000 }, deliverables: [] }),
    });
    await view.waitFor(() => view.hasText('Counting stopped before the end'));
    expect(view.text()).toContain('Reload the page to go on counting.');
    expect(fakeBridge.callNames().filter((n) => n === 'refreshSignals')).toHaveLength(1);
  });

  it('checks the whole history on request, part by part, and shows where it breaks', async () => {
    const view = await renderPage({
      verifyWholeHistory: ({ restart }) =>
        restart
          ? { ok: true, verification: { ok: true, count: 42 }, check: { checked: 20, total: 42, done: false } }
          : { ok: true, verification: { ok: false, index: 31, recordId: 'r31', message: 'its content no longer matches its hash' }, check: { checked: 31, total: 42, done: true } },
    });
    await view.click('Check the whole history');

    expect(fakeBridge.payloadsOf('verifyWholeHistory')).toEqual([{ restart: true }, { restart: false }]);
    expect(view.text()).toContain('Broken at record #31: its content no longer matches its hash');
    expect(view.text()).toContain('Checked the whole history: 42 records.');
  });
});

describe('project page: reasons for undocumented changes', () => {
  const documenting = () => ({
    getProjectOverview: () => ({ ok: true as const, overview: makeOverview({ permissions: { canCreateBaseline: false, canDocumentChanges: true } }) }),
    getHistoryPage: () => ({ ok: true as const, rows: [makeUndocumentedRow(3), makeChangeRow(2), makeUndocumentedRow(1)], nextCursor: null }),
    refreshSignals: () => {
      const overview = makeOverview();
      return { ok: true as const, signals: { ...overview.signals, undocumentedChanges: 1 }, signalsStatus: overview.signalsStatus, verification: overview.verification, deliverables: [] };
    },
  });

  it("gives a change its reason from the change's row, then shows the history and the signals again", async () => {
    const view = await renderPage({ ...documenting(), attachReasons: () => ({ ok: true, documented: 1, skipped: 0 }) });
    await view.byTestId('history-row-3').click('Give the reason');
    expect(view.findButton('Attach reason').props.isDisabled).toBe(true);
    await view.type('Reason for the change', '  Agreed with the client on 3 March ');
    await view.click('Attach reason');

    expect(fakeBridge.payloadsOf('attachReasons')).toEqual([{ changes: [{ seq: 3, changeId: 'ch3' }], reason: 'Agreed with the client on 3 March' }]);
    expect(view.text()).toContain('The change now has its reason.');
    expect(fakeBridge.payloadsOf('getHistoryPage')).toHaveLength(2);
    await view.waitFor(() => view.hasText('1 scope change was made without a reason.'));
  });

  it('gives one reason for all undocumented changes shown', async () => {
    const view = await renderPage({ ...documenting(), attachReasons: () => ({ ok: true, documented: 2, skipped: 0 }) });
    await view.click('Give one reason for the 2 undocumented changes shown');
    expect(view.text()).toContain('These 2 scope changes were recorded without a reason.');
    await view.type('Reason for the change', 'Client request');
    await view.click('Attach reason');

    expect(fakeBridge.payloadsOf('attachReasons')[0]?.changes).toEqual([
      { seq: 3, changeId: 'ch3' },
      { seq: 1, changeId: 'ch1' },
    ]);
    expect(view.text()).toContain('2 changes now have their reason.');
  });

  it("shows the refusal's message when the reason is refused", async () => {
    const view = await renderPage({
      ...documenting(),
      attachReasons: () => ({ ok: false, code: 'NO_EDIT_PERMISSION', message: 'You need permission to edit PROJ-1 to give the reason for its scope changes. Nothing was changed.' }),
    });
    await view.byTestId('history-row-1').click('Give the reason');
    await view.type('Reason for the change', 'Because');
    await view.click('Attach reason');
    expect(view.text()).toContain('The reason was not attached');
    expect(view.text()).toContain('You need permission to edit PROJ-1');
  });

  it('offers no reason buttons to people who may not edit issues in the project', async () => {
    const view = await renderPage({ getHistoryPage: () => ({ ok: true, rows: [makeUndocumentedRow(3), makeUndocumentedRow(1)], nextCursor: null }) });
    expect(view.queryButton('Give the reason')).toBeUndefined();
    expect(view.buttonLabels().some((label) => label.startsWith('Give one reason'))).toBe(false);
  });
});

describe('project page: "Create baseline" for approvers', () => {
  it('hides Create baseline from users who may not create one', async () => {
    const view = await renderPage();
    expect(view.queryButton('Create baseline')).toBeUndefined();
  });

  it('creates a named baseline after confirmation, then shows the new baseline and reloads the history', async () => {
    const after = makeOverview({
      scopeVersion: '2.0',
      permissions: { canCreateBaseline: true, canDocumentChanges: false },
      baselines: [
        ...makeOverview().baselines,
        { id: 'b2', name: 'SRS v2.0', version: '2.0', createdAt: '2025-04-01T08:00:00.000Z', approvedByName: 'Cara Client', deliverableCount: 14 },
      ],
    });
    const view = await renderPage({
      getProjectOverview: () => ({ ok: true, overview: makeOverview({ permissions: { canCreateBaseline: true, canDocumentChanges: false } }) }),
      createBaseline: () => ({ ok: true, overview: after }),
    });
    await view.click('Create baseline');
    await view.type('Baseline name', '  SRS v2.0 ');
    expect(fakeBridge.payloadsOf('createBaseline')).toHaveLength(0);
    await view.click('Confirm baseline');
    await settle();

    expect(fakeBridge.payloadsOf('createBaseline')).toEqual([{ name: 'SRS v2.0' }]);
    expect(view.text()).toContain('Baseline SRS v2.0 created. Scope version is now 2.0.');
    expect(view.text()).toContain('Current scope version: 2.0');
    expect(view.text()).toContain('SRS v2.0 2.0 1 Apr 2025, 08:00 UTC Cara Client 14');
    expect(fakeBridge.payloadsOf('getHistoryPage')).toHaveLength(2);
  });

  it('asks for a name instead of creating a nameless baseline', async () => {
    const view = await renderPage({ getProjectOverview: () => ({ ok: true, overview: makeOverview({ permissions: { canCreateBaseline: true, canDocumentChanges: false } }) }) });
    await view.click('Create baseline');
    await view.click('Confirm baseline');

    expect(view.text()).toContain('Give the baseline a name');
    expect(fakeBridge.payloadsOf('createBaseline')).toHaveLength(0);
  });

  it("shows the refusal's message when creating the baseline is refused", async () => {
    const view = await renderPage({
      getProjectOverview: () => ({ ok: true, overview: makeOverview({ permissions: { canCreateBaseline: true, canDocumentChanges: false } }) }),
      createBaseline: () => ({ ok: false, code: 'NOT_AN_APPROVER', message: 'Only approvers can create a baseline.' }),
    });
    await view.click('Create baseline');
    await view.type('Baseline name', 'SRS v2.0');
    await view.click('Confirm baseline');

    expect(view.text()).toContain('The baseline was not created');
    expect(view.text()).toContain('Only approvers can create a baseline.');
    expect(view.text()).toContain('Current scope version: 1.3');
  });
});

describe('project page entry', () => {
  it('renders the project page from its resource entry', async () => {
    fakeBridge.reset({
      getProjectOverview: () => ({ ok: true, overview: makeOverview() }),
      getHistoryPage: () => ({ ok: true, rows: [], nextCursor: null }),
    });
    const view = await renderForge(() => jest.requireActual('../../src/frontend/project-page'));
    await view.waitFor(() => view.hasText('Scope history: Order portal'));
    expect(fakeBridge.callNames().sort()).toEqual(['getHistoryPage', 'getProjectOverview']);
  });
});

describe('project page: evidence bundle of a baseline', () => {
  const baselines = [
    { id: 'b1', name: 'SRS v1.0', version: '1.0', createdAt: '2025-03-01T09:00:00.000Z', approvedByName: 'Cara Client', deliverableCount: 12 },
    { id: 'b2', name: 'SRS v2.0', version: '2.0', createdAt: '2025-04-01T09:00:00.000Z', approvedByName: 'Cara Client', deliverableCount: 13 },
  ];
  const part = (text: string, n: number, nextCursor: string | null) => ({
    ok: true as const,
    text,
    part: n,
    records: text === '' ? 0 : 2,
    signatures: 0,
    nextCursor,
    head: nextCursor === null ? { seq: 41, hash: 'ab12' } : null,
  });

  it('gets the chosen baseline’s bundle a part at a time, skips empty parts, and ends with how to check the file', async () => {
    const view = await renderPage({
      getProjectOverview: () => ({ ok: true, overview: makeOverview({ baselines }) }),
      exportEvidenceBundle: ({ cursor }) => (cursor === null ? part('{"format":1', 1, 'c2') : cursor === 'c2' ? part('', 2, 'c3') : part(',"x":2}', 2, null)),
    });
    await view.change('Baseline', { label: 'SRS v1.0 (version 1.0)', value: 'b1' });
    await view.click('Get evidence bundle');
    expect(fakeBridge.payloadsOf('exportEvidenceBundle')).toEqual([{ baselineId: 'b1', cursor: null }]);
    expect(view.codeBlocks()).toContainEqual({ language: 'json', text: '{"format":1' });
    expect(view.text()).toContain('Copy it into a file named PROJ-SRS-v1.0-evidence.json.');
    expect(view.text()).toContain('Evidence bundle of SRS v1.0, part 1');

    await view.click('Next part');
    expect(fakeBridge.payloadsOf('exportEvidenceBundle').map((p) => p.cursor)).toEqual([null, 'c2', 'c3']);
    expect(view.codeBlocks()).toContainEqual({ language: 'json', text: ',"x":2}' });
    expect(view.text()).toContain('part 2 (the last)');
    expect(view.text()).toContain('Check the file with: npx scopekeeper verify PROJ-SRS-v1.0-evidence.json. It should end at record 41 with hash ab12.');
    expect(view.queryButton('Next part')).toBeUndefined();
  });

  it('offers the newest baseline first, and nothing when there is no baseline', async () => {
    const view = await renderPage({
      getProjectOverview: () => ({ ok: true, overview: makeOverview({ baselines }) }),
      exportEvidenceBundle: () => part('{}', 1, null),
    });
    await view.click('Get evidence bundle');
    expect(fakeBridge.payloadsOf('exportEvidenceBundle')).toEqual([{ baselineId: 'b2', cursor: null }]);
    const none = await renderPage({ getProjectOverview: () => ({ ok: true, overview: makeOverview({ baselines: [] }) }) });
    expect(none.queryButton('Get evidence bundle')).toBeUndefined();
  });

  it('stops after 200 empty parts in a row, says the sign-offs are still being looked up, and goes on from there', async () => {
    let calls = 0;
    const view = await renderPage({
      exportEvidenceBundle: () => {
        calls += 1;
        return calls === 1 ? part('{"a":1', 1, 'c') : calls <= 201 ? part('', 2, `c${calls}`) : part('}', 2, null);
      },
    });
    await view.click('Get evidence bundle');
    await view.click('Next part');
    expect(calls).toBe(201);
    expect(view.text()).toContain('Nothing to add yet: the sign-offs are still being looked up in the history.');
    await view.click('Next part');
    expect(fakeBridge.payloadsOf('exportEvidenceBundle')[201]?.cursor).toBe('c201');
    expect(view.codeBlocks()).toContainEqual({ language: 'json', text: '}' });
  });

  it("shows the refusal's message when the bundle is refused", async () => {
    const view = await renderPage({ exportEvidenceBundle: () => ({ ok: false, code: 'NO_ACCESS', message: 'You need permission to browse this project to see its scope history.' }) });
    await view.click('Get evidence bundle');
    expect(view.text()).toContain('The evidence bundle could not be made');
    expect(view.text()).toContain('You need permission to browse this project');
  });
});
