import { installForgeApiMock, OTHER, PEOPLE, PROJ, STATUS, type FakeJira, type FakeStatus } from '../mocks/forge-api';
import { installForgeKvsMock } from '../mocks/forge-kvs';
import { createInvoker, expectOk, testDeps } from './forge-harness';
import { handleIssueEvent } from '../../src/forge/handle-issue-event';
import type { ForgeDeps } from '../../src/forge/create-forge-deps';
import type { HistoryRecord } from '../../src/core/schemas';

jest.mock('@forge/kvs', () => jest.requireActual('../mocks/forge-kvs').mockForgeKvsModule());
jest.mock('@forge/api', () => jest.requireActual('../mocks/forge-api').mockForgeApiModule());

const { anna, ravi, pat } = PEOPLE;
const CATEGORY = {
  new: { id: 2, key: 'new', colorName: 'blue-gray', name: 'To Do' },
  indeterminate: { id: 4, key: 'indeterminate', colorName: 'yellow', name: 'In Progress' },
  done: { id: 3, key: 'done', colorName: 'green', name: 'Done' },
};

let jira: FakeJira;
let deps: ForgeDeps & { logged: string[] };
let invoke: ReturnType<typeof createInvoker>;

const statusJson = (s: FakeStatus) => ({ id: s.id, name: s.name, statusCategory: CATEGORY[s.category] });

/** An avi:jira:updated:issue event as Forge delivers it (events-reference/jira). */
function updatedEvent(options: { from?: FakeStatus; to?: FakeStatus; project?: { id: string; key: string; name: string }; key?: string; changelogId?: string; extraItems?: object[] } = {}) {
  const to = options.to ?? STATUS.inProgress;
  const project = options.project ?? PROJ;
  const items = [
    ...(options.from ? [{ field: 'status', fieldtype: 'jira', fieldId: 'status', from: options.from.id, fromString: options.from.name, to: to.id, toString: to.name }] : []),
    ...(options.extraItems ?? []),
  ];
  return {
    eventType: 'avi:jira:updated:issue',
    atlassianId: ravi.accountId,
    issue: {
      id: '10042',
      key: options.key ?? 'PROJ-12',
      fields: {
        summary: 'Export invoices as PDF',
        issuetype: { self: 'https://x/rest/api/2/issuetype/10001', id: '10001', name: 'Story', subtask: false },
        creator: { accountId: anna.accountId },
        created: '2026-01-20T15:58:12.797+1100',
        project: { self: `https://x/rest/api/2/project/${project.id}`, id: project.id, key: project.key, name: project.name, projectTypeKey: 'software', simplified: false },
        reporter: { accountId: anna.accountId },
        assignee: { accountId: ravi.accountId },
        updated: '2026-03-02T10:00:00.000+0000',
        status: statusJson(to),
      },
    },
    changelog: { id: options.changelogId ?? '10119', items },
    associatedUsers: [{ accountId: ravi.accountId }],
    ...(options.from ? { associatedStatuses: [statusJson(options.from), statusJson(to)] } : {}),
  };
}

async function history(scopeId = PROJ.id): Promise<HistoryRecord[]> {
  const records: HistoryRecord[] = [];
  for await (const record of deps.store.readHistory(scopeId)) records.push(record);
  return records;
}

async function closeInJira() {
  jira.issue('10042').statusId = STATUS.done.id;
  await handleIssueEvent(updatedEvent({ from: STATUS.inProgress, to: STATUS.done }), deps);
}

beforeEach(async () => {
  installForgeKvsMock();
  jira = installForgeApiMock();
  deps = testDeps();
  invoke = createInvoker(deps);
  const criteria = [{ id: null, text: 'Given an invoice, when I export it, then a PDF downloads', met: false }];
  expectOk(await invoke('saveCriteria', { criteria, reason: null, expectedVersion: null }, ravi.accountId));
});

describe('trigger: closure bypass detection', () => {
  it('reopens an issue closed without a valid sign-off to its previous status, with a comment, when the project says reopen', async () => {
    expectOk(await invoke('saveSettings', { settings: { bypassPolicy: 'reopen' } }, pat.accountId, { project: true }));
    await closeInJira();

    expect(jira.issue('10042').statusId).toBe(STATUS.inProgress.id);
    const comment = jira.issue('10042').comments[0];
    expect(comment?.as).toBe('app');
    expect(JSON.stringify(comment?.body)).toContain('Scopekeeper moved PROJ-12 back to In Progress: it reached Done without a valid sign-off');
    expect(JSON.stringify(comment?.body)).toContain('Nobody has signed off the acceptance criteria yet');
    const bypass = (await history()).find((r) => r.kind === 'closure_bypassed');
    expect(bypass).toMatchObject({ deliverableId: '10042', actor: { id: ravi.accountId, name: ravi.displayName }, data: { toState: 'Done', action: 'reopened' } });
    expect(bypass?.kind === 'closure_bypassed' && bypass.data.reasons.map((r) => r.code)).toEqual(['NO_SIGNOFF']);
  });

  it('only records the bypass and leaves the issue done when the project says record', async () => {
    await closeInJira();
    expect(jira.issue('10042').statusId).toBe(STATUS.done.id);
    expect(jira.issue('10042').comments).toEqual([]);
    expect((await history()).filter((r) => r.kind === 'closure_bypassed').map((r) => r.kind === 'closure_bypassed' && r.data.action)).toEqual(['recorded']);
  });

  it('records an allowed closure and leaves the issue alone when the sign-off is valid', async () => {
    expectOk(await invoke('saveSettings', { settings: { bypassPolicy: 'reopen' } }, pat.accountId, { project: true }));
    expectOk(await invoke('signOff', { note: null }, anna.accountId));
    await closeInJira();
    expect(jira.issue('10042').statusId).toBe(STATUS.done.id);
    expect(jira.issue('10042').comments).toEqual([]);
    expect((await history()).map((r) => r.kind)).toEqual(['signoff_recorded', 'closure_allowed']);
  });

  it('records a bypass once when the same event is delivered twice', async () => {
    await closeInJira();
    await handleIssueEvent(updatedEvent({ from: STATUS.inProgress, to: STATUS.done }), deps);
    expect((await history()).filter((r) => r.kind === 'closure_bypassed')).toHaveLength(1);
  });

  it('does not count a move from one done status to another as a closure', async () => {
    const closed = { id: '10003', name: 'Closed', category: 'done' } as const;
    jira.statuses.set(closed.id, closed);
    jira.issue('10042').statusId = closed.id;
    await handleIssueEvent(updatedEvent({ from: STATUS.done, to: closed }), deps);
    expect(await history()).toEqual([]);
  });

  it('ignores closures of issue types the project does not treat as deliverables', async () => {
    expectOk(await invoke('saveSettings', { settings: { deliverableIssueTypes: ['Bug'], bypassPolicy: 'reopen' } }, pat.accountId, { project: true }));
    await closeInJira();
    expect(jira.issue('10042').statusId).toBe(STATUS.done.id);
    expect(await history()).toEqual([]);
  });

  it('keeps the search property current after the event', async () => {
    await closeInJira();
    expect(jira.issue('10042').properties.scopekeeper).toMatchObject({ criteriaCount: 1, signedOff: 'false' });
  });
});

describe('trigger: deliverables deleted or moved out of a baselined project', () => {
  beforeEach(async () => {
    expectOk(await invoke('createBaseline', { name: 'SRS v1.0' }, pat.accountId, { project: true }));
  });

  it('records deliverable_removed when a baselined deliverable is deleted', async () => {
    await handleIssueEvent({ eventType: 'avi:jira:deleted:issue', atlassianId: pat.accountId, issue: updatedEvent().issue }, deps);
    const removed = (await history()).find((r) => r.kind === 'scope_changed');
    expect(removed).toMatchObject({ scopeVersion: '1.1', actor: { id: pat.accountId }, data: { kind: 'deliverable_removed', deliverableKey: 'PROJ-12', reason: null, source: 'jira-trigger' } });
    expect((await deps.store.getDeliverable('jira', '10042'))?.state.inScope).toBe(false);
  });

  it('records deliverable_removed in the old project and keeps the deliverable by id when the issue moves', async () => {
    jira.issue('10042').projectId = OTHER.id;
    jira.issue('10042').key = 'OPS-7';
    const moveItems = [
      { field: 'project', fieldtype: 'jira', fieldId: 'project', from: PROJ.id, fromString: PROJ.name, to: OTHER.id, toString: OTHER.name },
      { field: 'Key', fieldtype: 'jira', from: null, fromString: 'PROJ-12', to: null, toString: 'OPS-7' },
    ];
    await handleIssueEvent(updatedEvent({ project: OTHER, key: 'OPS-7', extraItems: moveItems }), deps);

    expect((await history()).filter((r) => r.kind === 'scope_changed').map((r) => r.kind === 'scope_changed' && r.data.kind)).toEqual(['deliverable_removed']);
    const stored = await deps.store.getDeliverable('jira', '10042');
    expect(stored?.state).toMatchObject({ key: 'OPS-7', scopeId: OTHER.id, inScope: true });
    expect(stored?.state.criteria.map((c) => c.text)).toEqual(['Given an invoice, when I export it, then a PDF downloads']);
    expect((await deps.store.listDeliverables(PROJ.id)).map((d) => d.state.id)).toEqual([]);
  });

  it('records a removal only once when the delete event is delivered twice', async () => {
    const event = { eventType: 'avi:jira:deleted:issue', atlassianId: pat.accountId, issue: updatedEvent().issue };
    await handleIssueEvent(event, deps);
    await handleIssueEvent(event, deps);
    expect((await history()).filter((r) => r.kind === 'scope_changed')).toHaveLength(1);
  });
});

describe('trigger: issue facts', () => {
  it('keeps the key and assignee of a stored deliverable current without recording a scope change', async () => {
    const event = updatedEvent({ key: 'PROJ-99' });
    event.issue.fields.assignee = { accountId: anna.accountId };
    await handleIssueEvent(event, deps);
    expect((await deps.store.getDeliverable('jira', '10042'))?.state).toMatchObject({ key: 'PROJ-99', assigneeId: anna.accountId });
    expect(await history()).toEqual([]);
  });

  it('ignores an event it cannot read', async () => {
    await handleIssueEvent({ something: 'else' }, deps);
    expect(deps.logged).toEqual(['ignored an issue event Scopekeeper cannot read']);
  });
});
