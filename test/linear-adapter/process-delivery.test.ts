import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { closurePolicySchema, type ClosurePolicy, type HistoryRecord } from '../../src/core/schemas';
import { openStore } from '../../src/store/open-store';
import type { SqlStore } from '../../src/store/sql-store';
import type { LinearGateway, LinearIssue, LinearUser } from '../../linear-adapter/gateway/gateway-types';
import type { LinearAction } from '../../linear-adapter/gateway/linear-action';
import { cacheScopeSettings, SETTINGS_CACHE_TTL_MS, type ScopeSettingsCache } from '../../linear-adapter/decide/cache-scope-settings';
import { processDelivery, type ProcessDeliveryDeps } from '../../linear-adapter/decide/process-delivery';
import { openQueueStore, type SqlQueueStore } from '../../linear-adapter/queue/queue-store';
import type { QueueStore } from '../../linear-adapter/queue/queue-types';
import { readLinearPayload, type LinearPayloadName } from '../fixtures/linear';
import { openPostgresTestStore } from '../support/open-postgres-test-store';

// The real tagger, counted: the status comment's hints must not tag unchanged criteria again.
const mockTaggerCalls = { count: 0 };
jest.mock('../../src/hints/load-tagger', () => {
  const actual = jest.requireActual<typeof import('../../src/hints/load-tagger')>('../../src/hints/load-tagger');
  return {
    loadTagger: () => {
      const tagger = actual.loadTagger();
      return (text: string) => {
        mockTaggerCalls.count += 1;
        return tagger(text);
      };
    },
  };
});

// processDelivery against the real SqlStore and SqlQueueStore (PGlite always, PostgreSQL when
// TEST_DATABASE_URL is set), with the real payloads and a fake gateway for fetchIssue/fetchUser.

type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const fixture = (name: LinearPayloadName): Body => readLinearPayload(name) as Body;

const T0 = Date.parse('2026-06-25T10:00:00.000Z');
const at = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();
const VIEWER = 'user-scopekeeper';
const CRITERIA_MD = '## Acceptance criteria\n- [ ] A signed-in customer sees their open invoices\n- [ ] Paying an invoice shows a receipt within 5 seconds';
const EDITED_MD = '## Acceptance criteria\n- [ ] A signed-in customer sees their open and overdue invoices\n- [ ] Paying an invoice shows a receipt within 5 seconds';

const created = fixture('issueCreate');
const ISSUE_ID = created.data.id as string;
const TEAM_ID = created.data.teamId as string;
const SCOPE = `linear:${TEAM_ID}`;
const TODO_STATE = created.data.state.id as string;
const ana: LinearUser = { id: 'user-ana', name: 'Ana Silva', email: 'ana@client.example' };
const dev = created.actor as { id: string; name: string; email: string };

/** The Issue create payload for an issue whose description holds `description`. */
function issueCreate(description: string): Body {
  const body = fixture('issueCreate');
  body.data.description = description;
  return body;
}

/** The state change payload, applied to the created issue: moved from Todo into `state`. */
function issueMovedTo(state: { id: string; name: string; type: string }, description = CRITERIA_MD): Body {
  const body = fixture('issueStateChange');
  Object.assign(body.data, { id: ISSUE_ID, identifier: 'ENG-580', teamId: TEAM_ID, description, state, stateId: state.id });
  body.updatedFrom = { stateId: TODO_STATE, updatedAt: created.data.updatedAt };
  return body;
}
const DONE = { id: 'state-done', name: 'Done', type: 'completed' };

/** The description edit payload, applied to the created issue. */
function descriptionEdit(from: string, to: string): Body {
  const body = fixture('issueDescriptionEdit');
  Object.assign(body.data, { id: ISSUE_ID, identifier: 'ENG-580', teamId: TEAM_ID, description: to, team: created.data.team });
  body.updatedFrom = { description: from, updatedAt: created.data.updatedAt };
  return body;
}

/** The documented Comment create payload, on the created issue, by `userId`. */
function commentBy(userId: string, text: string, id: string = randomUUID()): Body {
  const body = fixture('commentCreate');
  Object.assign(body.data, { id, body: text, issueId: ISSUE_ID, userId });
  return body;
}

function fakeGateway(users: LinearUser[], issues: LinearIssue[] = []): LinearGateway & { calls: string[] } {
  const calls: string[] = [];
  const unused = (name: string) => () => Promise.reject(new Error(`${name} is not used by processing`));
  return {
    calls,
    fetchViewer: () => Promise.resolve({ id: VIEWER, name: 'Scopekeeper', email: null }),
    fetchIssue: (id) => {
      calls.push(`fetchIssue ${id}`);
      return Promise.resolve(issues.find((i) => i.id === id) ?? null);
    },
    fetchUser: (id) => {
      calls.push(`fetchUser ${id}`);
      return Promise.resolve(users.find((u) => u.id === id) ?? null);
    },
    listTeamIssues: unused('listTeamIssues'),
    findTeam: unused('findTeam'),
    send: unused('send'),
  };
}

interface Backend {
  store: SqlStore;
  cleanup: () => Promise<void>;
}

function describeProcessing(name: string, open: () => Promise<Backend>): void {
  describe(`processDelivery on ${name}`, () => {
    let backend: Backend;
    let store: SqlStore;
    let queue: SqlQueueStore;
    let logs: Record<string, unknown>[];
    let clock: number;
    let deliveries: number;
    let settingsCache: ScopeSettingsCache;
    let settingsReads: number;

    beforeAll(async () => {
      backend = await open();
      store = backend.store;
      queue = await openQueueStore(store);
    });
    afterAll(() => backend.cleanup());
    beforeEach(async () => {
      // One database for the file; every test starts from empty tables.
      for (const table of ['linear_inbox', 'linear_outbox', 'change_reasons', 'history', 'history_heads', 'baselines', 'deliverables', 'scope_settings']) {
        await sql`delete from ${sql.table(table)}`.execute(store.database);
      }
      logs = [];
      clock = 0;
      deliveries = 0;
      settingsReads = 0;
      // The settings cache on the test's clock (one second per delivery), counting the store reads.
      settingsCache = cacheScopeSettings(
        (scopeId) => {
          settingsReads += 1;
          return store.readScopeSettings(scopeId);
        },
        { now: () => T0 + clock * 1000 },
      );
    });

    const policy: ClosurePolicy = closurePolicySchema.parse({ approverUserIds: [ana.email], doneStateNames: [], doneStateTypes: ['completed'] });
    const deps = (over: Partial<ProcessDeliveryDeps> = {}): ProcessDeliveryDeps => ({
      store,
      queue,
      gateway: fakeGateway([ana]),
      settings: { policy, mode: 'enforce' },
      log: (entry) => logs.push(entry),
      now: () => at(clock),
      viewerId: VIEWER,
      settingsCache,
      ...over,
    });

    /** Stores a delivery as ingress does, then claims and processes it. */
    async function deliver(body: Body, over: Partial<ProcessDeliveryDeps> = {}, deliveryId = `delivery-${++deliveries}`) {
      clock += 1;
      await queue.enqueueDelivery({
        deliveryId,
        receivedAt: at(clock),
        eventType: body.type as string,
        action: body.action as string,
        orderingKey: body.type === 'Comment' ? (body.data.issueId as string) : (body.data.id as string),
        rawBody: JSON.stringify(body),
      });
      const [claimed, ...more] = await queue.claimDeliveries(10, at(clock));
      expect(more).toEqual([]);
      return processDelivery(claimed!, deps(over));
    }

    /** Every action waiting in the outbox, in the order it was decided, marked sent as a sender would. */
    async function outbox(): Promise<LinearAction[]> {
      const actions: LinearAction[] = [];
      // The outbox hands out one action per issue at a time, so drain it round by round.
      for (let round = 0; round < 100; round += 1) {
        const due = await queue.claimDueActions(100, at(10_000 + round));
        if (due.length === 0) break;
        for (const entry of due) {
          actions.push(entry.action);
          await queue.markActionSent(entry.action.id, at(10_000 + round));
        }
      }
      return actions;
    }

    async function history(): Promise<HistoryRecord[]> {
      const records: HistoryRecord[] = [];
      for await (const record of store.readHistory(SCOPE)) records.push(record);
      return records;
    }

    it('reverts a closure without sign-off: one revert, one short reply pointing at the status comment, and the refusal in history', async () => {
      await deliver(issueCreate(CRITERIA_MD));
      await outbox();
      const result = await deliver(issueMovedTo(DONE));
      expect(result).toEqual({ outcome: 'closure_refused', actions: 3, withheld: 0, records: 1 });
      const actions = await outbox();
      expect(actions).toEqual([
        { type: 'set_state', id: expect.any(String), issueId: ISSUE_ID, stateId: TODO_STATE },
        { type: 'comment_update', id: expect.any(String), issueId: ISSUE_ID, commentId: expect.any(String), body: expect.stringContaining('- An approver signs off the criteria.') },
        {
          type: 'comment',
          id: expect.any(String),
          issueId: ISSUE_ID,
          body: expect.stringContaining('status comment'),
          // Sent after the revert; if Linear refuses the revert, this text says so instead.
          after: { actionId: actions[0]!.id, bodyIfRefused: expect.stringContaining('Linear refused the change, so it is still in Done') },
        },
      ]);
      expect((await history()).map((r) => r.kind)).toEqual(['closure_refused']);
      expect(await queue.inboxBacklog()).toBe(0);
    });

    it('allows the same closure after an approver’s /signoff and acts on nothing', async () => {
      await deliver(issueCreate(CRITERIA_MD));
      const signed = await deliver(commentBy(ana.id, 'Reviewed with the team.\n/signoff'));
      expect(signed.outcome).toBe('commands_processed');
      expect((await outbox()).filter((a) => a.type === 'comment').map((a) => a.type === 'comment' && a.body)).toEqual([
        expect.stringContaining('Signed off by Ana Silva: 2 acceptance criteria'),
      ]);

      const closed = await deliver(issueMovedTo(DONE));
      expect(closed).toMatchObject({ outcome: 'closure_allowed', actions: 0 });
      expect(await outbox()).toEqual([]);
      expect((await history()).map((r) => r.kind)).toEqual(['signoff_recorded', 'closure_allowed']);
    });

    /** Settings as the console stores them for the team (written here directly, as a damaged row would be). */
    async function storeTeamSettings(settings: unknown): Promise<void> {
      await sql`insert into scope_settings (scope_id, version, settings, updated_at) values (${SCOPE}, 1, ${JSON.stringify(settings)}::jsonb, ${at(0)})`.execute(store.database);
    }

    it('applies the team’s own approvers from the console instead of the environment’s', async () => {
      await storeTeamSettings({ approvers: ['lead@client.example'], doneStateTypes: ['completed'], requireAllMet: false, forbidSelfSignOff: true });
      await deliver(issueCreate(CRITERIA_MD));
      await outbox();
      const signed = await deliver(commentBy(ana.id, '/signoff'));
      expect(signed.outcome).toBe('commands_processed');
      expect((await history()).map((r) => r.kind)).toEqual(['signoff_refused']);
      expect(await deliver(issueMovedTo(DONE))).toMatchObject({ outcome: 'closure_refused' });
    });

    it('refuses a closure, naming the team settings, when the stored settings do not read, and keeps commands waiting', async () => {
      await storeTeamSettings({ approvers: 'ana@client.example' });
      await deliver(issueCreate(CRITERIA_MD));
      await outbox();
      expect(await deliver(issueMovedTo(DONE))).toMatchObject({ outcome: 'closure_refused' });
      const refusal = (await history()).find((r) => r.kind === 'closure_refused');
      expect(JSON.stringify(refusal?.data)).toContain('team settings approvers');
      // A command is not decided on settings nobody can read: it fails, to be retried once they are fixed.
      await expect(deliver(commentBy(ana.id, '/signoff'))).rejects.toThrow(/the team's settings cannot be read .*approvers/);
      expect((await history()).map((r) => r.kind)).toEqual(['closure_refused']);
      expect(logs).toEqual(expect.arrayContaining([expect.objectContaining({ level: 'error', msg: expect.stringContaining('team settings cannot be read') })]));
    });

    it('reads the team’s settings once for several deliveries, and sees another instance’s change once the cached copy is old', async () => {
      await deliver(issueCreate(CRITERIA_MD));
      await deliver(commentBy(ana.id, '/signoff'));
      await deliver(descriptionEdit(CRITERIA_MD, EDITED_MD));
      expect(settingsReads).toBe(1);
      // Another instance makes Lead the only approver; once the cached copy is older than the bound, this one applies it.
      await storeTeamSettings({ approvers: ['lead@client.example'], doneStateTypes: ['completed'], requireAllMet: false, forbidSelfSignOff: true });
      clock += SETTINGS_CACHE_TTL_MS / 1000;
      await deliver(commentBy(ana.id, '/signoff'));
      expect(settingsReads).toBe(2);
      expect((await history()).map((r) => r.kind)).toContain('signoff_refused');
    });

    const CLOSURE_SETTINGS = { approvers: ['ana@client.example'], doneStateTypes: ['completed'], requireAllMet: false, forbidSelfSignOff: true };
    const statusOf = (actions: LinearAction[]): string => actions.flatMap((a) => (a.type === 'comment_update' ? [a.body] : [])).join('\n');
    it.each([
      ['shows the built-in hint', {}, 'The invoice export is fast', '“fast” cannot be tested', true],
      ['shows a hint for a word the team added to its vague words', { vagueWords: ['snappy'] }, 'The invoice export is snappy', '“snappy” is on your team’s list of vague words', true],
      ['shows no hint for a word the team accepts', { silencedWords: ['fast'] }, 'The invoice export is fast', '“fast”', false],
      ['shows no hint under a rule the team switched off', { vagueWords: ['snappy'], disabledRules: ['INCOSE-R7'] }, 'The invoice export is snappy', '“snappy”', false],
    ])('%s in the status comment, with the team’s wording rules %j', async (_what, vocabulary, criterion, hint, shown) => {
      await storeTeamSettings({ ...CLOSURE_SETTINGS, vocabulary });
      await deliver(issueCreate(`## Acceptance criteria\n- [ ] ${criterion}\n- [ ] Paying an invoice shows a receipt within 5 seconds`));
      const status = statusOf(await outbox());
      expect(status).toContain('**Acceptance criteria:** 2 in the description');
      if (shown) expect(status).toContain(`Criterion 1 (“${criterion}”): ${hint}`);
      else expect(status).not.toContain(hint);
    });

    it('tags the criteria for the status comment once, however many deliveries leave them unchanged', async () => {
      // Criteria of this backend's run alone: the service's hint cache lives as long as the module.
      const described = `## Acceptance criteria\n- [ ] The quarterly ledger page is quick\n- [ ] The ledger export lists every entry of the quarter from ${name}`;
      const start = mockTaggerCalls.count;
      await deliver(issueCreate(described));
      expect(statusOf(await outbox())).toContain('“quick” cannot be tested');
      const first = mockTaggerCalls.count - start;
      expect(first).toBeGreaterThan(0);
      await deliver(commentBy(ana.id, '/signoff'));
      await deliver(issueMovedTo(DONE, described));
      await deliver(commentBy(dev.id, '/scope-reason nothing changed'));
      expect(statusOf(await outbox())).toContain('**Sign-off:** by Ana Silva');
      expect(mockTaggerCalls.count - start).toBe(first);
      // New criteria are tagged: the count moves when it should.
      await deliver(descriptionEdit(described, `${described}\n- [ ] The ledger page is fast`));
      expect(mockTaggerCalls.count - start).toBeGreaterThan(first);
    });

    it('reads the comment author’s email through the gateway to recognise an approver listed by email', async () => {
      await deliver(issueCreate(CRITERIA_MD));
      const gateway = fakeGateway([ana]);
      await deliver(commentBy(ana.id, '/signoff'), { gateway });
      expect(gateway.calls).toContain(`fetchUser ${ana.id}`);
      const stored = await store.getDeliverable('linear', ISSUE_ID);
      expect(stored?.state.signOff?.signer).toEqual(ana);
    });

    it('records a description change after /baseline as an undocumented scope change 1.1, shows it and the stale sign-off in the status comment, and /scope-reason documents it', async () => {
      await deliver(issueCreate(CRITERIA_MD));
      await deliver(commentBy(ana.id, '/baseline SRS v1.0\n/signoff'));
      await outbox();

      const edited = await deliver(descriptionEdit(CRITERIA_MD, EDITED_MD));
      expect(edited.outcome).toBe('scope_changed');
      const records = await history();
      expect(records.map((r) => [r.kind, r.scopeVersion])).toEqual([
        ['baseline_created', '1.0'],
        ['signoff_recorded', '1.0'],
        ['scope_changed', '1.1'],
        ['signoff_stale', '1.1'],
      ]);
      expect((await store.queryHistory({ scopeId: SCOPE, undocumentedOnly: true })).records).toHaveLength(1);
      const [notice, ...others] = await outbox();
      expect(others).toEqual([]);
      expect(notice?.type === 'comment_update' && notice.body).toContain('the one by Ana Silva on 25 Jun 2026 no longer counts');
      expect(notice?.type === 'comment_update' && notice.body).toContain('**Waiting for a reason:** this change is not explained yet.');

      await deliver(commentBy(dev.id, '/scope-reason Client asked to include overdue invoices'));
      expect((await store.queryHistory({ scopeId: SCOPE, undocumentedOnly: true })).records).toEqual([]);
      const [status, reply] = await outbox();
      expect(reply?.type === 'comment' && reply.body).toContain('the reason is now attached to the change');
      expect(status?.type === 'comment_update' && status.body).not.toContain('Waiting for a reason');
    });

    it('in shadow mode records everything and logs the actions instead of storing them for sending', async () => {
      const shadow = { settings: { policy, mode: 'shadow' as const }, gateway: null };
      await deliver(issueCreate(''), shadow);
      const result = await deliver(issueMovedTo(DONE, ''), shadow);
      expect(result).toMatchObject({ outcome: 'closure_bypassed', actions: 0, withheld: 4 });
      expect(await outbox()).toEqual([]);
      expect((await history()).map((r) => r.kind)).toEqual(['closure_bypassed']);
      expect(logs.filter((l) => l.msg === 'shadow mode: action not sent').map((l) => (l.action as LinearAction).type)).toEqual([
        'comment_update', 'add_label', 'set_state', 'comment_update', 'comment', 'add_label',
      ]);
    });

    it('answers a command without a gateway from the stored deliverable’s scope, knowing the author by id', async () => {
      const byId = closurePolicySchema.parse({ approverUserIds: [ana.id], doneStateNames: [], doneStateTypes: ['completed'] });
      const noKey = { gateway: null, settings: { policy: byId, mode: 'enforce' as const } };
      await deliver(issueCreate(CRITERIA_MD), noKey);
      const result = await deliver(commentBy(ana.id, '/signoff'), noKey);
      expect(result.outcome).toBe('commands_processed');
      expect((await history()).map((r) => r.kind)).toEqual(['signoff_recorded']);
      expect(logs).toContainEqual(expect.objectContaining({ msg: 'comment author known by id only (no LINEAR_API_KEY)' }));
    });

    it('reads an issue it has not stored through the gateway before acting on a command', async () => {
      const issue: LinearIssue = {
        id: ISSUE_ID, identifier: 'ENG-580', title: 'test issue', description: CRITERIA_MD, teamId: TEAM_ID, teamKey: 'ENG',
        state: { id: TODO_STATE, name: 'Todo', type: 'unstarted' }, assigneeId: null, labels: [], updatedAt: at(0),
      };
      await deliver(commentBy(ana.id, '/signoff'), { gateway: fakeGateway([ana], [issue]) });
      const stored = await store.getDeliverable('linear', ISSUE_ID);
      expect(stored?.state).toMatchObject({ scopeId: SCOPE, key: 'ENG-580', signOff: expect.objectContaining({ signer: ana }) });
    });

    it('throws, leaving the delivery pending for a retry, when Linear fails and the issue is unknown', async () => {
      const gateway = { ...fakeGateway([ana]), fetchIssue: () => Promise.reject(new Error('Linear API timed out')) };
      await expect(deliver(commentBy(ana.id, '/signoff'), { gateway })).rejects.toThrow('Linear API timed out');
      expect(await queue.inboxBacklog()).toBe(1);
      expect(await history()).toEqual([]);
    });

    it('never reacts to changes Scopekeeper made: its own user’s changes and the comments it created', async () => {
      await deliver(issueCreate(CRITERIA_MD));
      await outbox();
      const own = issueMovedTo(DONE);
      own.actor = { id: VIEWER, name: 'Scopekeeper', type: 'user' };
      expect((await deliver(own)).outcome).toBe('own_change');

      const reply: LinearAction = { type: 'comment', id: randomUUID(), issueId: ISSUE_ID, body: '/signoff' };
      await queue.enqueueActions([reply], null, at(0));
      await outbox();
      expect((await deliver(commentBy(ana.id, '/signoff', reply.id))).outcome).toBe('own_change');
      expect(await history()).toEqual([]);
      expect(await outbox()).toEqual([]);
    });

    it('decides again on fresh data when a concurrent writer changed the deliverable first', async () => {
      await deliver(issueCreate(CRITERIA_MD));
      // Between this delivery's reads and its write, an approver's sign-off lands.
      let raced = false;
      const racing: QueueStore = Object.create(queue) as QueueStore;
      racing.completeDelivery = async (input) => {
        if (!raced) {
          raced = true;
          await processDelivery((await claimOne(commentBy(ana.id, '/signoff'), 'delivery-race'))!, deps());
        }
        return queue.completeDelivery(input);
      };
      const closed = await deliver(issueMovedTo(DONE), { queue: racing });
      expect(closed.outcome).toBe('closure_allowed');
      expect((await history()).map((r) => r.kind)).toEqual(['signoff_recorded', 'closure_allowed']);
      expect(logs).toContainEqual(expect.objectContaining({ msg: 'concurrent write; deciding again', code: 'VERSION_CONFLICT' }));
    });

    it('completes a delivery of an event type it does not handle as ignored', async () => {
      const body = { ...fixture('commentCreate'), type: 'Reaction' };
      expect(await deliver(body)).toEqual({ outcome: 'ignored', actions: 0, withheld: 0, records: 0 });
      expect(await queue.inboxBacklog()).toBe(0);
    });

    /** Enqueues a delivery on another issue key and claims it, for racing another delivery. */
    async function claimOne(body: Body, deliveryId: string) {
      await queue.enqueueDelivery({
        deliveryId, receivedAt: at(clock), eventType: body.type as string, action: body.action as string, orderingKey: `race-${deliveryId}`,
        rawBody: JSON.stringify(body),
      });
      return (await queue.claimDeliveries(10, at(clock))).find((d) => d.deliveryId === deliveryId);
    }
  });
}

describeProcessing('PGlite', async () => {
  const store = await openStore({ dataDir: 'memory://' });
  return { store, cleanup: () => store.close() };
});

const databaseUrl = process.env.TEST_DATABASE_URL;
if (databaseUrl) {
  describeProcessing('PostgreSQL', () => openPostgresTestStore(databaseUrl, 'process'));
} else {
  it.skip('processDelivery on PostgreSQL: set TEST_DATABASE_URL to run', () => undefined);
}
