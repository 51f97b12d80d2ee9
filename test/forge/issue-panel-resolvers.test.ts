import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ManifestParserBuilder } from '@forge/manifest';
import { installForgeApiMock, OTHER, PEOPLE, PROJ } from '../mocks/forge-api';
import { installForgeKvsMock, type FakeKvsService } from '../mocks/forge-kvs';
import { createInvoker, expectOk, ISSUE_13, testDeps } from './forge-harness';
import type { FakeJira } from '../mocks/forge-api';
import type { ForgeDeps } from '../../src/forge/entry/create-forge-deps';
import type { ProjectSettings } from '../../src/forge/resolvers/resolver-contract';

jest.mock('@forge/kvs', () => jest.requireActual('../mocks/forge-kvs').mockForgeKvsModule());
jest.mock('@forge/api', () => jest.requireActual('../mocks/forge-api').mockForgeApiModule());

const { anna, ravi, olga, pat, gina } = PEOPLE;
const CRITERIA = [
  { id: null, text: 'Given an invoice, when I export it, then a PDF downloads', met: false },
  { id: null, text: 'The PDF shows the invoice number in the header', met: false },
];

let kvs: FakeKvsService;
let jira: FakeJira;
let deps: ForgeDeps & { logged: string[] };
let invoke: ReturnType<typeof createInvoker>;

beforeEach(() => {
  kvs = installForgeKvsMock();
  jira = installForgeApiMock();
  deps = testDeps();
  invoke = createInvoker(deps);
});

async function configure(settings: Partial<ProjectSettings>) {
  expectOk(await invoke('saveSettings', { settings: { ...settings } }, pat.accountId, { project: true }));
}

function firstTwo(criteria: readonly { id: string | null; text: string }[]): [{ id: string; text: string }, { id: string; text: string }] {
  const [a, b] = criteria;
  if (!a?.id || !b?.id) throw new Error('expected two stored criteria');
  return [{ id: a.id, text: a.text }, { id: b.id, text: b.text }];
}

async function saveFirstCriteria() {
  return expectOk(await invoke('saveCriteria', { criteria: CRITERIA, reason: null, expectedVersion: null }, ravi.accountId)).panel;
}

describe('issue panel: load', () => {
  it('shows an empty deliverable with every missing condition when nothing is stored yet', async () => {
    const { panel } = expectOk(await invoke('getPanel', {}, ravi.accountId));
    expect(panel.issue).toEqual({ id: '10042', key: 'PROJ-12', summary: 'Export invoices as PDF', assigneeAccountId: ravi.accountId });
    expect(panel.criteria).toEqual([]);
    expect(panel.version).toBeNull();
    expect(panel.baseline).toBeNull();
    expect(panel.asksForReason).toBe(false);
    expect(panel.verdict.allowed).toBe(false);
    expect(panel.verdict.reasons.map((r) => r.code)).toEqual(['NO_CRITERIA', 'NO_SIGNOFF']);
    expect(panel.permissions).toEqual({ canEdit: true, canSignOff: true });
  });

  it('loads with one resolver invocation and at most two storage reads when the deliverable is baselined and signed off', async () => {
    await configure({ approverRoles: ['Client approvers'] });
    await saveFirstCriteria();
    expectOk(await invoke('createBaseline', { name: 'SRS v1.0' }, anna.accountId, { project: true }));
    expectOk(await invoke('signOff', { note: null }, anna.accountId));
    kvs.resetCounts();
    jira.resetCalls();

    const { panel } = expectOk(await invoke('getPanel', {}, ravi.accountId));

    const counts = kvs.counts();
    expect(counts.reads).toBeLessThanOrEqual(2);
    expect(counts.writes).toBe(0);
    expect(panel.baseline).toEqual({ name: 'SRS v1.0', version: '1.0' });
    expect(panel.baselineDiff?.map((r) => r.kind)).toEqual(['unchanged', 'unchanged']);
    expect(panel.verdict).toMatchObject({ allowed: true, summary: 'Ready to close' });
    // Reported in BENCHMARKS.md by the lead.
    console.info(`panel load: 1 invocation, ${counts.reads} storage reads, ${jira.counts().asUser} asUser + ${jira.counts().asApp} asApp Jira calls`);
  });

  it('says the issue is not a deliverable when its type is not tracked in the project settings', async () => {
    await configure({ deliverableIssueTypes: ['Story'] });
    const { panel } = expectOk(await invoke('getPanel', {}, ravi.accountId, { issue: ISSUE_13 }));
    expect(panel.isDeliverable).toBe(false);
  });

  it('says in plain words which issue types are deliverables here when this one is not', async () => {
    await configure({ deliverableIssueTypes: ['Story', 'Epic'] });
    const { panel } = expectOk(await invoke('getPanel', {}, ravi.accountId, { issue: ISSUE_13 }));
    expect(panel.notDeliverableReason).toBe(
      'PROJ-13 is a Task. In this project only “Story” and “Epic” issues are deliverables, so Scopekeeper keeps no acceptance criteria or sign-off for this issue and does not stop it from closing. A project admin can change the deliverable issue types in Project settings → Apps → Scopekeeper.',
    );
    expect(expectOk(await invoke('getPanel', {}, ravi.accountId)).panel.notDeliverableReason).toBeNull();
  });

  it('is hidden only on sub-tasks, by a display condition in the manifest', () => {
    const file = path.join(__dirname, '..', '..', 'manifest.yml');
    const manifest = new ManifestParserBuilder().withInterpolators().build().parseManifest({ content: readFileSync(file, 'utf8'), filePath: file }) as {
      modules: { 'jira:issuePanel': { displayConditions?: unknown }[] };
    };
    expect(manifest.modules['jira:issuePanel'][0]?.displayConditions).toEqual({ not: { issueType: ['Subtask', 'Sub-task'] } });
  });

  it('offers neither editing nor sign-off to someone who may only browse when approvers are set', async () => {
    await configure({ approverRoles: ['Client approvers'] });
    const { panel } = expectOk(await invoke('getPanel', {}, olga.accountId));
    expect(panel.permissions).toEqual({ canEdit: false, canSignOff: false });
  });

  it('offers sign-off to an approver who holds the role only through a group', async () => {
    await configure({ approverRoles: ['Client approvers'] });
    const { panel } = expectOk(await invoke('getPanel', {}, gina.accountId));
    expect(panel.permissions.canSignOff).toBe(true);
  });

  it('refuses with a sentence, not a crash, when storage is unavailable', async () => {
    kvs.failNext('/api/v1/entity/get', 503, 'SERVICE_UNAVAILABLE');
    const result = await invoke('getPanel', {}, ravi.accountId);
    expect(result).toMatchObject({ ok: false, code: 'UNAVAILABLE' });
    expect(!result.ok && result.message).toMatch(/could not reach Jira or its storage/);
  });
});

describe('issue panel: editing criteria', () => {
  it('stores the criteria with stable ids and version 1 when an editor saves them first', async () => {
    const panel = await saveFirstCriteria();
    expect(panel.version).toBe(1);
    expect(panel.criteria.map((c) => c.text)).toEqual(CRITERIA.map((c) => c.text));
    expect(panel.criteria.every((c) => typeof c.id === 'string' && c.id.length > 0)).toBe(true);
    const reloaded = expectOk(await invoke('getPanel', {}, olga.accountId)).panel;
    expect(reloaded.criteria).toEqual(panel.criteria);
  });

  it('keeps criterion ids across reorder, edit and mark met, and drops ids the client made up', async () => {
    const first = await saveFirstCriteria();
    const [a, b] = firstTwo(first.criteria);
    const { panel } = expectOk(
      await invoke(
        'saveCriteria',
        {
          criteria: [
            { id: b.id, text: b.text, met: true },
            { id: a.id, text: `${a.text} within 5 seconds`, met: false },
            { id: 'made-up-by-the-browser', text: 'A credit note exports the same way', met: false },
          ],
          reason: null,
          expectedVersion: 1,
        },
        ravi.accountId,
      ),
    );
    expect(panel.version).toBe(2);
    expect(panel.criteria.map((c) => c.id).slice(0, 2)).toEqual([b.id, a.id]);
    expect(panel.criteria[0]?.met).toBe(true);
    expect(panel.criteria[2]?.id).not.toBe('made-up-by-the-browser');
  });

  it('refuses an edit and changes nothing when the user lacks edit permission on the issue', async () => {
    const before = kvs.snapshot();
    const result = await invoke('saveCriteria', { criteria: CRITERIA, reason: null, expectedVersion: null }, olga.accountId);
    expect(result).toMatchObject({ ok: false, code: 'NO_EDIT_PERMISSION' });
    expect(!result.ok && result.message).toContain('permission to edit PROJ-12');
    expect(kvs.snapshot()).toBe(before);
  });

  it('takes identity from the Forge context, never from the payload', async () => {
    const before = kvs.snapshot();
    const result = await invoke('saveCriteria', { criteria: CRITERIA, reason: null, expectedVersion: null, accountId: ravi.accountId }, olga.accountId);
    expect(result).toMatchObject({ ok: false, code: 'NO_EDIT_PERMISSION' });
    expect(kvs.snapshot()).toBe(before);
  });

  it('checks edit permission as the user through the my-permissions API', async () => {
    await saveFirstCriteria();
    const check = jira.calls.find((c) => c.path === '/rest/api/3/mypermissions');
    expect(check).toMatchObject({ as: 'user', accountId: ravi.accountId });
    expect(check?.query.get('permissions')).toBe('EDIT_ISSUES');
    expect(check?.query.get('issueId')).toBe('10042');
  });

  it('refuses a save from a stale panel with VERSION_CONFLICT and keeps the newer criteria', async () => {
    await saveFirstCriteria();
    const before = kvs.snapshot();
    const result = await invoke('saveCriteria', { criteria: [{ id: null, text: 'Stale edit', met: false }], reason: null, expectedVersion: null }, anna.accountId);
    expect(result).toMatchObject({ ok: false, code: 'VERSION_CONFLICT' });
    expect(kvs.snapshot()).toBe(before);
  });

  it('refuses an invalid payload with every problem and writes nothing', async () => {
    const before = kvs.snapshot();
    const result = await invoke('saveCriteria', { criteria: [{ id: null, text: '   ', met: 'yes' }], expectedVersion: null }, ravi.accountId);
    expect(result).toMatchObject({ ok: false, code: 'INVALID_PAYLOAD' });
    expect(!result.ok && result.errors).toEqual(expect.arrayContaining([expect.stringMatching(/^criteria\.0\.text:/), expect.stringMatching(/^criteria\.0\.met:/)]));
    expect(kvs.snapshot()).toBe(before);
  });

  it('refuses to track criteria on an issue type the project does not treat as a deliverable', async () => {
    await configure({ deliverableIssueTypes: ['Story'] });
    const before = kvs.snapshot();
    const result = await invoke('saveCriteria', { criteria: CRITERIA, reason: null, expectedVersion: null }, ravi.accountId, { issue: ISSUE_13 });
    expect(result).toMatchObject({ ok: false, code: 'NOT_A_DELIVERABLE' });
    expect(kvs.snapshot()).toBe(before);
  });

  it('updates the issue property for JQL after every change', async () => {
    await saveFirstCriteria();
    expect(jira.issue('10042').properties.scopekeeper).toEqual({
      criteriaCount: 2,
      allMet: 'false',
      signedOff: 'false',
      signOffStale: 'false',
      scopeVersion: '',
      undocumentedChanges: 0,
    });
  });
});

describe('issue panel: after the baseline every edit asks for a reason', () => {
  beforeEach(async () => {
    await saveFirstCriteria();
    expectOk(await invoke('createBaseline', { name: 'SRS v1.0' }, pat.accountId, { project: true }));
  });

  it('records a scope change with its reason and shows the diff against the baseline', async () => {
    const loaded = expectOk(await invoke('getPanel', {}, ravi.accountId)).panel;
    expect(loaded.asksForReason).toBe(true);
    const [a, b] = firstTwo(loaded.criteria);
    const { panel } = expectOk(
      await invoke(
        'saveCriteria',
        {
          criteria: [
            { id: a.id, text: 'Given an invoice, when I export it, then a PDF downloads within 5 seconds', met: false },
            { id: b.id, text: b.text, met: false },
          ],
          reason: 'Client asked for a time limit in the weekly call',
          expectedVersion: loaded.version,
        },
        ravi.accountId,
      ),
    );
    expect(panel.scopeVersion).toBe('1.1');
    expect(panel.baselineDiff?.map((r) => r.kind)).toEqual(['modified', 'unchanged']);
    expect(panel.baselineDiff?.[0]?.diff?.filter((p) => p.added).map((p) => p.value.trim())).toEqual(['within 5 seconds']);
    const history = expectOk(await invoke('getHistoryPage', { filters: { kinds: ['scope_changed'] } }, pat.accountId, { project: true }));
    expect(history.rows[0]).toMatchObject({ undocumented: false, scopeVersion: '1.1', authorName: ravi.displayName });
    expect(history.rows[0]?.record.kind === 'scope_changed' && history.rows[0].record.data.reason).toBe('Client asked for a time limit in the weekly call');
  });

  it('records an edit without a reason as an undocumented scope change', async () => {
    const loaded = expectOk(await invoke('getPanel', {}, ravi.accountId)).panel;
    expectOk(
      await invoke(
        'saveCriteria',
        { criteria: [...loaded.criteria, { id: null, text: 'A credit note exports the same way', met: false }], reason: '  ', expectedVersion: loaded.version },
        ravi.accountId,
      ),
    );
    const history = expectOk(await invoke('getHistoryPage', { filters: { undocumentedOnly: true } }, pat.accountId, { project: true }));
    expect(history.rows.map((r) => r.summary)).toEqual(['Criterion added on PROJ-12']);
    expect(jira.issue('10042').properties.scopekeeper).toMatchObject({ scopeVersion: '1.1', undocumentedChanges: 1 });
  });
});

describe('issue panel: sign-off', () => {
  beforeEach(async () => {
    await configure({ approverRoles: ['Client approvers'] });
    await saveFirstCriteria();
  });

  /** The deliverable as stored, and the kinds of the project's history records. */
  async function stored() {
    const kinds: string[] = [];
    for await (const record of deps.store.readHistory(PROJ.id)) kinds.push(record.kind);
    return { deliverable: await deps.store.getDeliverable('jira', '10042'), kinds };
  }

  it('refuses sign-off by someone who is not an approver, leaves the deliverable as it was, and records the attempt as Linear does', async () => {
    const before = await stored();
    const result = await invoke('signOff', { note: null }, ravi.accountId);
    expect(result).toMatchObject({ ok: false, code: 'NOT_AN_APPROVER' });
    expect(!result.ok && result.message).toMatch(/Client approvers.*The sign-off was not recorded\. The attempt is noted in the history\.$/);
    const after = await stored();
    expect(after.deliverable).toEqual(before.deliverable);
    expect(after.kinds).toEqual([...before.kinds, 'signoff_refused']);
  });

  it('records the sign-off of an approver holding the project role, and the gate says Ready to close', async () => {
    const { panel } = expectOk(await invoke('signOff', { note: 'Checked in the demo' }, anna.accountId));
    expect(panel.signOff).toMatchObject({ signerName: anna.displayName, role: 'Client approvers', note: 'Checked in the demo', stale: false, staleReason: null });
    expect(panel.verdict).toEqual({ allowed: true, summary: 'Ready to close', reasons: [] });
    expect(jira.issue('10042').properties.scopekeeper).toMatchObject({ signedOff: 'true', signOffStale: 'false' });
  });

  it('refuses a self sign-off by the assignee when the project forbids it', async () => {
    await configure({ approverRoles: ['Client approvers'], forbidSelfSignOff: true });
    jira.issue('10042').assigneeId = anna.accountId;
    const before = await stored();
    const result = await invoke('signOff', { note: null }, anna.accountId);
    expect(result).toMatchObject({ ok: false, code: 'SELF_SIGNOFF' });
    expect((await stored()).deliverable).toEqual(before.deliverable);
  });

  it('marks the sign-off stale, says why, and lists it in the verdict when a criterion is reworded', async () => {
    const signed = expectOk(await invoke('signOff', { note: null }, anna.accountId)).panel;
    const [a, b] = firstTwo(signed.criteria);
    const { panel } = expectOk(
      await invoke(
        'saveCriteria',
        { criteria: [{ id: a.id, text: `${a.text} as A4`, met: false }, { id: b.id, text: b.text, met: false }], reason: null, expectedVersion: signed.version },
        ravi.accountId,
      ),
    );
    expect(panel.signOff?.stale).toBe(true);
    expect(panel.signOff?.staleReason).toMatch(/changed after Anna Product Owner signed off/);
    expect(panel.verdict.reasons.map((r) => r.code)).toEqual(['SIGNOFF_STALE']);
    expect(jira.issue('10042').properties.scopekeeper).toMatchObject({ signedOff: 'false', signOffStale: 'true' });
  });

  it('lets the signer revoke their sign-off, and refuses a revoke by someone who is neither signer nor approver', async () => {
    expectOk(await invoke('signOff', { note: null }, anna.accountId));
    const before = kvs.snapshot();
    expect(await invoke('revokeSignOff', {}, ravi.accountId)).toMatchObject({ ok: false, code: 'NOT_AN_APPROVER' });
    expect(kvs.snapshot()).toBe(before);
    const { panel } = expectOk(await invoke('revokeSignOff', {}, anna.accountId));
    expect(panel.signOff).toBeNull();
    expect(panel.verdict.reasons.map((r) => r.code)).toEqual(['NO_SIGNOFF']);
  });
});

describe('issue panel: when project roles or settings cannot be read', () => {
  const roleOf = (id: number) => `/rest/api/3/project/${PROJ.id}/role/${id}`;

  function appMayNotReadRoles() {
    jira.appWithoutProjectAdmin.add(PROJ.id);
    jira.appWithoutProjectAdmin.add(OTHER.id);
  }

  it('has the Jira stand-in answer role reads as Jira does without Administer Projects: 404, for the app and for users alike', async () => {
    jira.appWithoutProjectAdmin.add(PROJ.id);
    expect((await jira.request('app', null, roleOf(10100))).status).toBe(404);
    // The list needs Administer Projects in any project of the site: the app still has it in OPS.
    expect((await jira.request('app', null, `/rest/api/3/project/${PROJ.id}/role`)).status).toBe(200);
    jira.appWithoutProjectAdmin.add(OTHER.id);
    expect((await jira.request('app', null, `/rest/api/3/project/${PROJ.id}/role`)).status).toBe(404);
    expect((await jira.request('user', anna.accountId, roleOf(10100))).status).toBe(404);
    expect((await jira.request('user', pat.accountId, roleOf(10100))).status).toBe(200);
  });

  it('still loads the panel, offers nobody a role-based sign-off, and says why when neither the app nor the user may read the roles', async () => {
    await configure({ approverRoles: ['Client approvers'] });
    await saveFirstCriteria();
    appMayNotReadRoles();
    const { panel } = expectOk(await invoke('getPanel', {}, anna.accountId));
    expect(panel.permissions.canSignOff).toBe(false);
    expect(panel.signOffUnavailable).toMatch(/^Scopekeeper cannot read this project's roles, so it cannot tell who holds “Client approvers”\./);
    expect(panel.criteria).toHaveLength(2);
  });

  it('refuses a role-based sign-off it cannot verify, and writes nothing', async () => {
    await configure({ approverRoles: ['Client approvers'] });
    await saveFirstCriteria();
    appMayNotReadRoles();
    const before = kvs.snapshot();
    const result = await invoke('signOff', { note: null }, anna.accountId);
    expect(result).toMatchObject({ ok: false, code: 'ROLES_UNREADABLE' });
    expect(!result.ok && result.message).toMatch(/Administer Projects permission.*Nothing was changed\.$/);
    expect(kvs.snapshot()).toBe(before);
  });

  it('reads the roles as the user where the app may not, so a project admin who holds the role can still sign off', async () => {
    await configure({ approverRoles: ['Administrators'] });
    await saveFirstCriteria();
    appMayNotReadRoles();
    jira.resetCalls();
    const { panel } = expectOk(await invoke('signOff', { note: null }, pat.accountId));
    expect(panel.signOff).toMatchObject({ signerName: pat.displayName, role: 'Administrators' });
    expect(jira.calls.some((c) => c.as === 'user' && c.path === roleOf(10002))).toBe(true);
  });

  it('lets an approver named in the settings sign off although the roles cannot be read', async () => {
    await configure({ approverRoles: ['Client approvers'], approverAccountIds: [anna.accountId] });
    await saveFirstCriteria();
    appMayNotReadRoles();
    expect(expectOk(await invoke('getPanel', {}, anna.accountId)).panel).toMatchObject({ permissions: { canSignOff: true }, signOffUnavailable: null });
    expect(expectOk(await invoke('signOff', { note: null }, anna.accountId)).panel.signOff).toMatchObject({ role: 'approver' });
  });

  it('refuses a revoke by someone else when the roles cannot be read, but lets the signer withdraw their own', async () => {
    await configure({ approverRoles: ['Client approvers'] });
    await saveFirstCriteria();
    expectOk(await invoke('signOff', { note: null }, anna.accountId));
    appMayNotReadRoles();
    expect(await invoke('revokeSignOff', {}, gina.accountId)).toMatchObject({ ok: false, code: 'ROLES_UNREADABLE' });
    expect(expectOk(await invoke('revokeSignOff', {}, anna.accountId)).panel.signOff).toBeNull();
  });

  it('still loads the panel with sign-off closed when the stored settings cannot be read, and refuses sign-off', async () => {
    await saveFirstCriteria();
    await deps.store.updateScopeExtension(PROJ.id, (ext) => ({ ...ext, settings: { approverRoles: 'everyone' } }));
    const { panel } = expectOk(await invoke('getPanel', {}, anna.accountId));
    expect(panel).toMatchObject({ isDeliverable: true, permissions: { canSignOff: false } });
    expect(panel.signOffUnavailable).toContain("cannot read this project's settings, so nobody can sign off here");
    const before = kvs.snapshot();
    expect(await invoke('signOff', { note: null }, anna.accountId)).toMatchObject({ ok: false, code: 'SETTINGS_UNREADABLE' });
    expect(kvs.snapshot()).toBe(before);
  });
});

describe('issue panel: quality hints with the project vocabulary', () => {
  const VAGUE = [
    { id: null, text: 'The PDF downloads fast', met: false },
    { id: null, text: 'The invoice layout is snappy', met: false },
  ];
  const codesOf = (hints: readonly { criterionIndex: number; message: string }[], index: number) =>
    hints.filter((h) => h.criterionIndex === index).map((h) => h.message.slice(0, h.message.indexOf(' ')));

  it('finds the built-in hints when the project has no vocabulary, and sends the empty vocabulary to the panel', async () => {
    const { panel } = expectOk(await invoke('saveCriteria', { criteria: VAGUE, reason: null, expectedVersion: null }, ravi.accountId));
    expect(codesOf(panel.hints, 0)).toEqual(['“fast”']);
    expect(codesOf(panel.hints, 1)).toEqual([]);
    expect(panel.vocabulary).toEqual({ vagueWords: [], silencedWords: [], disabledRules: [] });
  });

  it("drops the hint for a silenced word, adds one for a team's vague word, and sends that vocabulary to the panel for drafts", async () => {
    const vocabulary = { vagueWords: ['snappy'], silencedWords: ['fast'], disabledRules: [] };
    await configure({ vocabulary });
    const { panel } = expectOk(await invoke('saveCriteria', { criteria: VAGUE, reason: null, expectedVersion: null }, ravi.accountId));
    expect(codesOf(panel.hints, 0)).toEqual([]);
    expect(panel.hints.filter((h) => h.criterionIndex === 1)).toEqual([
      expect.objectContaining({ code: 'VAGUE_WORD', rule: 'INCOSE-R7', message: expect.stringContaining('“snappy” is on your team’s list of vague words') }),
    ]);
    expect(expectOk(await invoke('getPanel', {}, ravi.accountId)).panel.vocabulary).toEqual(vocabulary);
  });

  it('gives no hints for a rule the project switched off', async () => {
    await configure({ vocabulary: { vagueWords: [], silencedWords: [], disabledRules: ['INCOSE-R7'] } });
    const { panel } = expectOk(await invoke('saveCriteria', { criteria: VAGUE, reason: null, expectedVersion: null }, ravi.accountId));
    expect(panel.hints).toEqual([]);
  });

  it('uses the vocabulary for the hints of criteria imported from the description', async () => {
    await configure({ vocabulary: { vagueWords: ['snappy'], silencedWords: ['fast'], disabledRules: [] } });
    jira.issue('10042').description = {
      type: 'doc',
      version: 1,
      content: [
        { type: 'heading', attrs: { level: 2 }, content: [{ type: 'text', text: 'Acceptance criteria' }] },
        {
          type: 'bulletList',
          content: VAGUE.map((c) => ({ type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: c.text }] }] })),
        },
      ],
    };
    const { preview } = expectOk(await invoke('importFromDescription', {}, ravi.accountId));
    expect(preview.hints.map((h) => [h.criterionIndex, h.code])).toEqual([[1, 'VAGUE_WORD']]);
  });

  it('shows the built-in hints, and logs why, when the stored vocabulary cannot be read', async () => {
    await deps.store.updateScopeExtension(PROJ.id, (ext) => ({ ...ext, settings: { vocabulary: 'snappy' } }));
    const { panel } = expectOk(await invoke('saveCriteria', { criteria: VAGUE, reason: null, expectedVersion: null }, ravi.accountId));
    expect(codesOf(panel.hints, 0)).toEqual(['“fast”']);
    expect(panel.vocabulary).toEqual({ vagueWords: [], silencedWords: [], disabledRules: [] });
    expect(panel.signOffUnavailable).toBeNull();
    expect(deps.logged).toContainEqual(expect.stringContaining(`the hint vocabulary of project ${PROJ.id} cannot be read in full`));
  });
});

describe('issue panel: import from description', () => {
  it('reads the criteria under the Acceptance criteria heading of the ADF description', async () => {
    jira.issue('10042').description = {
      type: 'doc',
      version: 1,
      content: [
        { type: 'paragraph', content: [{ type: 'text', text: 'Customers need invoices as files.' }] },
        { type: 'heading', attrs: { level: 2 }, content: [{ type: 'text', text: 'Acceptance criteria' }] },
        {
          type: 'bulletList',
          content: [
            { type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Given an invoice, when I export it, then a ' }, { type: 'text', text: 'PDF', marks: [{ type: 'strong' }] }, { type: 'text', text: ' downloads' }] }] },
            { type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'The export should be fast' }] }] },
          ],
        },
      ],
    };
    const { preview } = expectOk(await invoke('importFromDescription', {}, ravi.accountId));
    expect(preview.criteria).toEqual([
      { id: null, text: 'Given an invoice, when I export it, then a PDF downloads', met: false },
      { id: null, text: 'The export should be fast', met: false },
    ]);
    expect(preview.hints.some((h) => h.criterionIndex === 1 && h.code === 'VAGUE_WORD')).toBe(true);
  });

  it('reads a checked task list as criteria already met', async () => {
    jira.issue('10042').description = {
      type: 'doc',
      version: 1,
      content: [
        { type: 'paragraph', content: [{ type: 'text', text: 'Acceptance criteria', marks: [{ type: 'strong' }] }] },
        {
          type: 'taskList',
          attrs: { localId: 'l1' },
          content: [
            { type: 'taskItem', attrs: { localId: 'a', state: 'DONE' }, content: [{ type: 'text', text: 'The PDF names the invoice number' }] },
            { type: 'taskItem', attrs: { localId: 'b', state: 'TODO' }, content: [{ type: 'text', text: 'The PDF is A4' }] },
          ],
        },
      ],
    };
    const { preview } = expectOk(await invoke('importFromDescription', {}, ravi.accountId));
    expect(preview.criteria.map((c) => [c.text, c.met])).toEqual([
      ['The PDF names the invoice number', true],
      ['The PDF is A4', false],
    ]);
  });

  it('says what is missing when the description has no acceptance criteria section', async () => {
    jira.issue('10042').description = { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Make invoices downloadable.' }] }] };
    const result = await invoke('importFromDescription', {}, ravi.accountId);
    expect(result).toMatchObject({ ok: false, code: 'NOTHING_TO_IMPORT' });
    expect(!result.ok && result.message).toMatch(/heading "Acceptance criteria"/);
  });
});

describe('issue panel: the invocation shape', () => {
  it('refuses a panel action that comes without an issue in its context', async () => {
    const result = await invoke('getPanel', {}, ravi.accountId, { project: true });
    expect(result).toMatchObject({ ok: false, code: 'NO_ISSUE_CONTEXT' });
  });

  it('refuses a save from someone who is not signed in and writes nothing', async () => {
    const before = kvs.snapshot();
    const result = await invoke('saveCriteria', { criteria: CRITERIA, reason: null, expectedVersion: null }, null);
    expect(result).toMatchObject({ ok: false, code: 'NOT_SIGNED_IN' });
    expect(kvs.snapshot()).toBe(before);
  });
});
