import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Request } from '@forge/resolver';
import { installForgeApiMock, PEOPLE, PROJ, type FakeJira } from '../mocks/forge-api';
import { installForgeKvsMock } from '../mocks/forge-kvs';
import { createInvoker, expectOk, ISSUE_12, ISSUE_13, makeClosures, saveCriteriaAs, testDeps } from './forge-harness';
import { verifyBundleCommand } from '../../linear-adapter/commands/verify-bundle-command';
import { createProjectResolvers, PROJECT_PAGE_LIMITS, type ProjectPageLimits } from '../../src/forge/resolvers/create-project-resolvers';
import type { ForgeDeps } from '../../src/forge/entry/create-forge-deps';
import type { DeliverableState, HistoryDraft } from '../../src/core/schemas';
import { createBaseline } from '../../src/core/create-baseline';
import { snapshotScope } from '../../src/core/snapshot-scope';
import { SIGN_OFF_MEANING } from '../../src/reports/build-evidence-bundle';
import type { EvidencePart, Refusal } from '../../src/forge/resolvers/resolver-contract';

jest.mock('@forge/kvs', () => jest.requireActual('../mocks/forge-kvs').mockForgeKvsModule());
jest.mock('@forge/api', () => jest.requireActual('../mocks/forge-api').mockForgeApiModule());

const { anna, ravi, pat, olga } = PEOPLE;
const PAGE = { project: true } as const;

let jira: FakeJira;
let deps: ForgeDeps;
let invoke: ReturnType<typeof createInvoker>;
let dir: string;

beforeEach(async () => {
  installForgeKvsMock();
  jira = installForgeApiMock();
  deps = testDeps();
  invoke = createInvoker(deps);
  dir = await mkdtemp(join(tmpdir(), 'scopekeeper-evidence-'));
  expectOk(await invoke('saveSettings', { settings: { approverRoles: ['Client approvers'] } }, pat.accountId, PAGE));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function save(issue: typeof ISSUE_12, texts: string[], reason: string | null = null) {
  expectOk(await saveCriteriaAs(invoke, ravi.accountId, issue, texts, reason));
}

function closures(count: number, from = 0): HistoryDraft[] {
  return makeClosures(count, { id: ravi.accountId, name: ravi.displayName }, from);
}

/** A history with a baseline, a sign-off under it, a later scope change and `extra` closures. */
async function makeHistory(extra: number, issue13 = ['The menu reads "Settings"']): Promise<string> {
  await save(ISSUE_12, ['A PDF downloads', 'The PDF shows the invoice number']);
  await save(ISSUE_13, issue13);
  const { overview } = expectOk(await invoke('createBaseline', { name: 'SRS v1.0' }, anna.accountId, PAGE));
  expectOk(await invoke('signOff', { note: 'Checked on staging' }, anna.accountId, { issue: ISSUE_12 }));
  await save(ISSUE_12, ['A PDF downloads within 5 seconds', 'The PDF shows the invoice number'], 'Client asked, 3 March');
  if (extra > 0) expectOk(await deps.store.commit({ scopeId: PROJ.id, history: closures(extra) }));
  return overview.baselines[0]?.id as string;
}

/** The project page's resolvers with other limits, called as the Resolver calls them. */
function withLimits(limits: Partial<ProjectPageLimits>) {
  const resolvers = createProjectResolvers(deps, { ...PROJECT_PAGE_LIMITS, ...limits });
  return async (payload: { baselineId: string; cursor: string | null }, accountId: string): Promise<EvidencePart | Refusal> => {
    jira.actAs(accountId);
    const request = { payload, context: { accountId, extension: { type: 'jira:projectPage', project: { id: PROJ.id, key: PROJ.key, type: 'software' } } } };
    return resolvers.exportEvidenceBundle(request as unknown as Request);
  };
}

/** Every part in turn, as the page asks for them. */
async function collectParts(call: ReturnType<typeof withLimits>, baselineId: string, accountId = olga.accountId): Promise<EvidencePart[]> {
  const parts: EvidencePart[] = [];
  let cursor: string | null = null;
  do {
    const part: EvidencePart = expectOk(await call({ baselineId, cursor }, accountId));
    parts.push(part);
    cursor = part.nextCursor;
  } while (cursor !== null && parts.length < 500);
  return parts;
}

async function verifyFile(text: string | Buffer): Promise<{ code: number; out: string[]; fail: string[] }> {
  const file = join(dir, 'bundle.json');
  await writeFile(file, text);
  const out: string[] = [];
  const fail: string[] = [];
  const code = await verifyBundleCommand(file, (l) => out.push(l), (l) => fail.push(l));
  return { code, out, fail };
}

describe('project page: evidence bundle of a baseline', () => {
  it('makes a bundle in parts that join to a file verify accepts, and verify refuses it after one byte is changed', async () => {
    const baselineId = await makeHistory(20);
    const parts = await collectParts(withLimits({ exportRows: 4, historySlice: 5 }), baselineId);
    expect(parts.length).toBeGreaterThan(5);
    const bundle = parts.map((p) => p.text).join('');

    const verified = await verifyFile(bundle);
    expect(verified.fail).toEqual([]);
    expect(verified.code).toBe(0);
    const head = (await deps.store.readScopeSummary(PROJ.id)).head;
    expect(verified.out.join('\n')).toContain(`baseline "SRS v1.0": 24 records, chain intact up to head seq ${head?.seq} (${head?.hash}), 1 sign-offs`);
    expect(parts[parts.length - 1]?.head).toEqual({ seq: head?.seq, hash: head?.hash });

    const parsed = JSON.parse(bundle) as { scope: unknown; signatures: Record<string, unknown>[] };
    expect(parsed.scope).toEqual({ id: PROJ.id, key: PROJ.key, name: PROJ.name });
    expect(parsed.signatures).toEqual([
      expect.objectContaining({ deliverableKey: 'PROJ-12', signerName: anna.displayName, signerId: anna.accountId, role: 'Client approvers', meaning: SIGN_OFF_MEANING, note: 'Checked on staging' }),
    ]);

    const at = bundle.indexOf('Client asked, 3 March');
    const changed = Buffer.from(bundle);
    changed[at] = 'c'.charCodeAt(0);
    const refused = await verifyFile(changed);
    expect(refused.code).toBe(1);
    expect(refused.fail[0]).toContain('NOT VERIFIED');
  });

  it('gives the whole bundle in one part when it fits the budget', async () => {
    const baselineId = await makeHistory(3);
    const [whole] = await collectParts(withLimits({}), baselineId);
    expect(whole?.nextCursor).toBeNull();
    expect(whole?.part).toBe(1);
    expect((await verifyFile(whole?.text ?? '')).code).toBe(0);
  });

  it('keeps every part within its row and byte budget (one item at least), over 600 records', async () => {
    const baselineId = await makeHistory(0);
    for (let i = 0; i < 3; i += 1) expectOk(await deps.store.commit({ scopeId: PROJ.id, history: closures(200, i * 200) }));
    const limits = { exportRows: 250, exportBytes: 40_000, historySlice: 300 };
    const parts = await collectParts(withLimits(limits), baselineId);
    for (const part of parts) {
      expect(part.records).toBeLessThanOrEqual(limits.exportRows);
      // The closing words and the digest (under 200 bytes) come on top of the last item.
      expect(Buffer.byteLength(part.text, 'utf8')).toBeLessThanOrEqual(limits.exportBytes + 200);
    }
    expect(parts.reduce((n, p) => n + p.records, 0)).toBe(604);
    expect((await verifyFile(parts.map((p) => p.text).join(''))).code).toBe(0);
  });

  it('splits a baseline larger than a part over several parts, multi-byte text included', async () => {
    const baselineId = await makeHistory(
      1,
      Array.from({ length: 12 }, (_, i) => `Zahlung über 𝄞 € number ${i} is shown on the “invoice”`),
    );
    const parts = await collectParts(withLimits({ exportBytes: 300 }), baselineId);
    const opening = parts.findIndex((p) => p.records > 0);
    expect(opening).toBeGreaterThan(2);
    for (const part of parts.slice(0, opening)) expect(Buffer.byteLength(part.text, 'utf8')).toBeLessThanOrEqual(300);
    const bundle = parts.map((p) => p.text).join('');
    expect(bundle).toContain('Zahlung über 𝄞 € number 11');
    expect((await verifyFile(bundle)).code).toBe(0);
  });

  it('copies a baseline stored in several pieces a piece at a time: only the first part reads it whole', async () => {
    // 400 issues with long criteria: a baseline of about 1 MB, stored in several 200 KB pieces.
    const states: DeliverableState[] = Array.from({ length: 400 }, (_, i) => ({
      platform: 'jira', id: `100${i}`, key: `${PROJ.key}-${i + 1}`, scopeId: PROJ.id, title: `Invoices part ${i + 1}`, assigneeId: null,
      criteria: [0, 1, 2].map((c) => ({ id: null, text: `Given invoice ${i}, when step ${c} runs, then the total “${'€'.repeat(200)}” is exact to the cent`, met: false })),
      signOff: null, inScope: true, updatedAt: '2026-03-01T10:00:00.000Z',
    }));
    const created = createBaseline({ id: 'bl-big', scopeId: PROJ.id, name: 'SRS v1.0', now: '2026-03-01T10:00:00.000Z', approvedBy: { id: anna.accountId, name: anna.displayName, email: null }, deliverables: snapshotScope(states, PROJ.id), current: null });
    if (!created.ok) throw new Error(created.message);
    expectOk(await deps.store.commit({ scopeId: PROJ.id, baseline: created.value.baseline, history: [created.value.draft] }));
    const meta = (await deps.store.readScopeSummary(PROJ.id)).baselines.find((b) => b.id === 'bl-big')!;
    expect(meta.parts).toBeGreaterThanOrEqual(4);

    const whole = jest.spyOn(deps.store, 'readBaseline');
    const piece = jest.spyOn(deps.store, 'readBaselinePart');
    const parts = await collectParts(withLimits({ exportBytes: 150_000 }), 'bl-big');
    const openingParts = parts.findIndex((p) => p.records > 0) + 1;
    expect(openingParts).toBeGreaterThan(3);
    // Before, every part of the opening read the whole baseline again.
    expect(whole).toHaveBeenCalledTimes(1);
    // Each stored piece once, and once more for each piece a part boundary cuts.
    expect(piece.mock.calls.length).toBeLessThanOrEqual(meta.parts + openingParts - 1);
    expect(new Set(piece.mock.calls.map((call) => call[2]))).toEqual(new Set(Array.from({ length: meta.parts }, (_, i) => i)));
    const verified = await verifyFile(parts.map((p) => p.text).join(''));
    expect(verified).toMatchObject({ code: 0 });
    expect(verified.out.join('\n')).toContain('baseline "SRS v1.0": 1 records');
  });

  it('makes a file verify rejects when a cursor was edited to skip a record', async () => {
    const baselineId = await makeHistory(6);
    const call = withLimits({ exportRows: 3 });
    const first = expectOk(await call({ baselineId, cursor: null }, olga.accountId));
    const state = JSON.parse(Buffer.from(first.nextCursor ?? '', 'base64url').toString('utf8')) as { nextSeq: number };
    const skipped = Buffer.from(JSON.stringify({ ...state, nextSeq: state.nextSeq + 1 }), 'utf8').toString('base64url');
    const parts = [first.text];
    let cursor: string | null = skipped;
    while (cursor !== null) {
      const part: EvidencePart = expectOk(await call({ baselineId, cursor }, olga.accountId));
      parts.push(part.text);
      cursor = part.nextCursor;
    }
    const verdict = await verifyFile(parts.join(''));
    expect(verdict.code).toBe(1);
    expect(verdict.fail.join('\n')).toContain('The chain breaks at record 3');
  });

  it('refuses a bundle whose printed name was changed for a signer the record names, even with its digest made again', async () => {
    const baselineId = await makeHistory(2);
    const bundle = (await collectParts(withLimits({}), baselineId)).map((p) => p.text).join('');
    const forged = bundle.replace(`"signerName":"${anna.displayName}"`, '"signerName":"Someone Else"');
    const body = forged.slice(0, forged.lastIndexOf(',"sha256":"'));
    const resealed = `${body},"sha256":"${createHash('sha256').update(body, 'utf8').digest('hex')}"}\n`;
    const verdict = await verifyFile(resealed);
    expect(verdict.code).toBe(1);
    expect(verdict.fail.join('\n')).toContain('The signature manifest does not match the sign-off records');
  });

  it('prints the name Jira gives a signer whose name was hidden at signing, and verify still accepts the bundle', async () => {
    const hidden = jira.users.get(anna.accountId);
    if (!hidden) throw new Error('no Anna in the stand-in');
    hidden.displayName = '';
    const baselineId = await makeHistory(2);
    hidden.displayName = 'Anna Example';
    const parts = await collectParts(withLimits({}), baselineId);
    const bundle = parts.map((p) => p.text).join('');
    const signatures = (JSON.parse(bundle) as { signatures: { signerName: string }[] }).signatures;
    expect(signatures.map((s) => s.signerName)).toEqual(['Anna Example']);
    expect(jira.calls.some((c) => c.as === 'app' && c.path === '/rest/api/3/user' && c.query.get('accountId') === anna.accountId)).toBe(true);
    expect((await verifyFile(bundle)).code).toBe(0);
  });

  it('gives nothing to someone who may not browse the project', async () => {
    const baselineId = await makeHistory(2);
    const call = withLimits({ exportRows: 3 });
    const first = expectOk(await call({ baselineId, cursor: null }, olga.accountId));
    jira.revoke(PROJ.id, 'BROWSE_PROJECTS', olga.accountId);
    expect(await invoke('exportEvidenceBundle', { baselineId, cursor: null }, olga.accountId, PAGE)).toEqual({ ok: false, code: 'NO_ACCESS', message: expect.any(String) });
    // Not even with a cursor someone else was given.
    expect(await call({ baselineId, cursor: first.nextCursor }, olga.accountId)).toMatchObject({ ok: false, code: 'NO_ACCESS' });
  });

  it('says what is wrong for an unknown baseline, a broken cursor, or a cursor of another baseline', async () => {
    const baselineId = await makeHistory(2);
    await save(ISSUE_13, ['The menu reads "Preferences"'], 'Renamed');
    const second = expectOk(await invoke('createBaseline', { name: 'SRS v2.0' }, anna.accountId, PAGE)).overview.baselines[1]?.id as string;
    expect(await invoke('exportEvidenceBundle', { baselineId: 'no-such-baseline', cursor: null }, olga.accountId, PAGE)).toMatchObject({ ok: false, code: 'BASELINE_NOT_FOUND' });
    expect(await invoke('exportEvidenceBundle', { baselineId, cursor: 'not-a-cursor' }, olga.accountId, PAGE)).toMatchObject({ ok: false, code: 'INVALID_PAYLOAD' });
    expect(await invoke('exportEvidenceBundle', {}, olga.accountId, PAGE)).toMatchObject({ ok: false, code: 'INVALID_PAYLOAD', errors: [expect.stringContaining('baselineId')] });
    const first = expectOk(await withLimits({ exportRows: 2 })({ baselineId, cursor: null }, olga.accountId));
    expect(await invoke('exportEvidenceBundle', { baselineId: second, cursor: first.nextCursor }, olga.accountId, PAGE)).toMatchObject({ ok: false, code: 'INVALID_PAYLOAD' });
    // The second baseline's bundle starts at its own creation.
    const [part] = await collectParts(withLimits({}), second);
    expect((await verifyFile(part?.text ?? '')).out.join('\n')).toContain('baseline "SRS v2.0": 1 records');
  });
});
