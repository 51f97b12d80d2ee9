import type { HistoryRow, PanelView, ProjectOverview, ProjectSettings } from '../../src/forge/resolvers/resolver-contract';

// Views shaped like the resolvers' answers (src/forge/resolvers/resolver-contract.ts), for UI tests.

export function makePanel(overrides: Partial<PanelView> = {}): PanelView {
  return {
    issue: { id: '10001', key: 'PROJ-1', summary: 'Export orders', assigneeAccountId: 'user-dev' },
    isDeliverable: true,
    notDeliverableReason: null,
    signOffUnavailable: null,
    criteria: [
      { id: 'c1', text: 'The export lists every order of the last 30 days', met: false },
      { id: 'c2', text: 'The file downloads within 5 seconds', met: true },
      { id: 'c3', text: 'Cancelled orders are marked as cancelled', met: false },
    ],
    hints: [],
    vocabulary: { vagueWords: [], silencedWords: [], disabledRules: [] },
    version: 4,
    baseline: null,
    scopeVersion: null,
    baselineDiff: null,
    asksForReason: false,
    signOff: null,
    verdict: {
      allowed: false,
      summary: 'Not ready to close',
      reasons: [{ code: 'NO_SIGNOFF', message: 'Nobody has signed off the acceptance criteria yet. Ask an approver to sign off.' }],
    },
    permissions: { canEdit: true, canSignOff: false },
    ...overrides,
  };
}

export const baselinedPanel = (overrides: Partial<PanelView> = {}): PanelView =>
  makePanel({
    baseline: { name: 'SRS v1.0', version: '1.0' },
    scopeVersion: '1.2',
    asksForReason: true,
    baselineDiff: [
      { kind: 'unchanged', before: 'The export lists every order of the last 30 days', after: 'The export lists every order of the last 30 days', diff: null },
      {
        kind: 'modified',
        before: 'The file downloads fast',
        after: 'The file downloads within 5 seconds',
        diff: [
          { value: 'The file downloads ', added: false, removed: false },
          { value: 'fast', added: false, removed: true },
          { value: 'within 5 seconds', added: true, removed: false },
        ],
      },
      { kind: 'added', before: null, after: 'Cancelled orders are marked as cancelled', diff: null },
      { kind: 'removed', before: 'Orders can be printed', after: null, diff: null },
    ],
    ...overrides,
  });

export function makeOverview(overrides: Partial<ProjectOverview> = {}): ProjectOverview {
  return {
    project: { id: '10000', key: 'PROJ', name: 'Order portal' },
    baselines: [
      { id: 'b1', name: 'SRS v1.0', version: '1.0', createdAt: '2025-03-01T09:00:00.000Z', approvedByName: 'Cara Client', deliverableCount: 12 },
    ],
    scopeVersion: '1.3',
    signals: {
      driftShare: 0.125,
      undocumentedChanges: 2,
      withoutCriteria: ['PROJ-7'],
      staleSignOffs: ['PROJ-3', 'PROJ-4'],
      bypasses: 1,
      signOffCoverage: { covered: 9, total: 12, share: 0.75 },
    },
    verification: { ok: true, count: 42 },
    signalsStatus: { complete: true, historyCounted: 42, historyTotal: 42, deliverablesCounted: 12, deliverablesAsOf: '2025-03-05T08:30:00.000Z' },
    permissions: { canCreateBaseline: false, canDocumentChanges: false },
    deliverables: [
      { id: '10001', key: 'PROJ-1' },
      { id: '10002', key: 'PROJ-2' },
    ],
    ...overrides,
  };
}

const HASH = 'a'.repeat(64);

/** A scope change recorded without a reason, as the timeline shows it before anyone documents it. */
export function makeUndocumentedRow(seq: number): HistoryRow {
  const row = makeChangeRow(seq, { undocumented: true, summary: `Criterion modified on PROJ-1` });
  if (row.record.kind === 'scope_changed') row.record = { ...row.record, data: { ...row.record.data, reason: null } };
  return row;
}

export function makeChangeRow(seq: number, overrides: Partial<HistoryRow> = {}): HistoryRow {
  return {
    id: `r${seq}`,
    seq,
    kind: 'scope_changed',
    at: '2025-03-04T10:15:00.000Z',
    authorName: 'Pat Owner',
    deliverableKey: 'PROJ-1',
    scopeVersion: `1.${seq}`,
    summary: `Criterion modified on PROJ-1`,
    diffText: '- The file downloads fast\n+ The file downloads within 5 seconds',
    undocumented: false,
    record: {
      id: `r${seq}`,
      scopeId: '10000',
      at: '2025-03-04T10:15:00.000Z',
      actor: { id: 'user-po', name: 'Pat Owner', email: null },
      deliverableId: '10001',
      kind: 'scope_changed',
      data: {
        changeId: `ch${seq}`,
        kind: 'criterion_modified',
        deliverableKey: 'PROJ-1',
        criterionId: 'c2',
        before: 'The file downloads fast',
        after: 'The file downloads within 5 seconds',
        diff: null,
        replaced: false,
        fromIndex: null,
        toIndex: null,
        source: 'jira-panel',
        reason: 'Client asked for a measurable limit',
      },
      seq,
      scopeVersion: `1.${seq}`,
      prevHash: HASH,
      hash: HASH,
    },
    ...overrides,
  };
}

export function makeSettings(overrides: Partial<ProjectSettings> = {}): ProjectSettings {
  return {
    approverAccountIds: ['user-client'],
    approverRoles: ['Client approvers'],
    requireAllMet: false,
    forbidSelfSignOff: true,
    deliverableIssueTypes: ['Story', 'Epic'],
    doneStatusNames: ['Done'],
    bypassPolicy: 'record',
    vocabulary: { vagueWords: [], silencedWords: [], disabledRules: [] },
    ...overrides,
  };
}
