import { closurePolicySchema, type Actor, type Criterion, type DeliverableState, type HistoryDraft } from '../../src/core/schemas';
import { createBaseline } from '../../src/core/create-baseline';
import { recordCriteriaChange, recordDeliverableRemoval } from '../../src/core/record-criteria-change';
import { recordSignOff } from '../../src/core/record-sign-off';
import { snapshotScope } from '../../src/core/snapshot-scope';
import type { ScopeStore } from '../../src/core/store';

// Two Linear teams as the console shows them: ENG with a baseline, a sign-off, an undocumented
// reworded criterion and an undocumented removal of a deleted issue; OPS with one deliverable.
// `criteriaText` lets a test plant hostile text in the criterion of ENG-3, the removed one.

export const ENG = { id: 'team-eng', key: 'ENG', scopeId: 'linear:team-eng' };
export const OPS = { id: 'team-ops', key: 'OPS', scopeId: 'linear:team-ops' };
export const ANA: Actor = { id: 'user-ana', name: 'Ana Silva', email: 'ana@client.example' };
export const DEV: Actor = { id: 'user-dev', name: 'Dev One', email: 'dev@team.example' };

export interface SeededTeams {
  /** Record id of ENG-1's undocumented criterion change. */
  reworded: string;
  /** Record id of the undocumented removal of ENG-3 (deleted in Linear). */
  removed: string;
  baselineName: string;
}

export async function seedConsoleTeams(store: ScopeStore, options: { criteriaText?: string } = {}): Promise<SeededTeams> {
  let n = 0;
  const newId = () => `id-${String(++n).padStart(4, '0')}`;
  const at = (day: number) => `2026-11-${String(day).padStart(2, '0')}T10:00:00.000Z`;
  const state = (scopeId: string, key: string, criteria: string[]): DeliverableState => ({
    platform: 'linear',
    id: `issue-${key}`,
    key,
    scopeId,
    title: `Work on ${key}`,
    assigneeId: DEV.id,
    criteria: criteria.map((text): Criterion => ({ id: null, text, met: false })),
    signOff: null,
    inScope: true,
    updatedAt: at(1),
  });
  const eng = [
    state(ENG.scopeId, 'ENG-1', ['A signed-in user sees their open invoices, newest first', 'Paying an invoice shows a receipt within 5 seconds']),
    state(ENG.scopeId, 'ENG-2', ['Exports list every invoice of the month']),
    state(ENG.scopeId, 'ENG-3', [options.criteriaText ?? 'Reminders go out three days before the due date']),
    state(ENG.scopeId, 'ENG-4', []),
  ];
  const created = createBaseline({ id: newId(), scopeId: ENG.scopeId, name: 'SRS v1.0', now: at(2), approvedBy: ANA, deliverables: snapshotScope(eng, ENG.scopeId), current: null });
  if (!created.ok) throw new Error(created.message);
  const { baseline, draft } = created.value;
  await commitOrThrow(store, { scopeId: ENG.scopeId, baseline, deliverables: eng.map((s) => ({ state: s, expectedVersion: null })), history: [draft] });

  const policy = closurePolicySchema.parse({});
  const signed = recordSignOff({ state: eng[1]!, signer: ANA, roles: [], policy, note: 'Matches the SRS', now: at(3), newId });
  if (!signed.ok) throw new Error(signed.message);
  const edit = recordCriteriaChange({
    previous: eng[0]!,
    next: { ...eng[0]!, criteria: [eng[0]!.criteria[0]!, { id: null, text: 'Paying an invoice shows a receipt within 10 seconds', met: false }], updatedAt: at(4) },
    baseline, actor: DEV, now: at(4), source: 'linear-webhook', reason: null, newId,
  });
  const removal = recordDeliverableRemoval({ previous: eng[2]!, baseline, actor: DEV, now: at(5), source: 'linear-webhook', reason: null, newId });
  const drafts: HistoryDraft[] = [signed.draft, ...edit.drafts, ...removal.drafts];
  const result = await commitOrThrow(store, {
    scopeId: ENG.scopeId,
    deliverables: [
      { state: signed.state, expectedVersion: 1 },
      { state: edit.state, expectedVersion: 1 },
      { state: removal.state, expectedVersion: 1 },
    ],
    history: drafts,
  });
  const reworded = result.find((r) => r.kind === 'scope_changed' && r.data.kind === 'criterion_modified')!.id;
  const removed = result.find((r) => r.kind === 'scope_changed' && r.data.kind === 'deliverable_removed')!.id;

  const ops = state(OPS.scopeId, 'OPS-1', ['On-call rota is published every Friday']);
  await commitOrThrow(store, { scopeId: OPS.scopeId, deliverables: [{ state: ops, expectedVersion: null }] });
  return { reworded, removed, baselineName: baseline.name };
}

async function commitOrThrow(store: ScopeStore, write: Parameters<ScopeStore['commit']>[0]) {
  const result = await store.commit(write);
  if (!result.ok) throw new Error(result.message);
  return result.records;
}
