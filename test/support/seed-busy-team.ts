import { createBaseline } from '../../src/core/create-baseline';
import { recordCriteriaChange } from '../../src/core/record-criteria-change';
import { recordSignOff } from '../../src/core/record-sign-off';
import { closurePolicySchema, type Criterion, type DeliverableState, type HistoryDraft } from '../../src/core/schemas';
import { snapshotScope } from '../../src/core/snapshot-scope';
import type { ScopeStore } from '../../src/core/store';
import { ANA, DEV, ENG, seedConsoleTeams, type SeededTeams } from './seed-console-teams';

// A team as a delivery manager meets it a few weeks in: the two teams of seedConsoleTeams, then
// on ENG five deliverables added after SRS v1.0 (two with a reason, three without), a second
// sign-off, a second baseline "SRS v1.1", and a run of documented rewordings after it, enough
// for the history to need more than one page (50 rows). `hostile` is planted in ENG-3's
// criterion, ENG-5's sign-off note and ENG-9's title, for the escaping tests.

export interface SeededBusyTeam extends SeededTeams {
  secondBaselineName: string;
  /** Keys of the deliverables added after SRS v1.0 without a reason. */
  undocumentedAdditions: string[];
  /** How many history records ENG has in all. */
  engRecords: number;
}

const TITLES: Record<string, string> = {
  'ENG-5': 'Card payments with 3-D Secure',
  'ENG-6': 'Monthly statement PDF',
  'ENG-7': 'Dunning e-mails for overdue invoices',
  'ENG-8': 'Audit log of refunds',
  'ENG-9': 'Dark mode for the invoice list',
};

export async function seedBusyTeam(store: ScopeStore, options: { hostile?: string; rewordings?: number } = {}): Promise<SeededBusyTeam> {
  const seeded = await seedConsoleTeams(store, options.hostile ? { criteriaText: options.hostile } : {});
  let n = 0;
  const newId = () => `busy-${String(++n).padStart(4, '0')}`;
  const at = (day: number, minute = 0) => `2026-11-${String(day).padStart(2, '0')}T${String(9 + Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}:00.000Z`;
  const criteria = (...texts: string[]): Criterion[] => texts.map((text) => ({ id: null, text, met: false }));
  const fresh = (key: string, texts: string[]): DeliverableState => ({
    platform: 'linear', id: `issue-${key}`, key, scopeId: ENG.scopeId, title: options.hostile && key === 'ENG-9' ? options.hostile : (TITLES[key] ?? key), assigneeId: DEV.id,
    criteria: criteria(...texts), signOff: null, inScope: true, updatedAt: at(6),
  });
  const first = await store.getActiveBaseline(ENG.scopeId);

  const added: Array<{ state: DeliverableState; reason: string | null }> = [
    { state: fresh('ENG-5', ['A card payment asks for 3-D Secure when the bank requires it', 'A declined card shows the bank\'s reason']), reason: 'Required by the payment provider from January' },
    { state: fresh('ENG-6', ['The statement lists every invoice and payment of the month']), reason: 'Agreed in the steering meeting of 6 November' },
    { state: fresh('ENG-7', ['A reminder goes out 7 days after the due date', 'A second reminder goes out after 14 days']), reason: null },
    { state: fresh('ENG-8', ['Every refund is logged with who, when and how much']), reason: null },
    { state: fresh('ENG-9', []), reason: null },
  ];
  const drafts: HistoryDraft[] = [];
  const states: DeliverableState[] = [];
  added.forEach(({ state, reason }, i) => {
    const change = recordCriteriaChange({ previous: null, next: state, baseline: first, actor: DEV, now: at(6, i), source: 'linear-webhook', reason, newId });
    drafts.push(...change.drafts);
    states.push(change.state);
  });
  const signed = recordSignOff({ state: states[0]!, signer: ANA, roles: [], policy: closurePolicySchema.parse({}), note: options.hostile ?? 'Checked with the payment provider', now: at(7), newId });
  if (!signed.ok) throw new Error(signed.message);
  states[0] = signed.state;
  drafts.push(signed.draft);
  await commitOrThrow(store, { scopeId: ENG.scopeId, deliverables: states.map((state) => ({ state, expectedVersion: null })), history: drafts });

  const current = (await store.listDeliverables(ENG.scopeId)).map((d) => d.state);
  const second = createBaseline({ id: newId(), scopeId: ENG.scopeId, name: 'SRS v1.1', now: at(8), approvedBy: ANA, deliverables: snapshotScope(current, ENG.scopeId), current: first });
  if (!second.ok) throw new Error(second.message);
  await commitOrThrow(store, { scopeId: ENG.scopeId, baseline: second.value.baseline, history: [second.value.draft] });

  // Documented rewordings of ENG-6's criterion, chained in memory and stored in one commit.
  const statement = (await store.listDeliverables(ENG.scopeId)).find((d) => d.state.key === 'ENG-6')!;
  let latest = statement.state;
  const rewordings: HistoryDraft[] = [];
  for (let i = 1; i <= (options.rewordings ?? 55); i++) {
    const next = { ...latest, criteria: criteria(`The statement lists every invoice and payment of the month (revision ${i})`) };
    const change = recordCriteriaChange({ previous: latest, next, baseline: second.value.baseline, actor: DEV, now: at(9 + Math.floor(i / 20), i % 20), source: 'linear-webhook', reason: `Wording agreed with finance, round ${i}`, newId });
    rewordings.push(...change.drafts);
    latest = change.state;
  }
  await commitOrThrow(store, { scopeId: ENG.scopeId, deliverables: [{ state: latest, expectedVersion: statement.version }], history: rewordings });
  const head = await store.getHistoryHead(ENG.scopeId);
  return { ...seeded, secondBaselineName: 'SRS v1.1', undocumentedAdditions: ['ENG-7', 'ENG-8', 'ENG-9'], engRecords: (head?.seq ?? -1) + 1 };
}

async function commitOrThrow(store: ScopeStore, write: Parameters<ScopeStore['commit']>[0]) {
  const result = await store.commit(write);
  if (!result.ok) throw new Error(result.message);
  return result.records;
}
