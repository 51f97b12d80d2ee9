import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../../linear-adapter/commands/cli';
import { buildEvidenceBundle, SIGN_OFF_MEANING } from '../../src/reports/build-evidence-bundle';
import { verifyEvidenceBundle } from '../../src/reports/verify-evidence-bundle';
import { openStore } from '../../src/store/open-store';
import type { SqlStore } from '../../src/store/sql-store';
import { ENG, seedConsoleTeams } from '../support/seed-console-teams';

async function collect(chunks: AsyncIterable<string>): Promise<Buffer> {
  let text = '';
  for await (const chunk of chunks) text += chunk;
  return Buffer.from(text, 'utf8');
}

describe('evidence bundle', () => {
  let store: SqlStore;
  let bundle: Buffer;
  let dir: string;

  beforeAll(async () => {
    store = await openStore({ dataDir: 'memory://' });
    await seedConsoleTeams(store);
    const baseline = (await store.getActiveBaseline(ENG.scopeId))!;
    const keys = new Map((await store.listDeliverables(ENG.scopeId)).map((d) => [d.state.id, d.state.key]));
    bundle = await collect(
      buildEvidenceBundle({ scope: { id: ENG.scopeId, key: 'ENG', name: 'ENG' }, baseline, pages: store.readHistoryPagesSince(ENG.scopeId, 0), keys, generatedAt: '2026-12-01T00:00:00.000Z' }),
    );
    dir = await mkdtemp(path.join(tmpdir(), 'scopekeeper-bundle-'));
  });
  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const run = async (bytes: Buffer) => {
    const file = path.join(dir, `bundle-${Math.random().toString(36).slice(2)}.json`);
    await writeFile(file, bytes);
    let out = '';
    let err = '';
    const code = await runCli(['verify', file], { stdout: (t) => (out += t), stderr: (t) => (err += t), env: {} });
    return { code, out, err };
  };

  it('holds the baseline, every later record with its hashes, each sign-off with its signer, role and meaning, and the head', async () => {
    const parsed = JSON.parse(bundle.toString('utf8'));
    const head = (await store.getHistoryHead(ENG.scopeId))!;
    expect(parsed.baseline.name).toBe('SRS v1.0');
    expect(parsed.records.map((r: { kind: string }) => r.kind)).toEqual(['baseline_created', 'signoff_recorded', 'scope_changed', 'scope_changed']);
    expect(parsed.records.every((r: { hash: string; prevHash: string | null }) => /^[0-9a-f]{64}$/.test(r.hash))).toBe(true);
    expect(parsed.signatures).toEqual([
      expect.objectContaining({ deliverableKey: 'ENG-2', signerName: 'Ana Silva', role: 'approver', meaning: SIGN_OFF_MEANING, at: '2026-11-03T10:00:00.000Z' }),
    ]);
    expect(parsed.head).toEqual({ seq: head.seq, hash: head.hash });
  });

  it('is accepted by scopekeeper verify, which exits 0 and names the head', async () => {
    const { code, out } = await run(bundle);
    expect(code).toBe(0);
    expect(out).toMatch(/Verified: .*4 records, chain intact up to head seq 3/s);
  });

  it('is rejected by scopekeeper verify after one byte of a record is changed, naming that record', async () => {
    const text = bundle.toString('utf8');
    const at = text.indexOf('within 10 seconds');
    const changed = Buffer.from(text.slice(0, at) + 'within 19 seconds' + text.slice(at + 'within 10 seconds'.length), 'utf8');
    expect(changed.length).toBe(bundle.length);
    const { code, err } = await run(changed);
    expect(code).toBe(1);
    expect(err).toMatch(/NOT VERIFIED[\s\S]*chain breaks at record 2 of the bundle.*edited after it was written/);
  });

  it('is rejected after one byte of the baseline snapshot, which no record hash covers, is changed', async () => {
    const text = bundle.toString('utf8');
    const at = text.indexOf('three days before');
    const changed = Buffer.from(`${text.slice(0, at)}Three${text.slice(at + 5)}`, 'utf8');
    const verdict = verifyEvidenceBundle(changed);
    expect(verdict).toMatchObject({ ok: false, problem: 'BYTES_CHANGED' });
  });

  it('detects a bundle whose last records were cut off, against the head it states', async () => {
    const parsed = JSON.parse(bundle.toString('utf8'));
    parsed.records = parsed.records.slice(0, 3);
    const verdict = verifyEvidenceBundle(Buffer.from(JSON.stringify(parsed)));
    expect(verdict).toMatchObject({ ok: false, problem: 'TRUNCATED' });
    expect((verdict as { message: string }).message).toMatch(/records end at seq 2, but the bundle states its head is seq 3/);
  });

  it('says a file cut short is not complete JSON, and exits 1', async () => {
    const { code, err } = await run(bundle.subarray(0, bundle.length - 40));
    expect(code).toBe(1);
    expect(err).toMatch(/not complete JSON/);
  });

  it('exits 2 with the reason when the file cannot be read', async () => {
    let err = '';
    const code = await runCli(['verify', path.join(dir, 'missing.json')], { stdout: () => undefined, stderr: (t) => (err += t), env: {} });
    expect(code).toBe(2);
    expect(err).toMatch(/no such file/);
  });
});
