import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ManifestParserBuilder } from '@forge/manifest';
import { buildValidatorPayload } from '../fixtures/jira';
import { installForgeApiMock, PEOPLE, PROJ, STATUS, type FakeJira } from '../mocks/forge-api';
import { installForgeKvsMock, type FakeKvsService } from '../mocks/forge-kvs';
import { createInvoker, expectOk, testDeps } from './forge-harness';
import { validateClosure } from '../../src/forge/entry/validate-closure';
import type { ForgeDeps } from '../../src/forge/entry/create-forge-deps';

jest.mock('@forge/kvs', () => jest.requireActual('../mocks/forge-kvs').mockForgeKvsModule());
jest.mock('@forge/api', () => jest.requireActual('../mocks/forge-api').mockForgeApiModule());

const { anna, ravi, pat } = PEOPLE;

let kvs: FakeKvsService;
let jira: FakeJira;
let deps: ForgeDeps;
let invoke: ReturnType<typeof createInvoker>;

/**
 * The documented argument of a jira:workflowValidator function (test/fixtures/jira, from
 * manifest-reference/modules/jira-workflow-validator), with its modifiedFields as documented
 * (labels cleared, a text and a select custom field, a new description) plus `changed`, the
 * fields a test changes on the transition screen (user fields are { accountId } only).
 */
function transitionTo(statusId: string, key = 'PROJ-12', changed: Record<string, unknown> = {}) {
  const payload = buildValidatorPayload({ key, fromStatusId: STATUS.inProgress.id, toStatusId: statusId, withModifiedFields: true });
  payload.transition.modifiedFields = { ...payload.transition.modifiedFields, ...changed };
  return payload;
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

  it('refuses the closure when the signer is made the assignee on the transition screen and self sign-off is forbidden', async () => {
    expectOk(await invoke('saveSettings', { settings: { approverRoles: ['Client approvers'], forbidSelfSignOff: true } }, pat.accountId, { project: true }));
    await saveCriteria(['The PDF shows the invoice number']);
    expectOk(await invoke('signOff', { note: null }, anna.accountId));
    const result = await validateClosure(transitionTo(STATUS.done.id, 'PROJ-12', { assignee: { accountId: anna.accountId } }), deps);
    expect(result.result).toBe(false);
    expect(result.errorMessage).toContain('Anna Product Owner signed off their own work');
  });

  it('lets the closure through when the transition screen hands the issue from the signer to someone else', async () => {
    expectOk(await invoke('saveSettings', { settings: { approverRoles: ['Client approvers'], forbidSelfSignOff: true } }, pat.accountId, { project: true }));
    await saveCriteria(['The PDF shows the invoice number']);
    expectOk(await invoke('signOff', { note: null }, anna.accountId));
    jira.issue('10042').assigneeId = anna.accountId;
    expect(await validateClosure(transitionTo(STATUS.done.id, 'PROJ-12', { assignee: { accountId: ravi.accountId } }), deps)).toEqual({ result: true });
    expect(await validateClosure(transitionTo(STATUS.done.id, 'PROJ-12', { assignee: null }), deps)).toEqual({ result: true });
  });

  it('gates an issue that is a deliverable before or after an issue type change on the transition screen', async () => {
    expectOk(await invoke('saveSettings', { settings: { deliverableIssueTypes: ['Story'] } }, pat.accountId, { project: true }));
    const storyToTask = await validateClosure(transitionTo(STATUS.done.id, 'PROJ-12', { issuetype: { id: '10002', name: 'Task' } }), deps);
    expect(storyToTask).toEqual({ result: false, errorMessage: expect.stringContaining('has no acceptance criteria') });
    const taskToStory = await validateClosure(transitionTo(STATUS.done.id, 'PROJ-13', { issuetype: { id: '10001', name: 'Story' } }), deps);
    expect(taskToStory).toEqual({ result: false, errorMessage: expect.stringContaining('PROJ-13 cannot move to') });
    expect(await validateClosure(transitionTo(STATUS.done.id, 'PROJ-13'), deps)).toEqual({ result: true });
  });

  it('still decides when the payload has no modifiedFields, which Jira leaves out when the app lacks read:jira-work', async () => {
    const payload = buildValidatorPayload({ key: 'PROJ-12', fromStatusId: STATUS.inProgress.id, toStatusId: STATUS.done.id });
    expect(payload.transition.modifiedFields).toBeUndefined();
    expect((await validateClosure(payload, deps)).errorMessage).toMatch(/^PROJ-12 cannot move to Done yet\. \(1\) This deliverable has no acceptance criteria/);
  });

  it('refuses a transition whose changed assignee it cannot read instead of guessing', async () => {
    const result = await validateClosure(transitionTo(STATUS.done.id, 'PROJ-12', { assignee: 'anna' }), deps);
    expect(result).toEqual({ result: false, errorMessage: expect.stringContaining('could not read this transition') });
  });

  it('keeps the issue where it is, and says how to fix it, when the project settings cannot be read', async () => {
    await saveCriteria(['The PDF shows the invoice number']);
    expectOk(await invoke('signOff', { note: null }, anna.accountId));
    await deps.store.updateScopeExtension(PROJ.id, (ext) => ({ ...ext, settings: { bypassPolicy: 'delete', approverRoles: 'everyone' } }));
    const result = await validateClosure(transitionTo(STATUS.done.id), deps);
    expect(result).toEqual({
      result: false,
      errorMessage: expect.stringMatching(
        /^PROJ-12 cannot move to Done yet\. \(1\) Scopekeeper cannot read this scope's settings \(approverRoles: .*; bypassPolicy: .*\), so it cannot tell who may sign off.* A project admin can fix this by .*saving the settings again\.$/,
      ),
    });
    // Even a move the settings might not count as done: an admin put the gate on it.
    expect((await validateClosure(transitionTo(STATUS.review.id), deps)).result).toBe(false);
  });

  it('lets sub-tasks close freely: the panel is not shown on them, so they are never deliverables', async () => {
    jira.issues.set('10050', { ...jira.issue('10042'), id: '10050', key: 'PROJ-20', issueType: 'Subtask', properties: {}, comments: [] });
    expect(await validateClosure(transitionTo(STATUS.done.id, 'PROJ-20'), deps)).toEqual({ result: true });
  });

  it('is offered in team-managed as well as company-managed projects', () => {
    const file = path.join(__dirname, '..', '..', 'manifest.yml');
    const manifest = new ManifestParserBuilder().withInterpolators().build().parseManifest({ content: readFileSync(file, 'utf8'), filePath: file }) as {
      modules: { 'jira:workflowValidator': { key: string; projectTypes?: string[] }[] };
    };
    // Without projectTypes a workflow rule is available in company-managed projects only.
    expect(manifest.modules['jira:workflowValidator'][0]?.projectTypes?.sort()).toEqual(['company-managed', 'team-managed']);
  });

  it('refuses when the issue cannot be found', async () => {
    expect(await validateClosure(transitionTo(STATUS.done.id, 'PROJ-404'), deps)).toEqual({ result: false, errorMessage: 'Scopekeeper could not find PROJ-404, so it stays where it is.' });
  });
});
