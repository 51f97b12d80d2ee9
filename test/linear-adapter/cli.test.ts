import { spawnSync } from 'node:child_process';
import { sql } from 'kysely';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../../linear-adapter/commands/cli';
import { openQueueStore } from '../../linear-adapter/queue/queue-store';
import { verifyHistory } from '../../src/core/verify-history';
import type { HistoryRecordOf } from '../../src/core/schemas';
import { openStore } from '../../src/store/open-store';
import type { SqlStore } from '../../src/store/sql-store';
import { startLinearStandIn, type LinearStandIn, type SeedIssue } from '../support/linear-stand-in';

// `scopekeeper baseline` and `scopekeeper reconcile` against the Linear stand-in (real SDK) and
// an embedded PGlite data directory, configured through the environment like the service.

const SCOPE = 'linear:team-eng';
const ISSUE_COUNT = 120; // three pages of 50
const THREE_DAYS_AGO = new Date(Date.now() - 3 * 86_400_000).toISOString();

/** `scopekeeper baseline` as Priya, a workspace admin, runs it for team ENG. */
const BASELINE_ARGS = ['baseline', '--team', 'ENG', '--name', 'SRS v1.0', '--approved-by', 'priya@example.com'];
const idOf = (n: number) => `iss-${String(n).padStart(3, '0')}`;
/** Every tenth issue has no criteria yet. */
const criteriaOf = (n: number) =>
  n % 10 === 0
    ? []
    : [
        { id: null, text: `The report for ENG-${n} lists every open invoice`, met: false },
        { id: null, text: `Totals for ENG-${n} match the ledger to the cent`, met: true },
      ];
const descriptionOf = (n: number) =>
  n % 10 === 0
    ? 'Some context, criteria to follow.'
    : `Context.\n\n## Acceptance criteria\n- [ ] The report for ENG-${n} lists every open invoice\n- [x] Totals for ENG-${n} match the ledger to the cent\n`;

function seedIssues(): SeedIssue[] {
  return Array.from({ length: ISSUE_COUNT }, (_, i) => ({
    id: idOf(i + 1),
    teamId: 'team-eng',
    stateId: 'st-doing',
    title: `Invoice report ${i + 1}`,
    description: descriptionOf(i + 1),
    updatedAt: THREE_DAYS_AGO,
  }));
}

describe('scopekeeper command line', () => {
  let linear: LinearStandIn;
  let templateDir: string;
  let dataDir: string;
  let stdout: string;
  let stderr: string;

  // Creating a PGlite database takes seconds; each test starts from a copy of one made (and
  // migrated) once, in its own temporary data directory.
  beforeAll(async () => {
    templateDir = await mkdtemp(path.join(tmpdir(), 'scopekeeper-cli-template-'));
    await (await openStore({ dataDir: path.join(templateDir, 'pglite') })).close();
  });
  afterAll(() => rm(templateDir, { recursive: true, force: true }));

  beforeEach(async () => {
    linear = await startLinearStandIn(
      {
        // Priya holds the API key and is a workspace admin; Ana approves for the client; Bob is a member.
        viewer: { id: 'user-po', name: 'Priya Owner', email: 'priya@example.com', admin: true },
        users: [
          { id: 'user-ana', name: 'Ana Client', email: 'ana@client.example' },
          { id: 'user-bob', name: 'Bob Member', email: 'bob@example.com' },
          { id: 'user-gia', name: 'Gia Gone', email: 'gia@example.com', admin: true, active: false },
        ],
        teams: [
          { id: 'team-eng', key: 'ENG', name: 'Engineering' },
          { id: 'team-ops', key: 'OPS', name: 'Operations' },
        ],
        states: [
          { id: 'st-todo', name: 'Todo', type: 'unstarted', teamId: 'team-eng' },
          { id: 'st-doing', name: 'In Progress', type: 'started', teamId: 'team-eng' },
          { id: 'st-done', name: 'Done', type: 'completed', teamId: 'team-eng' },
          { id: 'st-canceled', name: 'Canceled', type: 'canceled', teamId: 'team-eng' },
          { id: 'st-duplicate', name: 'Duplicate', type: 'duplicate', teamId: 'team-eng' },
        ],
        issues: seedIssues(),
      },
      { apiKey: 'lin_api_test' },
    );
    dataDir = await mkdtemp(path.join(tmpdir(), 'scopekeeper-cli-'));
    await cp(path.join(templateDir, 'pglite'), path.join(dataDir, 'pglite'), { recursive: true });
    stdout = '';
    stderr = '';
  });

  afterEach(async () => {
    await linear.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  function run(argv: string[], env: Record<string, string> = {}): Promise<number> {
    return runCli(argv, {
      env: { LINEAR_API_KEY: 'lin_api_test', LINEAR_API_URL: linear.url, SCOPEKEEPER_DATA_DIR: dataDir, ...env },
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
    });
  }

  async function withStore<T>(read: (store: SqlStore) => Promise<T>): Promise<T> {
    const store = await openStore({ dataDir: path.join(dataDir, 'pglite') });
    try {
      return await read(store);
    } finally {
      await store.close();
    }
  }

  async function historyOf(store: SqlStore) {
    const records = [];
    for await (const record of store.readHistory(SCOPE)) records.push(record);
    return records;
  }

  describe('baseline', () => {
    const BASELINE = BASELINE_ARGS;

    it('records every issue of the team, read page by page, with its parsed criteria as baseline version 1.0', async () => {
      expect(await run(BASELINE)).toBe(0);
      expect(stderr).toBe('');
      expect(stdout).toContain('Recorded baseline "SRS v1.0" for team ENG (Engineering): scope version 1.0.');
      expect(stdout).not.toContain("Scopekeeper's own count");
      expect(stdout).toContain(`${ISSUE_COUNT} deliverables`);
      expect(stdout).toMatch(/12 deliverables have no acceptance criteria yet: .*ENG-10\b/);

      const pages = linear.operations().filter((o) => o.operationName === 'issues');
      expect(pages.map((o) => o.variables.after ?? null)).toEqual([null, expect.any(String), expect.any(String)]);

      await withStore(async (store) => {
        const baseline = await store.getActiveBaseline(SCOPE);
        expect(baseline).toMatchObject({ name: 'SRS v1.0', major: 1, approvedBy: { id: 'user-po', name: 'Priya Owner', email: 'priya@example.com' } });
        const byKey = new Map(baseline!.deliverables.map((d) => [d.key, d]));
        expect(byKey.size).toBe(ISSUE_COUNT);
        for (let n = 1; n <= ISSUE_COUNT; n += 1) {
          expect(byKey.get(`ENG-${n}`)).toEqual({ id: idOf(n), key: `ENG-${n}`, title: `Invoice report ${n}`, criteria: criteriaOf(n) });
        }
        expect((await store.getHistoryHead(SCOPE))?.scopeVersion).toBe('1.0');
        expect((await store.getDeliverable('linear', idOf(7)))?.state).toMatchObject({ key: 'ENG-7', scopeId: SCOPE, criteria: criteriaOf(7) });
      });

      // The trace in Linear: one comment on the team's newest issue, sent through the outbox.
      expect(stdout).toContain(`Noted the baseline in Linear with a comment on ENG-${ISSUE_COUNT}.`);
      const notes = linear.comments().filter((c) => c.body.includes('baseline “SRS v1.0” recorded'));
      expect(notes).toHaveLength(1);
      expect(notes[0]!.issueId).toBe(idOf(ISSUE_COUNT));
      expect(notes[0]!.body).toContain(`**Scopekeeper: baseline “SRS v1.0” recorded for team ENG (Engineering)**\n\n${ISSUE_COUNT} issues with 216 acceptance criteria, approved by Priya Owner on `);
      await withStore(async (store) => {
        const outbox = await sql<{ status: string }>`select status from linear_outbox`.execute(store.database);
        expect(outbox.rows).toEqual([{ status: 'sent' }]);
      });
    });

    it('in shadow mode records the baseline but sends no comment to Linear', async () => {
      expect(await run(BASELINE, { SCOPEKEEPER_MODE: 'shadow' })).toBe(0);
      expect(stdout).toContain(`Shadow mode: the comment on ENG-${ISSUE_COUNT} that notes the baseline in Linear is not sent.`);
      expect(linear.comments()).toEqual([]);
      await withStore(async (store) => expect((await store.getActiveBaseline(SCOPE))?.name).toBe('SRS v1.0'));
    });

    it('refuses a name a baseline of the team had, suggesting the next name in its pattern, and says why the scope version differs from the name', async () => {
      expect(await run(BASELINE)).toBe(0);
      expect(await run(['baseline', '--team', 'ENG', '--name', 'srs v1.0', '--approved-by', 'priya@example.com'])).toBe(1);
      expect(stderr).toContain('The active baseline is already called "SRS v1.0". Choose a new name for the new baseline, for example "SRS v1.1".');

      stdout = '';
      expect(await run(['baseline', '--team', 'ENG', '--name', 'SRS v1.1', '--approved-by', 'priya@example.com'])).toBe(0);
      expect(stdout).toContain('Recorded baseline "SRS v1.1" for team ENG (Engineering): scope version 2.0.');
      expect(stdout).toContain("Scope version 2.0 is Scopekeeper's own count, not read from the name: this is baseline 2 of the scope");

      stderr = '';
      expect(await run(['baseline', '--team', 'ENG', '--name', 'SRS v1.0', '--approved-by', 'priya@example.com'])).toBe(1);
      expect(stderr).toContain('An earlier baseline of this scope was already called "SRS v1.0". Choose a new name for the new baseline, for example "SRS v1.2".');
      await withStore(async (store) => expect((await store.listBaselines(SCOPE)).map((b) => b.name)).toEqual(['SRS v1.0', 'SRS v1.1']));
    }, 240_000); // two baselines of 120 issues each, on a loaded machine

    it('records the named approver only when they are on the team’s list, and names the approvers when they are not', async () => {
      const approvers = { SCOPEKEEPER_APPROVERS: 'ana@client.example, cy@client.example' };
      // Priya is an admin, but approvers are listed, so only they may approve.
      expect(await run(BASELINE, approvers)).toBe(1);
      expect(stderr).toContain('No baseline was recorded: Priya Owner is not an approver for this scope.');
      expect(stderr).toContain("Team ENG's approvers are: ana@client.example, cy@client.example. Run it again with --approved-by naming one of them.");
      expect(linear.operations().filter((o) => o.operationName === 'issues')).toEqual([]);
      await withStore(async (store) => expect(await store.getActiveBaseline(SCOPE)).toBeNull());

      expect(await run(['baseline', '--team', 'ENG', '--name', 'SRS v1.0', '--approved-by', 'ANA@client.example'], approvers)).toBe(0);
      expect(stdout).toContain('approved by Ana Client.');
      // Who approved is the person Linear answered with, by id, not the text typed.
      await withStore(async (store) => expect((await store.getActiveBaseline(SCOPE))?.approvedBy).toEqual({ id: 'user-ana', name: 'Ana Client', email: 'ana@client.example' }));
    });

    it('with no approvers listed lets only a Linear workspace admin approve, and names the admins', async () => {
      expect(await run(['baseline', '--team', 'ENG', '--name', 'SRS v1.0', '--approved-by', 'user-bob'])).toBe(1);
      expect(stderr).toContain('No approvers are set for this scope, so only an administrator can record a baseline, and Bob Member is not one.');
      expect(stderr).toContain('only Linear workspace admins may approve: Priya Owner (priya@example.com).');
      expect(linear.operations().filter((o) => o.operationName === 'issues')).toEqual([]);
      await withStore(async (store) => expect(await store.getActiveBaseline(SCOPE)).toBeNull());

      expect(await run(['baseline', '--team', 'ENG', '--name', 'SRS v1.0', '--approved-by', 'user-po'])).toBe(0);
      await withStore(async (store) => expect((await store.getActiveBaseline(SCOPE))?.approvedBy.id).toBe('user-po'));
    });

    it('refuses an approver Linear does not know, or has deactivated, and names who may approve', async () => {
      for (const who of ['nobody@example.com', 'gia@example.com']) {
        stderr = '';
        expect(await run(['baseline', '--team', 'ENG', '--name', 'SRS v1.0', '--approved-by', who])).toBe(1);
        expect(stderr).toContain(`Linear has no active user with the id or email "${who}".`);
        expect(stderr).toContain('only Linear workspace admins may approve: Priya Owner (priya@example.com).');
      }
      await withStore(async (store) => expect(await store.getActiveBaseline(SCOPE)).toBeNull());
    });

    it('refuses to run without --approved-by and says the option is missing', async () => {
      expect(await run(['baseline', '--team', 'ENG', '--name', 'SRS v1.0'])).toBe(2);
      expect(stderr).toContain("required option '--approved-by <user>' not specified");
      expect(linear.operations()).toEqual([]);
    });

    it('refuses when the team’s stored settings cannot be read, and records nothing', async () => {
      // As if written by an older release, or by hand: the approvers are not a list.
      await withStore((store) => store.commitScopeSettings({ scopeId: SCOPE, history: [] }, { settings: { approvers: 'not a list' }, expectedVersion: null }));
      expect(await run(BASELINE)).toBe(1);
      expect(stderr).toContain("No baseline was recorded: team ENG's settings cannot be read");
      await withStore(async (store) => expect(await store.getActiveBaseline(SCOPE)).toBeNull());
    });

    it('leaves canceled and duplicate issues out, not listed as missing criteria, unless --include-canceled', async () => {
      linear.updateIssue(idOf(10), { stateId: 'st-canceled' });
      linear.updateIssue(idOf(20), { stateId: 'st-duplicate' });
      linear.updateIssue(idOf(21), { stateId: 'st-canceled' });
      expect(await run(BASELINE)).toBe(0);
      expect(stdout).toContain(`${ISSUE_COUNT - 3} deliverables`);
      expect(stdout).toMatch(/Left out 3 canceled or duplicate issues \(--include-canceled keeps them\): ENG-\d+, ENG-\d+, ENG-\d+/);
      expect(stdout).toContain('10 deliverables have no acceptance criteria yet');
      expect(stdout).not.toMatch(/no acceptance criteria yet: .*ENG-10\b/);
      await withStore(async (store) => {
        const keys = (await store.getActiveBaseline(SCOPE))!.deliverables.map((d) => d.key);
        expect(keys).not.toEqual(expect.arrayContaining(['ENG-10']));
        expect(keys).not.toEqual(expect.arrayContaining(['ENG-20']));
        expect(keys).toHaveLength(ISSUE_COUNT - 3);
      });

      stdout = '';
      expect(await run(['baseline', '--team', 'ENG', '--name', 'SRS v1.1', '--approved-by', 'priya@example.com', '--include-canceled'])).toBe(0);
      expect(stdout).toContain(`${ISSUE_COUNT} deliverables`);
      expect(stdout).not.toContain('Left out');
      await withStore(async (store) => expect((await store.getActiveBaseline(SCOPE))!.deliverables).toHaveLength(ISSUE_COUNT));
    }, 240_000); // two baselines of 120 issues each, on a loaded machine

    it('says which team key is unknown', async () => {
      expect(await run(['baseline', '--team', 'XYZ', '--name', 'SRS v1.0', '--approved-by', 'priya@example.com'])).toBe(1);
      expect(stderr).toContain('no team with the key "XYZ"');
    });
  });

  describe('deliveries', () => {
    it('lists a dead letter with its error, retries it into the inbox, and says what is wrong for an unknown id', async () => {
      await withStore(async (store) => {
        const queue = await openQueueStore(store);
        await queue.enqueueDelivery({ deliveryId: 'd-poison', receivedAt: THREE_DAYS_AGO, eventType: 'Issue', action: 'update', orderingKey: 'iss-001', rawBody: '{}' });
        await queue.claimDeliveries(1, THREE_DAYS_AGO);
        await queue.failDelivery('d-poison', 'unsupported Unicode escape sequence (a permanent error: retrying cannot help)', THREE_DAYS_AGO);
      });
      expect(await run(['deliveries', 'list'], { LINEAR_API_KEY: '' })).toBe(0);
      expect(stdout).toContain('1 delivery was given up on:');
      expect(stdout).toContain('d-poison  Issue update, issue iss-001');
      expect(stdout).toContain('error: unsupported Unicode escape sequence');

      expect(await run(['deliveries', 'retry', 'd-poison'])).toBe(0);
      expect(stdout).toContain('Delivery d-poison is back in the inbox');
      expect(await withStore(async (store) => (await openQueueStore(store)).inboxBacklog())).toBe(1);

      expect(await run(['deliveries', 'drop', 'd-poison'])).toBe(1);
      expect(stderr).toContain('No delivery d-poison was given up on; `scopekeeper deliveries list` shows those that were.');
    });
  });

  describe('reconcile', () => {
    it('records a description edited in Linear while the webhook was missed as an undocumented scope change, version 1.1', async () => {
      expect(await run([...BASELINE_ARGS])).toBe(0);
      linear.updateIssue(idOf(7), {
        description: '## Acceptance criteria\n- [ ] The report for ENG-7 lists every open and overdue invoice\n- [x] Totals for ENG-7 match the ledger to the cent\n',
      });

      expect(await run(['reconcile', '--since', '24h', '--team', 'ENG'])).toBe(0);
      expect(stdout).toContain('ENG: read 1 issues');
      expect(stdout).toContain('recorded 1 scope changes');

      await withStore(async (store) => {
        const history = await historyOf(store);
        const changes = history.filter((r): r is HistoryRecordOf<'scope_changed'> => r.kind === 'scope_changed');
        expect(changes).toHaveLength(1);
        expect(changes[0]).toMatchObject({
          scopeVersion: '1.1',
          deliverableId: idOf(7),
          data: {
            kind: 'criterion_modified',
            deliverableKey: 'ENG-7',
            before: 'The report for ENG-7 lists every open invoice',
            after: 'The report for ENG-7 lists every open and overdue invoice',
            source: 'linear-reconcile',
            reason: null,
          },
        });
        expect(verifyHistory(history)).toMatchObject({ ok: true });
        const undocumented = await store.queryHistory({ scopeId: SCOPE, undocumentedOnly: true });
        expect(undocumented.records.map((r) => r.id)).toEqual([changes[0]!.id]);
      });

      // A second run finds nothing new.
      expect(await run(['reconcile', '--since', '24h', '--team', 'ENG'])).toBe(0);
      await withStore(async (store) => expect((await store.getHistoryHead(SCOPE))?.scopeVersion).toBe('1.1'));
    });

    it('reopens an issue found done without a sign-off, comments why, and does it once', async () => {
      expect(await run([...BASELINE_ARGS])).toBe(0);
      linear.updateIssue(idOf(3), { stateId: 'st-done' });

      expect(await run(['reconcile', '--since', '2h'])).toBe(0);
      expect(linear.issue(idOf(3))?.stateId).toBe('st-doing');
      // The status comment, then the short reply that points at it.
      const comments = linear.comments(idOf(3));
      expect(comments).toHaveLength(2);
      expect(comments[0]!.body).toContain('- An approver signs off the criteria.');
      expect(comments[1]!.body).toContain('ENG-3 cannot move to Done yet, so Scopekeeper moved it back');

      await withStore(async (store) => {
        const closures = (await historyOf(store)).filter((r) => r.kind.startsWith('closure_'));
        expect(closures).toMatchObject([{ kind: 'closure_refused', deliverableId: idOf(3), data: { toState: 'Done', reasons: [{ code: 'NO_SIGNOFF' }] } }]);
      });

      expect(await run(['reconcile', '--since', '2h'])).toBe(0);
      expect(linear.comments(idOf(3))).toHaveLength(2);
    });

    it('in shadow mode records the closure without sign-off and sends nothing', async () => {
      linear.updateIssue(idOf(5), { stateId: 'st-done' });
      linear.reset();
      expect(await run(['reconcile', '--since', '2h', '--team', 'eng'], { SCOPEKEEPER_MODE: 'shadow' })).toBe(0);
      expect(stdout).toContain('Shadow mode');
      expect(linear.operations().filter((o) => o.query.trimStart().startsWith('mutation'))).toEqual([]);
      expect(linear.issue(idOf(5))?.stateId).toBe('st-done');
      await withStore(async (store) => {
        const bypasses = (await historyOf(store)).filter((r) => r.kind === 'closure_bypassed');
        expect(bypasses).toMatchObject([{ deliverableId: idOf(5), data: { action: 'recorded' } }]);
      });
    });

    it('with --all gives every existing issue its status comment, and the label when it has no criteria, page by page, and resumes where it stopped', async () => {
      const statusOf = (n: number) => linear.comments(idOf(n)).filter((c) => c.body.startsWith('**Scopekeeper: where'));
      const labelled = (n: number) => (linear.issue(idOf(n))?.labelIds ?? []).some((id) => linear.labels().find((l) => l.id === id)?.name === 'needs acceptance criteria');
      const pending = () => withStore(async (store) => (await sql<{ n: number }>`select count(*)::int as n from linear_outbox where status = 'pending'`.execute(store.database)).rows[0]!.n);

      // Linear goes away once the first page is read: its sends wait in the outbox, the second page fails.
      const poll = setInterval(() => {
        if (linear.operations().some((o) => o.operationName === 'issues')) void linear.outage('server-error');
      }, 5);
      const stopped = await run(['reconcile', '--all', '--team', 'ENG']);
      clearInterval(poll);
      await linear.outage(null);
      expect(stopped).toBe(1);
      expect(stdout).toContain('ENG: 50 issues read, 50 updated, ');
      expect(stderr).toContain('scopekeeper reconcile stopped');
      const waiting = await pending();
      expect(waiting).toBeGreaterThanOrEqual(50);

      stdout = '';
      linear.reset();
      expect(await run(['reconcile', '--all', '--team', 'ENG'])).toBe(0);
      expect(stdout).toContain('ENG: resuming the backfill after 50 issues read before.');
      expect(stdout).toContain(`ENG: ${ISSUE_COUNT} issues read, ${ISSUE_COUNT} updated`);
      expect(stdout).toContain('; done.');
      // The resumed run starts after the first page: it reads two pages, not three.
      expect(linear.operations().filter((o) => o.operationName === 'issues')).toHaveLength(2);
      // Every issue has its status comment now, the first page's sent from the outbox, and the label when it has no criteria.
      const numbers = [...Array(ISSUE_COUNT).keys()].map((i) => i + 1);
      expect(numbers.filter((n) => statusOf(n).length !== 1)).toEqual([]);
      expect(numbers.filter(labelled)).toEqual(numbers.filter((n) => n % 10 === 0));
      expect(await pending()).toBe(0);

      // Done: a new run starts over and finds nothing new to record or queue.
      stdout = '';
      expect(await run(['reconcile', '--all', '--team', 'ENG'])).toBe(0);
      expect(stdout).not.toContain('resuming');
      expect(stdout).toContain(`ENG: read ${ISSUE_COUNT} issues in all; updated 0 deliverables, recorded 0 scope changes and 0 closures, queued 0 actions.`);
    }, 240_000);

    it('asks for either --since or --all', async () => {
      expect(await run(['reconcile', '--team', 'ENG'])).toBe(2);
      expect(stderr).toContain('needs either --since <time> (what the webhooks missed lately) or --all (every issue, the backfill), not both.');
      expect(await run(['reconcile', '--all', '--since', '2h'])).toBe(2);
    });

    it('explains what --since accepts when it is neither a time nor a duration', async () => {
      expect(await run(['reconcile', '--since', 'yesterday'])).toBe(2);
      expect(stderr).toContain('neither an ISO time');
    });
  });

  it('names LINEAR_API_KEY and touches no data when the key is missing', async () => {
    const emptyDir = await mkdtemp(path.join(tmpdir(), 'scopekeeper-cli-empty-'));
    try {
      const code = await runCli([...BASELINE_ARGS], {
        env: { SCOPEKEEPER_DATA_DIR: emptyDir, LINEAR_API_URL: linear.url },
        stdout: (text) => (stdout += text),
        stderr: (text) => (stderr += text),
      });
      expect(code).toBe(2);
      expect(stderr).toContain('LINEAR_API_KEY');
      expect(await readdir(emptyDir)).toEqual([]);
      expect(linear.operations()).toEqual([]);
    } finally {
      await rm(emptyDir, { recursive: true, force: true });
    }
  });

  it('runs from bin/scopekeeper.js, the launcher npx uses', () => {
    const root = path.resolve(__dirname, '../..');
    const result = spawnSync(process.execPath, [path.join(root, 'bin/scopekeeper.js'), 'reconcile', '--since', '24h'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', SCOPEKEEPER_DATA_DIR: dataDir },
      timeout: 30_000,
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('scopekeeper reconcile reads issues from Linear, so it needs LINEAR_API_KEY');
  });
});
