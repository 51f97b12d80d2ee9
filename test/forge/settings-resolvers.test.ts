import { installForgeApiMock, PEOPLE, PROJ, type FakeJira } from '../mocks/forge-api';
import { installForgeKvsMock, type FakeKvsService } from '../mocks/forge-kvs';
import { createInvoker, expectOk, testDeps } from './forge-harness';

jest.mock('@forge/kvs', () => jest.requireActual('../mocks/forge-kvs').mockForgeKvsModule());
jest.mock('@forge/api', () => jest.requireActual('../mocks/forge-api').mockForgeApiModule());

const { anna, ravi, pat } = PEOPLE;
const PAGE = { project: true } as const;

let kvs: FakeKvsService;
let jira: FakeJira;
let invoke: ReturnType<typeof createInvoker>;

beforeEach(() => {
  kvs = installForgeKvsMock();
  jira = installForgeApiMock();
  invoke = createInvoker(testDeps());
});

describe('project settings page', () => {
  it('shows the default policy to a project admin before anything was saved', async () => {
    const { settings } = expectOk(await invoke('getSettings', {}, pat.accountId, PAGE));
    expect(settings).toEqual({
      approverAccountIds: [],
      approverRoles: [],
      requireAllMet: false,
      forbidSelfSignOff: false,
      deliverableIssueTypes: [],
      doneStatusNames: [],
      bypassPolicy: 'record',
    });
  });

  it('checks project admin as the user through the my-permissions API', async () => {
    expectOk(await invoke('getSettings', {}, pat.accountId, PAGE));
    const check = jira.calls.find((c) => c.path === '/rest/api/3/mypermissions');
    expect(check).toMatchObject({ as: 'user', accountId: pat.accountId });
    expect([check?.query.get('projectId'), check?.query.get('permissions')]).toEqual([PROJ.id, 'ADMINISTER_PROJECTS']);
  });

  it('saves approvers, policy options, deliverable types and the bypass policy for a project admin', async () => {
    const settings = {
      approverAccountIds: [anna.accountId],
      approverRoles: ['client approvers'],
      requireAllMet: true,
      forbidSelfSignOff: true,
      deliverableIssueTypes: ['Story', 'Bug'],
      doneStatusNames: ['Accepted'],
      bypassPolicy: 'reopen' as const,
    };
    expect(expectOk(await invoke('saveSettings', { settings }, pat.accountId, PAGE)).settings).toEqual(settings);
    expect(expectOk(await invoke('getSettings', {}, pat.accountId, PAGE)).settings).toEqual(settings);
    // The panel applies them at once: Ravi is no approver any more.
    expect(expectOk(await invoke('getPanel', {}, ravi.accountId)).panel.permissions.canSignOff).toBe(false);
  });

  it('refuses to show or change settings for someone who is not a project admin, and changes nothing', async () => {
    expect(await invoke('getSettings', {}, anna.accountId, PAGE)).toMatchObject({ ok: false, code: 'NOT_PROJECT_ADMIN' });
    const before = kvs.snapshot();
    expect(await invoke('saveSettings', { settings: { bypassPolicy: 'reopen' } }, anna.accountId, PAGE)).toMatchObject({ ok: false, code: 'NOT_PROJECT_ADMIN' });
    expect(kvs.snapshot()).toBe(before);
  });

  it('refuses an approver role the project does not have, naming the roles it does have', async () => {
    const before = kvs.snapshot();
    const result = await invoke('saveSettings', { settings: { approverRoles: ['Client aprovers'] } }, pat.accountId, PAGE);
    expect(result).toMatchObject({ ok: false, code: 'INVALID_PAYLOAD', errors: ['settings.approverRoles: no project role "Client aprovers"'] });
    expect(!result.ok && result.message).toContain('“Administrators”, “Client approvers”, “Developers”');
    expect(kvs.snapshot()).toBe(before);
  });

  it('refuses invalid settings with every field that is wrong', async () => {
    const result = await invoke('saveSettings', { settings: { bypassPolicy: 'delete', requireAllMet: 'yes' } }, pat.accountId, PAGE);
    expect(result).toMatchObject({ ok: false, code: 'INVALID_PAYLOAD' });
    expect(!result.ok && result.errors?.map((e) => e.split(':')[0]).sort()).toEqual(['settings.bypassPolicy', 'settings.requireAllMet']);
  });
});
