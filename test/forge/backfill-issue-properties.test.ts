import { installForgeApiMock, PEOPLE, PROJ, STATUS, type FakeJira } from '../mocks/forge-api';
import { installForgeKvsMock } from '../mocks/forge-kvs';
import { createInvoker, expectOk, testDeps } from './forge-harness';
import { backfillIssueProperties, BACKFILL_PAGE_SIZE } from '../../src/forge/jira/update-issue-property';
import type { ForgeDeps } from '../../src/forge/entry/create-forge-deps';

jest.mock('@forge/kvs', () => jest.requireActual('../mocks/forge-kvs').mockForgeKvsModule());
jest.mock('@forge/api', () => jest.requireActual('../mocks/forge-api').mockForgeApiModule());

let jira: FakeJira;
let deps: ForgeDeps & { logged: string[] };
let invoke: ReturnType<typeof createInvoker>;

/** Issues created before the app was installed: no property, no events since. */
function addOldIssues(count: number, issueType = 'Story') {
  for (let i = 0; i < count; i += 1) {
    const id = String(11000 + i);
    jira.issues.set(id, { id, key: `PROJ-${100 + i}`, projectId: PROJ.id, summary: `Old issue ${i}`, issueType, statusId: STATUS.todo.id, assigneeId: null, description: null, properties: {}, comments: [] });
  }
}

const withProperty = () => [...jira.issues.values()].filter((i) => i.properties.scopekeeper !== undefined).map((i) => i.key);
const searches = () => jira.calls.filter((c) => c.path === '/rest/api/3/search/jql');

beforeEach(() => {
  installForgeKvsMock();
  jira = installForgeApiMock();
  deps = testDeps();
  invoke = createInvoker(deps);
});

describe('property backfill (scheduled trigger)', () => {
  it('gives issues that existed before the app their search property, one search page per run', async () => {
    addOldIssues(BACKFILL_PAGE_SIZE + 10);
    const first = await backfillIssueProperties(deps);
    expect(first).toEqual({ written: BACKFILL_PAGE_SIZE, skipped: 0, failed: 0, done: false });
    expect(withProperty()).toHaveLength(BACKFILL_PAGE_SIZE);

    const second = await backfillIssueProperties(deps);
    expect(second).toEqual({ written: 12, skipped: 0, failed: 0, done: true });
    expect(withProperty()).toHaveLength(jira.issues.size);
    expect(jira.issue('PROJ-100').properties.scopekeeper).toMatchObject({ criteriaCount: 0, signedOff: 'false' });
  });

  it('writes the stored criteria of a deliverable, not an empty summary', async () => {
    const criteria = [{ id: null, text: 'Given an invoice, when I export it, then a PDF downloads', met: true }];
    expectOk(await invoke('saveCriteria', { criteria, reason: null, expectedVersion: null }, PEOPLE.ravi.accountId));
    delete jira.issue('PROJ-12').properties.scopekeeper;
    await backfillIssueProperties(deps);
    expect(jira.issue('PROJ-12').properties.scopekeeper).toMatchObject({ criteriaCount: 1, allMet: 'true' });
  });

  it('leaves alone issues that already have the property and types the project does not track', async () => {
    expectOk(await invoke('saveSettings', { settings: { deliverableIssueTypes: ['Story'] } }, PEOPLE.pat.accountId, { project: true }));
    jira.issue('PROJ-12').properties.scopekeeper = { criteriaCount: 3 };
    const report = await backfillIssueProperties(deps);
    expect(report).toEqual({ written: 0, skipped: 2, failed: 0, done: true });
    expect(jira.issue('PROJ-12').properties.scopekeeper).toEqual({ criteriaCount: 3 });
    expect(jira.issue('PROJ-13').properties).toEqual({});
  });

  it('does not search again once a pass is finished', async () => {
    await backfillIssueProperties(deps);
    jira.resetCalls();
    expect((await backfillIssueProperties(deps)).done).toBe(true);
    expect(searches()).toEqual([]);
  });

  it('starts the pass again when Jira refuses the saved page token', async () => {
    addOldIssues(BACKFILL_PAGE_SIZE + 1);
    await backfillIssueProperties(deps);
    jira.failRequests('POST', /\/search\/jql$/, 400, 1);
    expect(await backfillIssueProperties(deps)).toEqual({ written: 0, skipped: 0, failed: 0, done: false });
    jira.resetCalls();
    await backfillIssueProperties(deps);
    expect(searches()[0]?.body).not.toHaveProperty('nextPageToken');
  });

  it('fails the run, to be tried again next hour, when Jira is unavailable', async () => {
    jira.failRequests('POST', /\/search\/jql$/, 503);
    await expect(backfillIssueProperties(deps)).rejects.toThrow('Jira answered 503');
  });
});
