import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { closurePolicySchema, createBaseline, parseCriteria, recordCriteriaChange, recordSignOff, type DeliverableState } from '../../src/core';
import { openStore } from '../../src/store/open-store';
import type { SqlStore } from '../../src/store/sql-store';
import { verifyStore } from '../../src/store/verify-store';
import { writeCheckpoint } from '../../src/store/write-checkpoint';
import { runCli } from '../../linear-adapter/commands/cli';
import { openPostgresTestStore } from '../support/open-postgres-test-store';

// `scopekeeper verify` against the five tamper cases of issue 10, on both SQL backends.

const SCOPE = 'linear:eng';
const ana = { id: 'user-ana', name: 'Ana Silva', email: 'ana@client.example' };
const policy = closurePolicySchema.parse({ approverUserIds: [ana.email] });

function deliverable(id: string, key: string): DeliverableState {
  const { criteria } = parseCriteria(`## Acceptance criteria\n- [ ] ${key} shows each open invoice\n- [ ] ${key} shows a receipt within 5 seconds`);
  return { platform: 'linear', id, key, scopeId: SCOPE, title: key, assigneeId: 'dev-1', criteria, signOff: null, inScope: true, updatedAt: '2026-11-02T09:00:00Z' };
}

/** Baseline of two deliverables, a sign-off of the first, an undocumented change of the second: 3 records. */
async function fillScope(store: SqlStore): Promise<void> {
  let n = 0;
  const newId = () => `rec-${++n}`;
  const one = deliverable('issue-1', 'ENG-1');
  const two = deliverable('issue-2', 'ENG-2');
  const baselined = createBaseline({
    id: 'baseline-1', scopeId: SCOPE, name: 'SRS v1.0', now: '2026-11-02T10:00:00Z', approvedBy: ana,
    deliverables: [one, two].map((d) => ({ id: d.id, key: d.key, title: d.title, criteria: d.criteria })), current: null,
  });
  if (!baselined.ok) throw new Error(baselined.message);
  expect(await store.commit({ scopeId: SCOPE, baseline: baselined.value.baseline, deliverables: [one, two].map((state) => ({ state, expectedVersion: null })), history: [baselined.value.draft] })).toMatchObject({ ok: true });
  const signed = recordSignOff({ state: one, signer: ana, roles: [], policy, note: null, now: '2026-11-03T10:00:00Z', newId });
  if (!signed.ok) throw new Error(signed.message);
  expect(await store.commit({ scopeId: SCOPE, deliverables: [{ state: signed.state, expectedVersion: 1 }], history: [signed.draft] })).toMatchObject({ ok: true });
  const edit = recordCriteriaChange({
    previous: two, next: { ...two, criteria: [two.criteria[0]!, { id: null, text: 'ENG-2 shows a receipt within 10 seconds', met: false }] },
    baseline: baselined.value.baseline, actor: { id: 'dev-1', name: 'Dev One', email: null }, now: '2026-11-04T10:00:00Z', source: 'linear-webhook', reason: null, newId,
  });
  expect(await store.commit({ scopeId: SCOPE, deliverables: [{ state: edit.state, expectedVersion: 1 }], history: edit.drafts })).toMatchObject({ ok: true });
}

function describeTampering(backend: string, open: () => Promise<{ store: SqlStore; cleanup: () => Promise<void> }>): void {
  describe(`scopekeeper verify on ${backend}`, () => {
    let store: SqlStore;
    let cleanup: () => Promise<void>;
    let dataDir: string;
    const db = () => store.database;
    const codes = async () => (await verifyStore(store, dataDir)).problems.map((p) => p.code);

    beforeEach(async () => {
      ({ store, cleanup } = await open());
      dataDir = await mkdtemp(path.join(tmpdir(), 'scopekeeper-verify-'));
      await fillScope(store);
      expect(await writeCheckpoint(store, dataDir, '2026-11-05T00:00:00.000Z')).not.toBeNull();
    });
    afterEach(async () => {
      await cleanup();
      await rm(dataDir, { recursive: true, force: true });
    });

    it('finds nothing wrong with an untouched history', async () => {
      const report = await verifyStore(store, dataDir);
      expect(report).toMatchObject({ scopes: 1, problems: [] });
      expect(report.records).toBe(3);
    });

    it('reports the newest records deleted with history_heads moved back, against the checkpoint', async () => {
      const { rows } = await sql<{ seq: number; hash: string }>`select seq, hash from history where scope_id = ${SCOPE} order by seq`.execute(db());
      const keep = rows[1]!;
      await sql`delete from history where scope_id = ${SCOPE} and seq > ${keep.seq}`.execute(db());
      await sql`update history_heads set seq = ${keep.seq}, hash = ${keep.hash} where scope_id = ${SCOPE}`.execute(db());
      expect(await codes()).toEqual(['CHECKPOINT_MISSING']);
    });

    it('reports an edited without_reason column', async () => {
      await sql`update history set without_reason = false where scope_id = ${SCOPE} and kind = 'scope_changed'`.execute(db());
      expect(await codes()).toContain('DERIVED_COLUMN_EDITED');
    });

    it('reports a sign-off copied into another deliverable’s state row', async () => {
      await sql`update deliverables set state = jsonb_set(state, '{signOff}', (select state->'signOff' from deliverables where id = 'issue-1')) where id = 'issue-2'`.execute(db());
      const report = await verifyStore(store, dataDir);
      expect(report.problems.map((p) => p.code)).toEqual(['SIGNOFF_NOT_IN_HISTORY']);
      expect(report.problems[0]!.message).toContain('ENG-2 shows a sign-off by Ana Silva that its history does not record');
    });

    it('reports an edited record', async () => {
      await sql`update history set record = jsonb_set(record, '{at}', '"2026-11-03T11:00:00Z"') where scope_id = ${SCOPE} and seq = 1`.execute(db());
      expect(await codes()).toContain('CHAIN_BROKEN');
    });

    it('reports a deleted middle record', async () => {
      await sql`delete from history where scope_id = ${SCOPE} and seq = 1`.execute(db());
      expect(await codes()).toContain('CHAIN_BROKEN');
    });

    it('reports an edited checkpoint file instead of trusting it', async () => {
      const dir = path.join(dataDir, 'checkpoints');
      const file = path.join(dir, (await readdir(dir))[0]!);
      const text = await readFile(file, 'utf8');
      await writeFile(file, text.replace(/"seq": 2/, "\"seq\": 1"));
      expect(await codes()).toContain('CHECKPOINT_MISSING');
    });
  });
}

describeTampering('PGlite', async () => {
  const store = await openStore({ dataDir: 'memory://' });
  return { store, cleanup: () => store.close() };
});

const databaseUrl = process.env.TEST_DATABASE_URL;
if (databaseUrl) {
  describeTampering('PostgreSQL', () => openPostgresTestStore(databaseUrl, 'verify'));
} else {
  it.skip('verify on PostgreSQL: set TEST_DATABASE_URL to run', () => undefined);
}

describe('npx scopekeeper verify', () => {
  it('prints each problem and exits 1 when a sign-off was copied, and exits 0 on an untouched store', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'scopekeeper-verify-cli-'));
    const store = await openStore({ dataDir: 'memory://' });
    try {
      await fillScope(store);
      await writeCheckpoint(store, dataDir, '2026-11-05T00:00:00.000Z');
      const run = async () => {
        let out = '';
        const code = await runCli(['verify'], { env: { SCOPEKEEPER_DATA_DIR: dataDir }, stdout: (t) => (out += t), stderr: (t) => (out += t), openStore: async () => store });
        return { code, out };
      };
      // The CLI closes the store it opened; this one is shared, so closing is made a no-op here.
      const close = store.close.bind(store);
      store.close = async () => undefined;
      expect(await run()).toMatchObject({ code: 0, out: expect.stringContaining('no tampering found') });
      await sql`update deliverables set state = jsonb_set(state, '{signOff}', (select state->'signOff' from deliverables where id = 'issue-1')) where id = 'issue-2'`.execute(store.database);
      const tampered = await run();
      expect(tampered.code).toBe(1);
      expect(tampered.out).toContain('SIGNOFF_NOT_IN_HISTORY: scope linear:eng: ENG-2 shows a sign-off');
      store.close = close;
    } finally {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
