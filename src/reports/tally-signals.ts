import { z } from 'zod';
import { computeSignals } from '../core/compute-signals';
import { hashRecord } from '../core/hash-record';
import type { Baseline, ClosurePolicy, Criterion, DeliverableState, HistoryRecord } from '../core/schemas';

// The project page's early-warning signals, counted one slice at a time so that no resolver call
// reads the whole history or every deliverable (a call runs at most 25 s: limits-invocation; a
// KVS installation reads at most 4,000 × 10 KB a minute: limits-kvs-ce, both on
// developer.atlassian.com/platform/forge/). computeSignals counts each slice; what is here only
// carries what a slice hands to the next. Pure: the resolvers read and store the tallies.

const brokenSchema = z.object({ index: z.number().int().nonnegative(), recordId: z.string(), message: z.string() });
export type BrokenLink = z.infer<typeof brokenSchema>;

/** [changeId] or, when the record id differs, [changeId, recordId]: a reason may name either. */
const openChangeSchema = z.union([z.tuple([z.string()]), z.tuple([z.string(), z.string()])]);

/** The history side of the signals, folded forward record by record; stored per scope. */
export const historyTallySchema = z.object({
  /** Seq of the last record folded in; -1 before the first. */
  through: z.number().int().min(-1),
  lastHash: z.string().nullable(),
  /** The first record whose hash link broke while folding; later records are still counted. */
  broken: brokenSchema.nullable(),
  bypasses: z.number().int().nonnegative(),
  /** Closures recorded, allowed or bypassed. */
  closures: z.number().int().nonnegative(),
  /** Scope changes still without a reason. */
  open: z.array(openChangeSchema),
});
export type HistoryTally = z.infer<typeof historyTallySchema>;

export function emptyHistoryTally(): HistoryTally {
  return { through: -1, lastHash: null, broken: null, bypasses: 0, closures: 0, open: [] };
}

/**
 * Folds the next records (ascending, starting right after `tally.through`) into the tally, and
 * checks that each one links to the one before. A reason in this slice documents changes still
 * open from earlier slices; changes it documents within the slice computeSignals already drops.
 */
export function foldHistory(tally: HistoryTally, records: readonly HistoryRecord[]): HistoryTally {
  const last = records[records.length - 1];
  if (!last) return tally;
  const link = tally.broken ? null : verifyContinuation({ seq: tally.through, hash: tally.lastHash }, records);
  const slice = computeSignals({ baseline: null, deliverables: [], history: records });
  const named = new Set(records.flatMap((r) => (r.kind === 'reason_attached' ? r.data.changeIds : [])));
  const open = tally.open.filter((ids) => !ids.some((id) => named.has(id)));
  for (const change of slice.undocumentedChanges.records) {
    open.push(change.data.changeId === change.id ? [change.id] : [change.data.changeId, change.id]);
  }
  return {
    through: last.seq,
    lastHash: last.hash,
    broken: tally.broken ?? (link && !link.ok ? link.broken : null),
    bypasses: tally.bypasses + slice.bypasses.count,
    closures: tally.closures + slice.bypasses.closureCount,
    open,
  };
}

/**
 * Checks that `records` continue the chain after `prev` (seq -1 and hash null: the start): each
 * seq one more than the last, each previous-hash the hash before it, each hash its content's.
 * The same rules as the core's verifyHistory, which only walks a chain from its first record.
 */
export function verifyContinuation(
  prev: { seq: number; hash: string | null },
  records: readonly HistoryRecord[],
): { ok: true; last: { seq: number; hash: string | null } } | { ok: false; broken: BrokenLink } {
  let seq = prev.seq;
  let hash = prev.hash;
  const scopeId = records[0]?.scopeId;
  for (const record of records) {
    const index = seq + 1;
    const fail = (message: string) => ({ ok: false as const, broken: { index, recordId: record.id, message: `record ${index} (seq ${record.seq}): ${message}` } });
    if (record.scopeId !== scopeId) return fail(`belongs to scope ${record.scopeId}, not ${scopeId}`);
    if (record.seq !== index) return fail(`expected seq ${index}`);
    if (record.prevHash !== hash) return fail('its previous-hash does not match the record before it');
    if (hashRecord(record) !== record.hash) return fail('its content no longer matches its hash (edited after it was written)');
    seq = record.seq;
    hash = record.hash;
  }
  return { ok: true, last: { seq, hash } };
}

/** One count of the deliverable side of the signals, complete or under way. */
export const deliverableCountSchema = z.object({
  startedAt: z.string(),
  baselineId: z.string().nullable(),
  /** The closure policy the coverage was counted under, as JSON. */
  policyKey: z.string(),
  /** The last deliverable id read, for the next slice; null before the first. */
  after: z.string().nullable(),
  read: z.number().int().nonnegative(),
  inScope: z.number().int().nonnegative(),
  covered: z.number().int().nonnegative(),
  withoutCriteria: z.array(z.string()),
  staleSignOffs: z.array(z.string()),
  criteriaAdded: z.number().int().nonnegative(),
  criteriaRemoved: z.number().int().nonnegative(),
  criteriaModified: z.number().int().nonnegative(),
  /** Criteria of baselined deliverables seen so far; the rest were removed from the scope. */
  baselineCriteriaSeen: z.number().int().nonnegative(),
  /** In-scope deliverables as [id, key], for the history filter. */
  deliverables: z.array(z.tuple([z.string(), z.string()])),
});
export type DeliverableCount = z.infer<typeof deliverableCountSchema>;

export const deliverableTallySchema = z.object({
  /** The last complete count: shown while a newer one runs. */
  done: deliverableCountSchema.nullable(),
  running: deliverableCountSchema.nullable(),
});
export type DeliverableTally = z.infer<typeof deliverableTallySchema>;

export function startDeliverableCount(startedAt: string, baselineId: string | null, policy: ClosurePolicy): DeliverableCount {
  return {
    startedAt,
    baselineId,
    policyKey: policyKeyOf(policy),
    after: null,
    read: 0,
    inScope: 0,
    covered: 0,
    withoutCriteria: [],
    staleSignOffs: [],
    criteriaAdded: 0,
    criteriaRemoved: 0,
    criteriaModified: 0,
    baselineCriteriaSeen: 0,
    deliverables: [],
  };
}

export function policyKeyOf(policy: ClosurePolicy): string {
  return JSON.stringify(policy);
}

/** A deliverable as one slice reads it: its state and its criteria in the active baseline (null: not in it). */
export interface CountedDeliverable {
  state: DeliverableState;
  baselineCriteria: Criterion[] | null;
}

/**
 * Adds one slice of deliverables (in id order) to a count. The baseline is narrowed to the
 * slice's deliverables, so computeSignals measures their drift exactly as over the whole scope.
 */
export function foldDeliverables(
  count: DeliverableCount,
  slice: readonly CountedDeliverable[],
  baseline: Omit<Baseline, 'deliverables'> | null,
  policy: ClosurePolicy,
  lastId: string | null,
): DeliverableCount {
  const snapshots = slice.flatMap(({ state, baselineCriteria }) =>
    baselineCriteria ? [{ id: state.id, key: state.key, title: state.title, criteria: baselineCriteria }] : [],
  );
  const signals = computeSignals({
    baseline: baseline ? { ...baseline, deliverables: snapshots } : null,
    deliverables: slice.map((d) => d.state),
    history: [],
    policy,
  });
  return {
    ...count,
    after: lastId ?? count.after,
    read: count.read + slice.length,
    inScope: count.inScope + signals.deliverableCount,
    covered: count.covered + signals.signOffCoverage.covered,
    withoutCriteria: [...count.withoutCriteria, ...signals.withoutCriteria.keys],
    staleSignOffs: [...count.staleSignOffs, ...signals.staleSignOffs.keys],
    criteriaAdded: count.criteriaAdded + signals.drift.criteriaAdded,
    criteriaRemoved: count.criteriaRemoved + signals.drift.criteriaRemoved,
    criteriaModified: count.criteriaModified + signals.drift.criteriaModified,
    baselineCriteriaSeen: count.baselineCriteriaSeen + signals.drift.baselineCriterionCount,
    deliverables: [...count.deliverables, ...slice.filter((d) => d.state.inScope).map((d): [string, string] => [d.state.id, d.state.key])],
  };
}

export interface DeliverableSignals {
  driftShare: number | null;
  withoutCriteria: string[];
  staleSignOffs: string[];
  signOffCoverage: { covered: number; total: number; share: number | null };
}

/**
 * The deliverable signals of a count. Baselined deliverables the count never met (gone from
 * the scope's storage) were removed: all their criteria count as drift, as in computeSignals.
 */
export function summariseDeliverables(count: DeliverableCount, baselineCriterionCount: number | null): DeliverableSignals {
  const removed = count.criteriaRemoved + Math.max(0, (baselineCriterionCount ?? 0) - count.baselineCriteriaSeen);
  const drifted = count.criteriaAdded + removed + count.criteriaModified;
  return {
    driftShare: baselineCriterionCount === null || baselineCriterionCount === 0 ? null : drifted / baselineCriterionCount,
    withoutCriteria: count.withoutCriteria,
    staleSignOffs: count.staleSignOffs,
    signOffCoverage: { covered: count.covered, total: count.inScope, share: count.inScope === 0 ? null : count.covered / count.inScope },
  };
}
