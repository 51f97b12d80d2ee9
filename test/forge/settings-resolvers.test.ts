import { installForgeApiMock, OTHER, PEOPLE, PROJ, type FakeJira } from '../mocks/forge-api';
import { installForgeKvsMock, type FakeKvsService } from '../mocks/forge-kvs';
import { createInvoker, expectOk, testDeps } from './forge-harness';
import { verifyHistory } from '../../src/core/verify-history';
import type { HistoryRecord } from '../../src/core/schemas';
import { buildHistoryRow } from '../../src/reports/build-history-row';
import type { ForgeDeps } from '../../src/forge/entry/create-forge-deps';

jest.mock('@forge/kvs', () => jest.requireActual('../mocks/forge-kvs').mockForgeKvsModule());
jest.mock('@forge/api', () => jest.requireActual('../mocks/forge-api').mockForgeApiModule());

const { anna, ravi, pat } = PEOPLE;
const PAGE = { project: true } as const;

let kvs: FakeKvsService;
let jira: FakeJira;
let invoke: ReturnType<typeof createInvoker>;
let deps: ForgeDeps;

beforeEach(() => {
  kvs = installForgeKvsMock();
  jira = installForgeApiMock();
  deps = testDeps();
  invoke = createInvoker(deps);
});

async function history(): Promise<HistoryRecord[]> {
  const records: HistoryRecord[] = [];
  for await (const record of deps.store.readHistory(PROJ.id)) records.push(record);
  return records;
}

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
      vocabulary: { vagueWords: [], silencedWords: [], disabledRules: [] },
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
      vocabulary: { vagueWords: ['snappy'], silencedWords: ['simple'], disabledRules: ['INCOSE-R18' as const] },
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

  it('puts every settings change in the history: who, when, and each setting from → to', async () => {
    expectOk(await invoke('saveSettings', { settings: { approverRoles: ['Client approvers'] } }, pat.accountId, PAGE));
    expectOk(await invoke('saveSettings', { settings: { approverRoles: ['Client approvers', 'Developers'], requireAllMet: true } }, pat.accountId, PAGE));

    const records = await history();
    expect(records.map((r) => r.kind)).toEqual(['settings_changed', 'settings_changed']);
    const last = records[1];
    expect(last).toMatchObject({ actor: { id: pat.accountId, name: 'Pat Project Admin' }, deliverableId: null, at: expect.stringMatching(/^2026-03-02T/) });
    expect(last?.kind === 'settings_changed' && last.data.changes).toEqual([
      { setting: 'approverRoles', from: ['Client approvers'], to: ['Client approvers', 'Developers'] },
      { setting: 'requireAllMet', from: false, to: true },
    ]);
    expect(buildHistoryRow(last!, new Map(), new Set()).summary).toBe(
      'Settings changed: Approver project roles “Client approvers” → “Client approvers”, “Developers”; Every criterion met before closing off → on',
    );
    expect(verifyHistory(records)).toEqual({ ok: true, count: 2 });
  });

  it('puts a change to the hint vocabulary in the history in plain words, one list at a time', async () => {
    expectOk(await invoke('saveSettings', { settings: { approverRoles: ['Client approvers'] } }, pat.accountId, PAGE));
    const vocabulary = { vagueWords: ['snappy', 'slick'], silencedWords: ['simple'], disabledRules: ['INCOSE-R16' as const] };
    expectOk(await invoke('saveSettings', { settings: { approverRoles: ['Client approvers'], vocabulary } }, pat.accountId, PAGE));

    const records = await history();
    // Saving settings without a vocabulary before it existed is no vocabulary change.
    expect(records[0]?.kind === 'settings_changed' && records[0].data.changes.map((c) => c.setting)).toEqual(['approverRoles']);
    const last = records[1];
    expect(last?.kind === 'settings_changed' && last.data.changes).toEqual([
      { setting: 'vocabulary.vagueWords', from: [], to: ['snappy', 'slick'] },
      { setting: 'vocabulary.silencedWords', from: [], to: ['simple'] },
      { setting: 'vocabulary.disabledRules', from: [], to: ['INCOSE-R16'] },
    ]);
    expect(buildHistoryRow(last!, new Map(), new Set()).summary).toBe(
      'Settings changed: Extra vague words none → “snappy”, “slick”; Accepted words none → “simple”; Hint rules switched off none → State what must happen, not what must not (INCOSE R16)',
    );
    expect(verifyHistory(records)).toEqual({ ok: true, count: 2 });
  });

  it('refuses a hint word that is not a word, naming it, and changes nothing', async () => {
    const before = kvs.snapshot();
    const result = await invoke('saveSettings', { settings: { vocabulary: { vagueWords: ['snappy', '!!!'] } } }, pat.accountId, PAGE);
    expect(result).toMatchObject({
      ok: false,
      code: 'INVALID_PAYLOAD',
      errors: ['settings.vocabulary.vagueWords.1: The extra vague word “!!!” must contain a letter or digit.'],
    });
    expect(!result.ok && result.message).toBe(
      'The hint words or rules cannot be saved: The extra vague word “!!!” must contain a letter or digit. The settings were not saved. Nothing was changed.',
    );
    expect(kvs.snapshot()).toBe(before);
  });

  it('refuses a hint rule that does not exist and a word that is both vague and accepted, with every other problem', async () => {
    const rule = await invoke('saveSettings', { settings: { bypassPolicy: 'delete', vocabulary: { disabledRules: ['INCOSE-R99'] } } }, pat.accountId, PAGE);
    expect(!rule.ok && rule.errors).toEqual(['settings.bypassPolicy: Invalid option: expected one of "reopen"|"record"', 'settings.vocabulary.disabledRules.0: There is no hint rule “INCOSE-R99”.']);

    const both = await invoke('saveSettings', { settings: { vocabulary: { vagueWords: ['Snappy'], silencedWords: ['snappy'] } } }, pat.accountId, PAGE);
    expect(!both.ok && both.errors).toEqual([
      'settings.vocabulary.silencedWords.0: “snappy” is both an extra vague word and an accepted word. Keep it in one of the two lists.',
    ]);
    expect(await history()).toHaveLength(0);
  });

  it('keeps the settings readable, and sign-off open, when the stored hint vocabulary cannot be read in full: the bad entries are left out, with a log line and a warning', async () => {
    const logged = (deps as ForgeDeps & { logged: string[] }).logged;
    await deps.store.updateScopeExtension(PROJ.id, (ext) => ({
      ...ext,
      settings: { approverRoles: ['Client approvers'], vocabulary: { vagueWords: ['snappy', 42], disabledRules: ['RETIRED-RULE'] } },
    }));
    const shown = expectOk(await invoke('getSettings', {}, pat.accountId, PAGE));
    expect(shown.settings.approverRoles).toEqual(['Client approvers']);
    expect(shown.settings.vocabulary).toEqual({ vagueWords: ['snappy'], silencedWords: [], disabledRules: [] });
    expect(shown.problems).toEqual([expect.stringContaining('cannot be read, so the hints leave them out')]);
    expect(logged).toEqual([expect.stringContaining(`the hint vocabulary of project ${PROJ.id} cannot be read in full`)]);
    // The closure settings still count: Anna holds the approver role and may sign off.
    expect(expectOk(await invoke('getPanel', {}, anna.accountId)).panel.signOffUnavailable).toBeNull();
  });

  it('writes nothing, not even a history record, when the same settings are saved again', async () => {
    const settings = { approverRoles: ['Client approvers'], bypassPolicy: 'reopen' as const };
    expectOk(await invoke('saveSettings', { settings }, pat.accountId, PAGE));
    const before = kvs.snapshot();
    expectOk(await invoke('saveSettings', { settings: { bypassPolicy: 'reopen', approverRoles: ['Client approvers'] } }, pat.accountId, PAGE));
    expect(kvs.snapshot()).toBe(before);
    expect(await history()).toHaveLength(1);
  });

  it('shows the defaults with a warning when the stored settings cannot be read, and records the repair as a change from unreadable', async () => {
    await deps.store.updateScopeExtension(PROJ.id, (ext) => ({ ...ext, settings: { bypassPolicy: 'delete' } }));
    const shown = expectOk(await invoke('getSettings', {}, pat.accountId, PAGE));
    expect(shown.settings.bypassPolicy).toBe('record');
    expect(shown.problems).toEqual([expect.stringContaining('cannot be read, so until you save them again nobody can sign off')]);

    expectOk(await invoke('saveSettings', { settings: { bypassPolicy: 'record' } }, pat.accountId, PAGE));
    const [repair] = await history();
    expect(repair?.kind === 'settings_changed' && repair.data.changes.every((c) => c.from === null)).toBe(true);
    expect(buildHistoryRow(repair!, new Map(), new Set()).summary).toContain('When an issue is closed without a valid sign-off unreadable → record it only');
    expect(expectOk(await invoke('getSettings', {}, pat.accountId, PAGE)).problems).toBeUndefined();
  });

  it('refuses sub-task types as deliverables, since the panel is never shown on sub-tasks, and changes nothing', async () => {
    const before = kvs.snapshot();
    const result = await invoke('saveSettings', { settings: { deliverableIssueTypes: ['Story', 'Subtask'] } }, pat.accountId, PAGE);
    expect(result).toMatchObject({ ok: false, code: 'INVALID_PAYLOAD', errors: ['settings.deliverableIssueTypes: "Subtask" is a sub-task type'] });
    expect(!result.ok && result.message).toContain('Sub-tasks cannot be deliverables');
    expect(kvs.snapshot()).toBe(before);
  });

  it('checks approver role names as the admin, and warns that sign-off by role is limited, when the app itself may not read project roles', async () => {
    jira.appWithoutProjectAdmin.add(PROJ.id);
    jira.appWithoutProjectAdmin.add(OTHER.id);
    expectOk(await invoke('saveSettings', { settings: { approverRoles: ['Client approvers'] } }, pat.accountId, PAGE));
    expect(jira.calls.filter((c) => c.path === `/rest/api/3/project/${PROJ.id}/role`).map((c) => c.as)).toEqual(['user']);

    const { problems } = expectOk(await invoke('getSettings', {}, pat.accountId, PAGE));
    expect(problems).toEqual([expect.stringContaining('Scopekeeper itself cannot read this project’s roles')]);
    expect(problems?.[0]).toContain('gives the Scopekeeper app that permission');
  });

  it('still shows the settings, and says the role check did not run, when Jira fails that check', async () => {
    expectOk(await invoke('saveSettings', { settings: { approverRoles: ['Client approvers'] } }, pat.accountId, PAGE));
    jira.failRequests('GET', /\/role$/, 503);
    const shown = expectOk(await invoke('getSettings', {}, pat.accountId, PAGE));
    expect(shown.settings.approverRoles).toEqual(['Client approvers']);
    expect(shown.problems).toEqual([expect.stringContaining('could not check just now whether it can read this project’s roles')]);
  });

  it('reports no problem when the app can read the roles the settings name', async () => {
    expectOk(await invoke('saveSettings', { settings: { approverRoles: ['Client approvers'] } }, pat.accountId, PAGE));
    expect(expectOk(await invoke('getSettings', {}, pat.accountId, PAGE)).problems).toBeUndefined();
  });
});
