import { sql } from 'kysely';
import * as decide from '../../src/core/decide-deliverable-event';
import { closurePolicySchema, type HistoryRecord, type ServiceMode } from '../../src/core/schemas';
import type { ScopeStore } from '../../src/core/store';
import { handleIssueEvent } from '../../src/forge/entry/handle-issue-event';
import { validateClosure } from '../../src/forge/entry/validate-closure';
import { openStore } from '../../src/store/open-store';
import type { SqlStore } from '../../src/store/sql-store';
import type { LinearGateway, LinearIssue, LinearUser, LinearWorkflowState } from '../../linear-adapter/gateway/gateway-types';
import { linearScopeId } from '../../linear-adapter/decide/linear-scope-id';
import { processDelivery } from '../../linear-adapter/decide/process-delivery';
import { openQueueStore, type SqlQueueStore } from '../../linear-adapter/queue/queue-store';
import { runBaselineCommand } from '../../linear-adapter/commands/run-baseline-command';
import { runReconcileCommand } from '../../linear-adapter/commands/run-reconcile-command';
import { buildValidatorPayload, readJiraPayload, type JiraIssueEvent } from '../fixtures/jira';
import { readLinearPayload } from '../fixtures/linear';
import { createInvoker, expectOk, testDeps } from '../forge/forge-harness';
import { installForgeApiMock, PEOPLE, PROJ, STATUS, type FakeJira, type FakeStatus } from '../mocks/forge-api';
import { installForgeKvsMock } from '../mocks/forge-kvs';

jest.mock('@forge/kvs', () => jest.requireActual('../mocks/forge-kvs').mockForgeKvsModule());
jest.mock('@forge/api', () => jest.requireActual('../mocks/forge-api').mockForgeApiModule());

// One table of scenarios, run through every route a platform event takes: the Jira trigger and
// validator (Forge stand-ins), the Linear webhook (processDelivery on PGlite) and `reconcile`.
// Each route must leave the same history records, reach the same verdict and do the same on the
// platform: the rules live in the core (decideDeliverableEvent), so the routes cannot drift.
// The setup goes through each platform's ordinary channels (Jira: the issue panel, project page
// and trigger; Linear: webhooks and comment commands); only the steps of `event` take the route.

type Step =
  /** `plain`: written in the description as a plain "Acceptance criteria:" line and a numbered list, read from there. */
  | { criteria: string[]; plain?: true }
  | { signOff: true }
  /** The approver who signed off becomes the assignee. */
  | { assignSigner: true }
  | { baseline: string }
  | { close: 'Done' | 'Closed' }
  | { remove: true };

type Route = 'jira-trigger' | 'jira-validator' | 'linear-webhook' | 'linear-reconcile';

interface Observed {
  /** The scope's history, one line per record (configuration records aside). */
  records: string[];
  /** The gate's verdict on the event: "allowed", "refused CODES", or null when the event is no closure. */
  verdict: string | null;
  /** What happened on the platform because of the event. */
  acted: string[];
  /** The active baseline afterwards: name, then each deliverable's criteria. */
  baseline: string[] | null;
}

interface Scenario {
  name: string;
  settings?: { forbidSelfSignOff?: boolean; mode?: ServiceMode };
  setup: Step[];
  event: Step[];
  expected: Observed;
  /** Routes the event cannot take. */
  notOn?: Route[];
}

const CRITERIA = ['Given an invoice, when I export it, then a PDF downloads', 'The PDF shows the invoice number'];
const REWORDED = ['Given an invoice, when I export it, then a PDF downloads within 5 seconds', 'The PDF shows the invoice number'];

const scenarios: Scenario[] = [
  {
    name: 'no criteria',
    setup: [{ criteria: [] }],
    event: [{ close: 'Done' }],
    expected: { records: ['closure_refused NO_CRITERIA,NO_SIGNOFF'], verdict: 'refused NO_CRITERIA,NO_SIGNOFF', acted: ['moved back', 'comment'], baseline: null },
  },
  {
    name: 'stale sign-off',
    setup: [{ criteria: CRITERIA }, { signOff: true }, { criteria: REWORDED }],
    event: [{ close: 'Done' }],
    expected: {
      records: ['signoff_recorded', 'signoff_stale', 'closure_refused SIGNOFF_STALE'],
      verdict: 'refused SIGNOFF_STALE',
      acted: ['moved back', 'comment'],
      baseline: null,
    },
  },
  {
    name: 'self sign-off',
    settings: { forbidSelfSignOff: true },
    setup: [{ criteria: CRITERIA }, { signOff: true }, { assignSigner: true }],
    event: [{ close: 'Done' }],
    expected: { records: ['signoff_recorded', 'closure_refused SELF_SIGNOFF'], verdict: 'refused SELF_SIGNOFF', acted: ['moved back', 'comment'], baseline: null },
  },
  {
    name: 'shadow mode',
    settings: { mode: 'shadow' },
    setup: [{ criteria: CRITERIA }],
    event: [{ close: 'Done' }],
    expected: { records: ['closure_bypassed recorded NO_SIGNOFF'], verdict: 'refused NO_SIGNOFF', acted: [], baseline: null },
  },
  {
    name: 'done → closed',
    setup: [{ criteria: CRITERIA }, { signOff: true }, { close: 'Done' }, { criteria: REWORDED }],
    event: [{ close: 'Closed' }],
    expected: { records: ['signoff_recorded', 'closure_allowed', 'signoff_stale'], verdict: null, acted: [], baseline: null },
  },
  {
    name: 'reworded criterion after baseline',
    setup: [{ criteria: CRITERIA }, { signOff: true }, { baseline: 'SRS v1.0' }],
    event: [{ criteria: REWORDED }, { close: 'Done' }],
    expected: {
      records: ['signoff_recorded', 'baseline_created 1.0', 'scope_changed criterion_modified 1.1', 'signoff_stale', 'closure_refused SIGNOFF_STALE'],
      verdict: 'refused SIGNOFF_STALE',
      acted: ['moved back', 'comment'],
      baseline: ['SRS v1.0', ...CRITERIA],
    },
  },
  {
    name: 'reworded criterion in a plain numbered list',
    setup: [{ criteria: CRITERIA, plain: true }, { signOff: true }, { baseline: 'SRS v1.0' }],
    event: [{ criteria: REWORDED, plain: true }, { close: 'Done' }],
    expected: {
      records: ['signoff_recorded', 'baseline_created 1.0', 'scope_changed criterion_modified 1.1', 'signoff_stale', 'closure_refused SIGNOFF_STALE'],
      verdict: 'refused SIGNOFF_STALE',
      acted: ['moved back', 'comment'],
      baseline: ['SRS v1.0', ...CRITERIA],
    },
  },
  {
    name: 'deletion',
    setup: [{ criteria: CRITERIA }, { baseline: 'SRS v1.0' }],
    event: [{ remove: true }],
    expected: { records: ['baseline_created 1.0', 'scope_changed deliverable_removed 1.1'], verdict: null, acted: [], baseline: ['SRS v1.0', ...CRITERIA] },
    // A read of recently updated issues cannot see a deleted one; a validator never sees a deletion.
    notOn: ['linear-reconcile', 'jira-validator'],
  },
  {
    name: 're-baseline',
    setup: [{ criteria: CRITERIA }, { baseline: 'SRS v1.0' }, { criteria: REWORDED }],
    event: [{ baseline: 'SRS v2.0' }],
    expected: {
      records: ['baseline_created 1.0', 'scope_changed criterion_modified 1.1', 'baseline_created 2.0'],
      verdict: null,
      acted: [],
      baseline: ['SRS v2.0', ...REWORDED],
    },
    // On Linear's command line the baseline is `scopekeeper baseline`; a validator never takes one.
    notOn: ['jira-validator'],
  },
];

/** A veto records nothing and moves nothing: the move never happens, so the event's closure record is not there. */
function expectedOn(route: Route, expected: Observed): Observed {
  if (route !== 'jira-validator' || expected.verdict === null) return expected;
  const last = expected.records[expected.records.length - 1];
  const records = last?.startsWith('closure_') ? expected.records.slice(0, -1) : expected.records;
  return { ...expected, records, acted: expected.verdict.startsWith('refused') ? ['vetoed'] : [] };
}

function describeRecord(record: HistoryRecord): string | null {
  switch (record.kind) {
    case 'settings_changed':
      return null;
    case 'baseline_created':
      return `baseline_created ${record.scopeVersion}`;
    case 'scope_changed':
      return `scope_changed ${record.data.kind} ${record.scopeVersion}`;
    case 'closure_refused':
      return `closure_refused ${record.data.reasons.map((r) => r.code).join(',')}`;
    case 'closure_bypassed':
      return `closure_bypassed ${record.data.action} ${record.data.reasons.map((r) => r.code).join(',')}`;
    default:
      return record.kind;
  }
}

async function readRecords(store: Pick<ScopeStore, 'readHistory'>, scopeId: string): Promise<string[]> {
  const lines: string[] = [];
  for await (const record of store.readHistory(scopeId)) {
    const line = describeRecord(record);
    if (line !== null) lines.push(line);
  }
  return lines;
}

async function readBaseline(store: Pick<ScopeStore, 'getActiveBaseline'>, scopeId: string): Promise<string[] | null> {
  const baseline = await store.getActiveBaseline(scopeId);
  return baseline ? [baseline.name, ...baseline.deliverables.flatMap((d) => d.criteria.map((c) => c.text))] : null;
}

/** The verdicts the core reached while `run` ran: the last one on a closure, or null. */
async function watchVerdict(run: () => Promise<void>): Promise<string | null> {
  const spy = jest.spyOn(decide, 'decideDeliverableEvent');
  try {
    await run();
    const verdicts = spy.mock.results.flatMap((r) => (r.type === 'return' && r.value.verdict ? [r.value.verdict] : []));
    const last = verdicts[verdicts.length - 1];
    if (!last) return null;
    return last.allowed ? 'allowed' : `refused ${last.reasons.map((r) => r.code).join(',')}`;
  } finally {
    spy.mockRestore();
  }
}

// ---- Jira -------------------------------------------------------------------------------------

const { anna, ravi, pat } = PEOPLE;
const CATEGORY = {
  new: { id: 2, key: 'new', colorName: 'blue-gray', name: 'To Do' },
  indeterminate: { id: 4, key: 'indeterminate', colorName: 'yellow', name: 'In Progress' },
  done: { id: 3, key: 'done', colorName: 'green', name: 'Done' },
};
const statusJson = (s: FakeStatus) => ({ id: s.id, name: s.name, statusCategory: CATEGORY[s.category] });

/** The recorded status-change payload on PROJ-12, caused by Ravi, from -> to. */
function jiraStatusEvent(from: FakeStatus, to: FakeStatus): JiraIssueEvent {
  const event = readJiraPayload('issueUpdatedStatusWithIdAndTimestamp');
  event.atlassianId = ravi.accountId;
  event.issue.id = '10042';
  event.issue.key = 'PROJ-12';
  event.changelog = { ...event.changelog, id: `${from.id}-${to.id}-${Math.random()}`, items: [{ field: 'status', fieldtype: 'jira', fieldId: 'status', from: from.id, fromString: from.name, to: to.id, toString: to.name }] };
  Object.assign(event.issue.fields, {
    summary: 'Export invoices as PDF',
    project: { id: PROJ.id, key: PROJ.key, name: PROJ.name },
    issuetype: { name: 'Story' },
    status: statusJson(to),
  });
  event.associatedStatuses = [statusJson(to), statusJson(from)];
  return event;
}

/** A Jira description with a plain "Acceptance criteria:" paragraph and a numbered list. */
function plainAdf(texts: readonly string[]): unknown {
  const paragraph = (text: string) => ({ type: 'paragraph', content: [{ type: 'text', text }] });
  return {
    type: 'doc',
    version: 1,
    content: [paragraph('Context.'), paragraph('Acceptance criteria:'), { type: 'orderedList', attrs: { order: 1 }, content: texts.map((t) => ({ type: 'listItem', content: [paragraph(t)] })) }],
  };
}

async function runOnJira(scenario: Scenario, route: 'jira-trigger' | 'jira-validator'): Promise<Observed> {
  installForgeKvsMock();
  const jira: FakeJira = installForgeApiMock();
  const deps = testDeps();
  const invoke = createInvoker(deps);
  const settings = { approverRoles: ['Client approvers'], forbidSelfSignOff: scenario.settings?.forbidSelfSignOff ?? false, bypassPolicy: scenario.settings?.mode === 'shadow' ? 'record' : 'reopen' } as const;
  expectOk(await invoke('saveSettings', { settings }, pat.accountId, { project: true }));
  const issue = jira.issue('10042');
  const acted: string[] = [];

  const apply = async (step: Step, viaRoute: boolean): Promise<void> => {
    if ('criteria' in step) {
      const panel = expectOk(await invoke('getPanel', {}, ravi.accountId)).panel;
      let texts = step.criteria;
      if (step.plain) {
        // The panel's import reads the description; the user then saves what it found.
        issue.description = plainAdf(step.criteria);
        texts = expectOk(await invoke('importFromDescription', {}, ravi.accountId)).preview.criteria.map((c) => c.text);
      }
      const criteria = texts.map((text, i) => ({ id: panel.criteria[i]?.id ?? null, text, met: false }));
      expectOk(await invoke('saveCriteria', { criteria, reason: null, expectedVersion: panel.version }, ravi.accountId));
    } else if ('signOff' in step) {
      expectOk(await invoke('signOff', { note: null }, anna.accountId));
    } else if ('assignSigner' in step) {
      issue.assigneeId = anna.accountId;
    } else if ('baseline' in step) {
      expectOk(await invoke('createBaseline', { name: step.baseline }, anna.accountId, { project: true }));
    } else if ('close' in step) {
      const from = jira.statuses.get(issue.statusId) as FakeStatus;
      const to = step.close === 'Done' ? STATUS.done : STATUS.closed;
      if (viaRoute && route === 'jira-validator') {
        const result = await validateClosure(buildValidatorPayload({ key: 'PROJ-12', fromStatusId: from.id, toStatusId: to.id }), deps);
        if (!result.result) acted.push('vetoed');
        return;
      }
      const comments = issue.comments.length;
      issue.statusId = to.id;
      await handleIssueEvent(jiraStatusEvent(from, to), deps);
      if (viaRoute && issue.statusId === from.id) acted.push('moved back');
      if (viaRoute && issue.comments.length > comments) acted.push('comment');
    } else {
      const event = readJiraPayload('issueDeleted');
      event.issue.id = '10042';
      event.issue.key = 'PROJ-12';
      await handleIssueEvent(event, deps);
    }
  };

  for (const step of scenario.setup) await apply(step, false);
  const verdict = await watchVerdict(async () => {
    for (const step of scenario.event) await apply(step, true);
  });
  return { records: await readRecords(deps.store, PROJ.id), verdict, acted, baseline: await readBaseline(deps.store, PROJ.id) };
}

// ---- Linear -----------------------------------------------------------------------------------

type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const created = readLinearPayload('issueCreate') as Body;
const ISSUE_ID = created.data.id as string;
const TEAM = { id: created.data.teamId as string, key: 'ENG', name: 'Engineering' };
const SCOPE = linearScopeId(TEAM.id);
const VIEWER = 'user-scopekeeper';
const ana: LinearUser = { id: 'user-ana', name: 'Ana Silva', email: 'ana@client.example' };
const STATES: Record<'Todo' | 'Done' | 'Closed', LinearWorkflowState> = {
  Todo: { id: created.data.state.id as string, name: 'Todo', type: 'unstarted' },
  Done: { id: 'state-done', name: 'Done', type: 'completed' },
  Closed: { id: 'state-closed', name: 'Closed', type: 'completed' },
};
const T0 = Date.parse('2026-06-25T10:00:00.000Z');
const at = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();
const markdown = (texts: readonly string[]) => `Context.\n\n## Acceptance criteria\n${texts.map((t) => `- [ ] ${t}`).join('\n')}\n`;
const plainMarkdown = (texts: readonly string[]) => `Context.\nAcceptance criteria:\n${texts.map((t, i) => `${i + 1}. ${t}`).join('\n')}\n`;

let database: SqlStore;
let queue: SqlQueueStore;

async function runOnLinear(scenario: Scenario, route: 'linear-webhook' | 'linear-reconcile'): Promise<Observed> {
  for (const table of ['linear_inbox', 'linear_outbox', 'change_reasons', 'history', 'history_heads', 'baselines', 'deliverables']) {
    await sql`delete from ${sql.table(table)}`.execute(database.database);
  }
  const policy = closurePolicySchema.parse({
    approverUserIds: [ana.email],
    forbidSelfSignOff: scenario.settings?.forbidSelfSignOff ?? false,
    doneStateNames: [],
    doneStateTypes: ['completed'],
  });
  const mode = scenario.settings?.mode ?? 'enforce';
  let clock = 0;
  let deliveries = 0;
  const issue: LinearIssue = {
    id: ISSUE_ID, identifier: 'ENG-580', title: 'test issue', description: null, teamId: TEAM.id, teamKey: TEAM.key,
    state: STATES.Todo, assigneeId: null, labels: [], updatedAt: at(0),
  };
  const gateway: LinearGateway & { listWorkflowStates(teamId: string): Promise<LinearWorkflowState[]> } = {
    fetchViewer: () => Promise.resolve(ana),
    fetchIssue: () => Promise.resolve({ ...issue }),
    fetchUser: (id) => Promise.resolve(id === ana.id ? ana : null),
    listTeamIssues: () => Promise.resolve({ issues: [{ ...issue }], nextCursor: null }),
    findTeam: () => Promise.resolve(TEAM),
    listWorkflowStates: () => Promise.resolve(Object.values(STATES)),
    send: () => Promise.reject(new Error('nothing is sent in this test')),
  };

  const deliver = async (body: Body): Promise<void> => {
    clock += 1;
    await queue.enqueueDelivery({
      deliveryId: `delivery-${(deliveries += 1)}`, receivedAt: at(clock), eventType: body.type as string, action: body.action as string,
      orderingKey: ISSUE_ID, rawBody: JSON.stringify(body),
    });
    const [claimed] = await queue.claimDeliveries(10, at(clock));
    await processDelivery(claimed!, { store: database, queue, gateway, settings: { policy, mode }, log: () => undefined, now: () => at(clock), viewerId: VIEWER });
  };
  const issueEvent = (action: 'create' | 'update' | 'remove', updatedFrom: Record<string, unknown> | undefined): Body => {
    const body = readLinearPayload(action === 'create' ? 'issueCreate' : 'issueStateChange') as Body;
    body.action = action;
    Object.assign(body.data, {
      id: issue.id, identifier: issue.identifier, title: issue.title, teamId: TEAM.id, description: issue.description,
      state: issue.state, stateId: issue.state.id, assigneeId: issue.assigneeId, labels: [],
    });
    if (updatedFrom) body.updatedFrom = { ...updatedFrom, updatedAt: issue.updatedAt };
    else delete body.updatedFrom;
    return body;
  };
  const comment = (text: string): Body => {
    const body = readLinearPayload('commentCreate') as Body;
    Object.assign(body.data, { id: `comment-${(deliveries += 1)}`, body: text, issueId: ISSUE_ID, userId: ana.id });
    body.actor = { id: ana.id, name: ana.name, email: ana.email, type: 'user' };
    return body;
  };

  /** Applies a step to the issue in Linear; `deliver` false: its webhook is missed. */
  const apply = async (step: Step, send: boolean): Promise<void> => {
    if ('criteria' in step) {
      const first = issue.description === null;
      const before = issue.description;
      issue.description = step.criteria.length === 0 ? 'Context, criteria to follow.' : (step.plain ? plainMarkdown : markdown)(step.criteria);
      issue.updatedAt = at(clock + 1);
      if (send) await deliver(first ? issueEvent('create', undefined) : issueEvent('update', { description: before }));
    } else if ('signOff' in step) {
      await deliver(comment('/signoff'));
    } else if ('assignSigner' in step) {
      issue.assigneeId = ana.id;
      issue.updatedAt = at(clock + 1);
      if (send) await deliver(issueEvent('update', { assigneeId: null }));
    } else if ('baseline' in step) {
      if (send) await deliver(comment(`/baseline ${step.baseline}`));
      else {
        clock += 1;
        const result = await runBaselineCommand({ gateway, store: database, policy, teamKey: TEAM.key, name: step.baseline, now: at(clock), newId: () => `cli-${clock}-${Math.random()}` });
        expect(result).toMatchObject({ ok: true });
      }
    } else if ('close' in step) {
      const from = issue.state;
      issue.state = STATES[step.close];
      issue.updatedAt = at(clock + 1);
      if (send) await deliver(issueEvent('update', { stateId: from.id }));
    } else {
      if (send) await deliver(issueEvent('remove', undefined));
    }
  };
  const drainOutbox = async (): Promise<string[]> => {
    const acted: string[] = [];
    for (let round = 0; round < 20; round += 1) {
      const due = await queue.claimDueActions(100, at(100_000 + round));
      if (due.length === 0) break;
      for (const entry of due) {
        if (entry.action.type === 'set_state') acted.push('moved back');
        if (entry.action.type === 'comment' && /cannot (move to|close)/.test(entry.action.body)) acted.push('comment');
        await queue.markActionSent(entry.action.id, at(100_000 + round));
      }
    }
    return acted;
  };

  for (const step of scenario.setup) await apply(step, true);
  await drainOutbox();
  const verdict = await watchVerdict(async () => {
    for (const step of scenario.event) await apply(step, route === 'linear-webhook');
    if (route === 'linear-reconcile' && !scenario.event.some((s) => 'baseline' in s)) {
      clock += 1;
      await runReconcileCommand({ gateway, store: database, queue, teams: [TEAM], since: at(-3600), policy, mode, now: at(clock) });
    }
  });
  return { records: await readRecords(database, SCOPE), verdict, acted: await drainOutbox(), baseline: await readBaseline(database, SCOPE) };
}

// ---- the table --------------------------------------------------------------------------------

beforeAll(async () => {
  database = await openStore({ dataDir: 'memory://' });
  queue = await openQueueStore(database);
});
afterAll(() => database.close());

const ROUTES: Route[] = ['jira-trigger', 'jira-validator', 'linear-webhook', 'linear-reconcile'];

describe.each(scenarios)('parity: $name', (scenario) => {
  it.each(ROUTES.filter((r) => !scenario.notOn?.includes(r)))('leaves the same records, verdict and actions through %s', async (route) => {
    const observed = route.startsWith('jira') ? await runOnJira(scenario, route as 'jira-trigger' | 'jira-validator') : await runOnLinear(scenario, route as 'linear-webhook' | 'linear-reconcile');
    expect(observed).toEqual(expectedOn(route, scenario.expected));
  });
});
