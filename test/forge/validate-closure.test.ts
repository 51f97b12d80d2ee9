import { installForgeApiMock, PEOPLE, STATUS, type FakeJira } from '../mocks/forge-api';
import { installForgeKvsMock, type FakeKvsService } from '../mocks/forge-kvs';
import { createInvoker, expectOk, testDeps } from './forge-harness';
import { validateClosure } from '../../src/forge/validate-closure';
import type { ForgeDeps } from '../../src/forge/create-forge-deps';

jest.mock('@forge/kvs', () => jest.requireActual('../mocks/forge-kvs').mockForgeKvsModule());
jest.mock('@forge/api', () => jest.requireActual('../mocks/forge-api').mockForgeApiModule());

const { anna, ravi, pat } = PEOPLE;

let kvs: FakeKvsService;
let jira: FakeJira;
let deps: ForgeDeps;
let invoke: ReturnType<typeof createInvoker>;

/** The documented payload of a jira:workflowValidator function. */
function transitionTo(statusId: string, key = 'PROJ-12') {
  return { issue: { key }, configuration: {}, transition: { from: { id: STATUS.inProgress.id }, to: { id: statusId } } };
}

beforeEach(async () => {
  kvs = installForgeKvsMock();
  jira = installForgeApiMock();
  deps = testDeps();
  invoke = createInvoker(deps);
  expectOk(await invoke('saveSettings', { settings: { approverRoles: ['Client approvers'] } }, pat.accountId, { project: true }));
});

async function saveCriteria(texts: string[], met = false) {
  const current = expectOk(await invoke('getPanel', {}, ravi.accountId)).panel;
  return expectOk(
    await invoke('saveCriteria', { criteria: texts.map((text, i) => ({ id: current.criteria[i]?.id ?? null, text, met })), reason: null, expectedVersion: current.version }, ravi.accountId),
  ).panel;
}

describe('workflow validator: the closure gate', () => {
  it('refuses closing a deliverable with no criteria and no sign-off, listing every reason', async () => {
    const result = await validateClosure(transitionTo(STATUS.done.id), deps);
    expect(result.result).toBe(false);
    expect(result.errorMessage).toMatch(/^PROJ-12 cannot move to Done yet\. \(1\) This deliverable has no acceptance criteria\..*\(2\) Nobody has signed off/);
  });

  it('allows the transition once an approver signed off the criteria as they stand now', async () => {
    await saveCriteria(['Given an invoice, when I export it, then a PDF downloads']);
    expectOk(await invoke('signOff', { note: null }, anna.accountId));
    expect(await validateClosure(transitionTo(STATUS.done.id), deps)).toEqual({ result: true });
  });

  it('refuses again when the criteria changed after the sign-off', async () => {
    await saveCriteria(['Given an invoice, when I export it, then a PDF downloads']);
    expectOk(await invoke('signOff', { note: null }, anna.accountId));
    await saveCriteria(['Given an invoice, when I export it, then a PDF downloads within 5 seconds']);
    const result = await validateClosure(transitionTo(STATUS.done.id), deps);
    expect(result.result).toBe(false);
    expect(result.errorMessage).toContain('no longer counts: the acceptance criteria changed after it was given');
  });

  it('lists unmet criteria and a self sign-off together when the project requires both', async () => {
    expectOk(
      await invoke('saveSettings', { settings: { approverRoles: ['Client approvers'], requireAllMet: true, forbidSelfSignOff: true } }, pat.accountId, { project: true }),
    );
    await saveCriteria(['The PDF shows the invoice number']);
    expectOk(await invoke('signOff', { note: null }, anna.accountId));
    jira.issue('10042').assigneeId = anna.accountId; // reassigned after the sign-off
    const result = await validateClosure(transitionTo(STATUS.done.id), deps);
    expect(result.result).toBe(false);
    expect(result.errorMessage).toMatch(/\(1\) Anna Product Owner signed off their own work.*\(2\) 1 of 1 acceptance criterion is not marked met/);
  });

  it('lets a transition that does not close the issue through without a sign-off', async () => {
    expect(await validateClosure(transitionTo(STATUS.review.id), deps)).toEqual({ result: true });
  });

  it('guards a status listed as done in the settings even outside the done category', async () => {
    expectOk(await invoke('saveSettings', { settings: { approverRoles: ['Client approvers'], doneStatusNames: ['In Review'] } }, pat.accountId, { project: true }));
    expect((await validateClosure(transitionTo(STATUS.review.id), deps)).result).toBe(false);
  });

  it('lets issue types that are not deliverables close freely', async () => {
    expectOk(await invoke('saveSettings', { settings: { deliverableIssueTypes: ['Task'] } }, pat.accountId, { project: true }));
    expect(await validateClosure(transitionTo(STATUS.done.id), deps)).toEqual({ result: true });
  });

  it('decides from app storage, not from the issue property anyone who edits the issue can rewrite', async () => {
    jira.issue('10042').properties.scopekeeper = { criteriaCount: 3, allMet: 'true', signedOff: 'true', signOffStale: 'false', scopeVersion: '1.0', undocumentedChanges: 0 };
    expect((await validateClosure(transitionTo(STATUS.done.id), deps)).result).toBe(false);
  });

  it('decides with at most one asApp Jira call and two storage reads', async () => {
    await saveCriteria(['Given an invoice, when I export it, then a PDF downloads']);
    expectOk(await invoke('signOff', { note: null }, anna.accountId));
    kvs.resetCounts();
    jira.resetCalls();
    expect(await validateClosure(transitionTo(STATUS.done.id), deps)).toEqual({ result: true });
    const storage = kvs.counts();
    const calls = jira.counts();
    expect(calls).toEqual({ asApp: 1, asUser: 0, total: 1 });
    expect(storage.reads).toBeLessThanOrEqual(2);
    expect(storage.writes).toBe(0);
    console.info(`validator decision: ${storage.reads} storage reads, ${calls.asApp} asApp call, ${calls.asUser} asUser calls`);
  });

  it('keeps the issue where it is and says so when storage cannot be read', async () => {
    kvs.failNext('/api/v1/entity/get', 503, 'SERVICE_UNAVAILABLE');
    const result = await validateClosure(transitionTo(STATUS.done.id), deps);
    expect(result).toEqual({ result: false, errorMessage: expect.stringContaining('could not check the sign-off of PROJ-12 just now') });
  });

  it('refuses a payload it cannot read instead of letting the transition through', async () => {
    expect((await validateClosure({ issue: {}, transition: {} }, deps)).result).toBe(false);
  });

  it('refuses when the issue cannot be found', async () => {
    expect(await validateClosure(transitionTo(STATUS.done.id, 'PROJ-404'), deps)).toEqual({ result: false, errorMessage: 'Scopekeeper could not find PROJ-404, so it stays where it is.' });
  });
});
