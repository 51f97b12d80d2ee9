import { installForgeApiMock, OTHER, PEOPLE, PROJ, STATUS, type FakeJira, type FakeStatus } from '../mocks/forge-api';
import { installForgeKvsMock } from '../mocks/forge-kvs';
import { readJiraPayload, type JiraIssueEvent } from '../fixtures/jira';
import { createInvoker, expectOk, testDeps } from './forge-harness';
import { handleIssueEvent, MAX_EVENT_RETRIES, type EventRetryRequest } from '../../src/forge/entry/handle-issue-event';
import type { ForgeDeps } from '../../src/forge/entry/create-forge-deps';
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

const statusJson = (s: FakeStatus) => ({ self: `https://example.atlassian.net/rest/api/2/status/${s.id}`, id: s.id, name: s.name, statusCategory: CATEGORY[s.category] });

/**
 * A recorded payload (test/fixtures/jira, from Atlassian's documented examples) placed on the
 * seeded site: issue PROJ-12 in PROJ, caused by Ravi, the status change from -> to.
 */
function seeded(
  name: 'issueCreated' | 'issueUpdatedStatus' | 'issueUpdatedStatusWithIdAndTimestamp' | 'issueDeleted',
  options: { from?: FakeStatus; to?: FakeStatus; updated?: string; project?: { id: string; key: string; name: string }; key?: string; issueType?: string } = {},
): JiraIssueEvent {
  const event = readJiraPayload(name);
  const project = options.project ?? PROJ;
  event.atlassianId = ravi.accountId;
  event.issue.id = '10042';
  event.issue.key = options.key ?? 'PROJ-12';
  const fields = event.issue.fields;
  fields.summary = 'Export invoices as PDF';
  fields.project = { ...fields.project, id: project.id, key: project.key, name: project.name };
  fields.issuetype = { ...fields.issuetype, name: options.issueType ?? 'Story' };
  fields.assignee = { accountId: ravi.accountId };
  if (options.updated) fields.updated = options.updated;
  const to = options.to ?? STATUS.inProgress;
  fields.status = statusJson(to);
  if (event.changelog) {
    if (options.from) {
      event.changelog.items = [{ field: 'status', fieldtype: 'jira', fieldId: 'status', from: options.from.id, fromString: options.from.name, to: to.id, toString: to.name }];
      // Documented as "the current and previous statuses".
      event.associatedStatuses = [statusJson(to), statusJson(options.from)];
    } else {
      event.changelog.items = [];
      delete event.associatedStatuses;
    }
  }
  return event;
}

const closing = (overrides: Parameters<typeof seeded>[1] = {}) => seeded('issueUpdatedStatus', { from: STATUS.inProgress, to: STATUS.done, ...overrides });

async function history(scopeId = PROJ.id): Promise<HistoryRecord[]> {
  const records: HistoryRecord[] = [];
  for await (const record of deps.store.readHistory(scopeId)) records.push(record);
  return records;
}

const bypasses = async () => (await history()).filter((r) => r.kind === 'closure_bypassed');
/** Closures Scopekeeper moved back: they never stood, so they are refusals, not bypasses. */
const refusals = async () => (await history()).filter((r) => r.kind === 'closure_refused');

/** The issue reaches Done in Jira, then its event arrives. */
async function closeInJira(event = closing()) {
  jira.issue('10042').statusId = event.issue.fields.status?.id ?? STATUS.done.id;
  return handleIssueEvent(event, deps);
}

async function useReopenPolicy() {
  expectOk(await invoke('saveSettings', { settings: { bypassPolicy: 'reopen' } }, pat.accountId, { project: true }));
}

function expectRetry(outcome: EventRetryRequest | undefined): EventRetryRequest {
  expect(outcome).toMatchObject({ _retry: true, retryOptions: { retryAfter: expect.any(Number), retryReason: 'FUNCTION_RETRY_REQUEST' } });
  return outcome as EventRetryRequest;
}

/** The same delivery again, as Forge sends it after a retry request. */
function retried(event: JiraIssueEvent, request: EventRetryRequest, retryCount = 1): JiraIssueEvent {
  return { ...event, retryContext: { retryCount, retryReason: request.retryOptions.retryReason, retryData: request.retryOptions.retryData } };
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
    await useReopenPolicy();
    expect(await closeInJira()).toBeUndefined();

    expect(jira.issue('10042').statusId).toBe(STATUS.inProgress.id);
    const comment = jira.issue('10042').comments[0];
    expect(comment?.as).toBe('app');
    expect(JSON.stringify(comment?.body)).toContain('Scopekeeper moved PROJ-12 back to In Progress: it reached Done without a valid sign-off');
    expect(JSON.stringify(comment?.body)).toContain('Nobody has signed off the acceptance criteria yet');
    const [refused] = await refusals();
    expect(refused).toMatchObject({ deliverableId: '10042', actor: { id: ravi.accountId, name: ravi.displayName }, data: { toState: 'Done' } });
    expect(refused?.kind === 'closure_refused' && refused.data.reasons.map((r) => r.code)).toEqual(['NO_SIGNOFF']);
    expect(await bypasses()).toEqual([]);
  });

  it('records the refusal before it touches Jira', async () => {
    await useReopenPolicy();
    jira.failRequests('POST', /\/transitions$/, 503, 1);
    expectRetry(await closeInJira());
    expect(await refusals()).toHaveLength(1);
    expect(jira.issue('10042').statusId).toBe(STATUS.done.id);
  });

  it('only records the bypass and leaves the issue done when the project says record', async () => {
    await closeInJira();
    expect(jira.issue('10042').statusId).toBe(STATUS.done.id);
    expect(jira.issue('10042').comments).toEqual([]);
    expect((await bypasses()).map((r) => r.kind === 'closure_bypassed' && r.data.action)).toEqual(['recorded']);
  });

  it('records an allowed closure and leaves the issue alone when the sign-off is valid', async () => {
    await useReopenPolicy();
    expectOk(await invoke('signOff', { note: null }, anna.accountId));
    await closeInJira();
    expect(jira.issue('10042').statusId).toBe(STATUS.done.id);
    expect(jira.issue('10042').comments).toEqual([]);
    expect((await history()).map((r) => r.kind).slice(-2)).toEqual(['signoff_recorded', 'closure_allowed']);
  });

  it('records a refusal once, and reopens and comments once, when the same event is delivered twice', async () => {
    await useReopenPolicy();
    const event = closing();
    await closeInJira(event);
    jira.issue('10042').statusId = STATUS.done.id; // closed again by hand, no new event yet
    await handleIssueEvent(event, deps);
    expect(await refusals()).toHaveLength(1);
    expect(jira.issue('10042').comments).toHaveLength(1);
    expect(jira.issue('10042').statusId).toBe(STATUS.done.id);
  });

  it('records a second bypass of the same transition as its own when the payload has no changelog id', async () => {
    await closeInJira(closing({ updated: '2026-03-02T10:00:00.000+0000' }));
    jira.issue('10042').statusId = STATUS.inProgress.id;
    await closeInJira(closing({ updated: '2026-03-03T16:30:00.000+0000' }));
    expect(await bypasses()).toHaveLength(2);
    expect(deps.logged).toContain('issue event for PROJ-12 has no changelog.id; deduplicating by issue.fields.updated');
  });

  it('tells deliveries apart by changelog.id when the payload carries one, and by timestamp without it', async () => {
    const withId = seeded('issueUpdatedStatusWithIdAndTimestamp', { from: STATUS.inProgress, to: STATUS.done });
    await closeInJira(withId);
    await closeInJira(withId);
    expect(await bypasses()).toHaveLength(1);

    const withTimestamp = seeded('issueUpdatedStatusWithIdAndTimestamp', { from: STATUS.inProgress, to: STATUS.done });
    delete withTimestamp.changelog?.id;
    withTimestamp.timestamp = 1772530000000;
    await closeInJira(withTimestamp);
    await closeInJira(withTimestamp);
    expect(await bypasses()).toHaveLength(2);
    expect(deps.logged).toContain('issue event for PROJ-12 has no changelog.id; deduplicating by timestamp');
  });

  it('does not count a move from one done status to another as a closure', async () => {
    jira.issue('10042').statusId = STATUS.closed.id;
    await handleIssueEvent(seeded('issueUpdatedStatus', { from: STATUS.done, to: STATUS.closed }), deps);
    expect(await bypasses()).toEqual([]);
  });

  it('still detects the bypass when associatedStatuses has a shape it does not know, and logs it', async () => {
    const event = closing();
    event.associatedStatuses = { current: 'Done' };
    await closeInJira(event);
    expect(await bypasses()).toHaveLength(1);
    expect(deps.logged).toContain('associatedStatuses of PROJ-12 has a shape Scopekeeper does not know (object); ignored');
  });

  it('reads associatedStatuses wrapped in an object as associatedUsers is typed', async () => {
    const event = seeded('issueUpdatedStatus', { from: STATUS.done, to: STATUS.closed });
    event.associatedStatuses = { associatedStatuses: [statusJson(STATUS.closed), statusJson(STATUS.done)] };
    jira.issue('10042').statusId = STATUS.closed.id;
    await handleIssueEvent(event, deps);
    expect(await bypasses()).toEqual([]);
  });

  it('ignores closures of issue types the project does not treat as deliverables', async () => {
    expectOk(await invoke('saveSettings', { settings: { deliverableIssueTypes: ['Bug'], bypassPolicy: 'reopen' } }, pat.accountId, { project: true }));
    await closeInJira();
    expect(jira.issue('10042').statusId).toBe(STATUS.done.id);
    expect(await bypasses()).toEqual([]);
  });

  it('keeps the search property current after the event', async () => {
    await closeInJira();
    expect(jira.issue('10042').properties.scopekeeper).toMatchObject({ criteriaCount: 1, signedOff: 'false' });
  });
});

describe('trigger: settings it cannot read', () => {
  it('refuses and moves back a closure, naming the fault, even with a valid sign-off, when the project settings are corrupted', async () => {
    expectOk(await invoke('signOff', { note: null }, anna.accountId));
    await deps.store.updateScopeExtension(PROJ.id, (ext) => ({ ...ext, settings: { bypassPolicy: 'record', approverRoles: 'everyone' } }));
    await closeInJira();

    expect(jira.issue('10042').statusId).toBe(STATUS.inProgress.id);
    const [refused] = await refusals();
    const reasons = refused?.kind === 'closure_refused' ? refused.data.reasons : [];
    expect(reasons.map((r) => r.code)).toEqual(['SETTINGS_UNREADABLE']);
    expect(reasons[0]?.message).toMatch(/^Scopekeeper cannot read this scope's settings \(approverRoles: .+\), so it cannot tell who may sign off/);
    expect(JSON.stringify(jira.issue('10042').comments[0]?.body)).toContain('saving the settings again');
    expect(jira.issue('10042').properties.scopekeeper).toMatchObject({ signedOff: 'false' });
  });
});

describe('trigger: late events and workflows without a way back', () => {
  beforeEach(useReopenPolicy);

  it('records but does not reopen when the issue is no longer done by the time the event arrives', async () => {
    const event = closing();
    jira.issue('10042').statusId = STATUS.review.id; // someone moved it on meanwhile
    await handleIssueEvent(event, deps);
    expect(jira.issue('10042').statusId).toBe(STATUS.review.id);
    expect(jira.issue('10042').comments).toEqual([]);
    expect((await bypasses()).map((r) => r.kind === 'closure_bypassed' && r.data.action)).toEqual(['recorded']);
  });

  it('comments that it could not move the issue back when the workflow has no transition to the previous status', async () => {
    await closeInJira(closing({ from: STATUS.review })); // Done has no transition back to In Review
    expect(jira.issue('10042').statusId).toBe(STATUS.done.id);
    expect(JSON.stringify(jira.issue('10042').comments[0]?.body)).toContain('PROJ-12 reached Done without a valid sign-off of its acceptance criteria. Scopekeeper could not move it back');
    expect((await bypasses()).map((r) => r.kind === 'closure_bypassed' && r.data.action)).toEqual(['recorded']);
  });
});

describe('trigger: failures are retried through Forge and never doubled', () => {
  beforeEach(useReopenPolicy);

  it('asks Forge to retry when the reopen fails, and the retry reopens and comments once', async () => {
    const event = closing();
    jira.failRequests('POST', /\/transitions$/, 503, 1);
    const request = expectRetry(await closeInJira(event));
    expect(request.retryOptions.retryData).toMatchObject({ step: 'transition' });
    expect(jira.issue('10042').comments).toEqual([]);

    expect(await handleIssueEvent(retried(event, request), deps)).toBeUndefined();
    expect(jira.issue('10042').statusId).toBe(STATUS.inProgress.id);
    expect(jira.issue('10042').comments).toHaveLength(1);
    expect(await refusals()).toHaveLength(1);
  });

  it('retries only the comment when the reopen went through and the comment failed', async () => {
    const event = closing();
    jira.failRequests('POST', /\/comment$/, 500, 1);
    const request = expectRetry(await closeInJira(event));
    expect(jira.issue('10042').statusId).toBe(STATUS.inProgress.id);

    await handleIssueEvent(retried(event, request), deps);
    expect(jira.issue('10042').statusId).toBe(STATUS.inProgress.id);
    const comments = jira.issue('10042').comments;
    expect(comments).toHaveLength(1);
    expect(JSON.stringify(comments[0]?.body)).toContain('Scopekeeper moved PROJ-12 back to In Progress');
    expect(jira.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/transitions'))).toHaveLength(1);
  });

  it('asks to be retried as rate limited when Jira answers 429', async () => {
    jira.failRequests('POST', /\/transitions$/, 429, 1);
    expect((await closeInJira())?.retryOptions.retryReason).toBe('FUNCTION_UPSTREAM_RATE_LIMITED');
  });

  it('loses no closure when the run fails before recording: the retry records and reopens', async () => {
    const event = closing();
    jira.failRequests('GET', /\/issue\/10042$/, 502, 1);
    const request = expectRetry(await closeInJira(event));
    expect(await refusals()).toEqual([]);

    await handleIssueEvent(retried(event, request), deps);
    expect(await refusals()).toHaveLength(1);
    expect(jira.issue('10042').statusId).toBe(STATUS.inProgress.id);
  });

  it('finishes the reopen on a platform retry that carries no data of ours', async () => {
    const event = closing();
    jira.failRequests('POST', /\/transitions$/, 503, 1);
    expectRetry(await closeInJira(event));
    await handleIssueEvent({ ...event, retryContext: { retryCount: 1, retryReason: 'FUNCTION_TIME_OUT' } }, deps);
    expect(jira.issue('10042').statusId).toBe(STATUS.inProgress.id);
    expect(jira.issue('10042').comments).toHaveLength(1);
  });

  it('does not reopen on a retry when someone moved the issue on meanwhile', async () => {
    const event = closing();
    jira.failRequests('POST', /\/transitions$/, 503, 1);
    const request = expectRetry(await closeInJira(event));
    jira.issue('10042').statusId = STATUS.review.id;
    await handleIssueEvent(retried(event, request), deps);
    expect(jira.issue('10042').statusId).toBe(STATUS.review.id);
    expect(jira.issue('10042').comments).toEqual([]);
  });

  it('rethrows once Forge has retried the maximum number of times', async () => {
    jira.failRequests('GET', /\/issue\/10042$/, 500);
    await expect(handleIssueEvent({ ...closing(), retryContext: { retryCount: MAX_EVENT_RETRIES } }, deps)).rejects.toThrow('Jira answered 500');
  });
});

describe('trigger: new issues', () => {
  it('gives a new issue its search property as soon as it is created', async () => {
    jira.issues.set('10044', { ...jira.issue('10043'), id: '10044', key: 'PROJ-14', properties: {}, comments: [] });
    const event = readJiraPayload('issueCreated');
    event.issue.id = '10044';
    event.issue.key = 'PROJ-14';
    event.issue.fields.project = { id: PROJ.id, key: PROJ.key, name: PROJ.name };
    event.issue.fields.status = statusJson(STATUS.todo);
    expect(await handleIssueEvent(event, deps)).toBeUndefined();
    expect(jira.issue('10044').properties.scopekeeper).toEqual({ criteriaCount: 0, allMet: 'false', signedOff: 'false', signOffStale: 'false', scopeVersion: '', undocumentedChanges: 0 });
    expect(await history()).not.toContainEqual(expect.objectContaining({ deliverableId: '10044' }));
  });

  it('gives no property to a new issue of a type the project does not track', async () => {
    expectOk(await invoke('saveSettings', { settings: { deliverableIssueTypes: ['Bug'] } }, pat.accountId, { project: true }));
    const event = readJiraPayload('issueCreated');
    event.issue.id = '10043';
    event.issue.key = 'PROJ-13';
    event.issue.fields.project = { id: PROJ.id, key: PROJ.key, name: PROJ.name };
    await handleIssueEvent(event, deps);
    expect(jira.issue('10043').properties).toEqual({});
  });
});

describe('trigger: deliverables deleted or moved out of a baselined project', () => {
  beforeEach(async () => {
    expectOk(await invoke('createBaseline', { name: 'SRS v1.0' }, pat.accountId, { project: true }));
  });

  it('records deliverable_removed when a baselined deliverable is deleted', async () => {
    await handleIssueEvent({ ...seeded('issueDeleted'), atlassianId: pat.accountId }, deps);
    const removed = (await history()).find((r) => r.kind === 'scope_changed');
    expect(removed).toMatchObject({ scopeVersion: '1.1', actor: { id: pat.accountId }, data: { kind: 'deliverable_removed', deliverableKey: 'PROJ-12', reason: null, source: 'jira-trigger' } });
    expect((await deps.store.getDeliverable('jira', '10042'))?.state.inScope).toBe(false);
  });

  it('records deliverable_removed in the old project and keeps the deliverable by id when the issue moves', async () => {
    jira.issue('10042').projectId = OTHER.id;
    jira.issue('10042').key = 'OPS-7';
    const event = seeded('issueUpdatedStatus', { project: OTHER, key: 'OPS-7' });
    event.changelog!.items = [
      { field: 'project', fieldtype: 'jira', fieldId: 'project', from: PROJ.id, fromString: PROJ.name, to: OTHER.id, toString: OTHER.name },
      { field: 'Key', fieldtype: 'jira', from: null, fromString: 'PROJ-12', to: null, toString: 'OPS-7' },
    ];
    await handleIssueEvent(event, deps);

    expect((await history()).filter((r) => r.kind === 'scope_changed').map((r) => r.kind === 'scope_changed' && r.data.kind)).toEqual(['deliverable_removed']);
    const stored = await deps.store.getDeliverable('jira', '10042');
    expect(stored?.state).toMatchObject({ key: 'OPS-7', scopeId: OTHER.id, inScope: true });
    expect(stored?.state.criteria.map((c) => c.text)).toEqual(['Given an invoice, when I export it, then a PDF downloads']);
    expect((await deps.store.listDeliverables(PROJ.id)).map((d) => d.state.id)).toEqual([]);
  });

  it('records a removal only once when the delete event is delivered twice', async () => {
    const event = seeded('issueDeleted');
    await handleIssueEvent(event, deps);
    await handleIssueEvent(event, deps);
    expect((await history()).filter((r) => r.kind === 'scope_changed')).toHaveLength(1);
  });
});

describe('trigger: issue facts', () => {
  it('keeps the key and assignee of a stored deliverable current without recording a scope change', async () => {
    const event = seeded('issueUpdatedStatus', { key: 'PROJ-99' });
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
