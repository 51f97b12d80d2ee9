import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { parseWith } from '../core/parse-with';
import { baselineSchema, type HistoryRecord } from '../core/schemas';
import { EVIDENCE_FORMAT, listSignatures } from './build-evidence-bundle';
import { verifyContinuation } from './tally-signals';

export type BundleProblem = 'NOT_JSON' | 'WRONG_SHAPE' | 'WRONG_BASELINE' | 'BROKEN_RECORD' | 'TRUNCATED' | 'WRONG_SIGNATURES' | 'BYTES_CHANGED';

export type BundleVerdict =
  | { ok: true; records: number; signatures: number; head: { seq: number; hash: string } | null; scopeKey: string; baselineName: string }
  | { ok: false; problem: BundleProblem; message: string; recordIndex?: number; recordId?: string };

const DIGEST_MARK = ',"sha256":"';

const bundleSchema = z.object({
  format: z.literal(EVIDENCE_FORMAT, `must be ${EVIDENCE_FORMAT}`),
  generatedAt: z.string(),
  scope: z.object({ id: z.string(), key: z.string(), name: z.string() }),
  baseline: baselineSchema,
  records: z.array(z.unknown()),
  signatures: z.array(z.unknown()),
  head: z.object({ seq: z.number().int().nonnegative(), hash: z.string() }).nullable(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 hex digest'),
});

/**
 * Checks an evidence bundle (build-evidence-bundle.ts) with nothing but its bytes: no database,
 * no network. In order: it is JSON of the right shape; its first record created its baseline,
 * with the baseline's counts; every record links to the one before and matches its own hash
 * (the first broken one is named); the records reach the head the bundle states (a bundle cut
 * short is caught here); the signature manifest is the one the records give; and no byte of the
 * file changed since it was made (its sha256).
 */
export function verifyEvidenceBundle(bytes: Buffer): BundleVerdict {
  const text = bytes.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: 'NOT_JSON', message: `The file is not complete JSON (${(error as Error).message}): it was cut short or edited. Export the bundle again.` };
  }
  const shape = parseWith(bundleSchema, parsed);
  if (!shape.ok) return { ok: false, problem: 'WRONG_SHAPE', message: `This is not a Scopekeeper evidence bundle: ${shape.errors.slice(0, 5).join('; ')}` };
  const bundle = shape.value;

  const records: HistoryRecord[] = [];
  for (const [index, value] of bundle.records.entries()) {
    // Only the fields the checks below read; the record's hash vouches for the rest. A plain
    // check rather than a schema: it runs 100,000 times in a bundle.
    const r = value as Partial<Record<'seq' | 'kind' | 'hash' | 'scopeId', unknown>> | null;
    if (typeof r !== 'object' || r === null || !Number.isSafeInteger(r.seq) || typeof r.kind !== 'string' || typeof r.hash !== 'string' || typeof r.scopeId !== 'string') {
      return { ok: false, problem: 'BROKEN_RECORD', recordIndex: index, message: `Record ${index} is broken: it lacks its seq, kind, scope or hash.` };
    }
    records.push(value as HistoryRecord);
  }

  const first = records[0];
  const { baseline } = bundle;
  if (!first || first.kind !== 'baseline_created' || first.data.baselineId !== baseline.id) {
    return { ok: false, problem: 'WRONG_BASELINE', recordIndex: 0, message: `The first record must be the creation of baseline "${baseline.name}" (${baseline.id}), and it is not.` };
  }
  const criterionCount = baseline.deliverables.reduce((sum, d) => sum + d.criteria.length, 0);
  if (first.data.name !== baseline.name || first.data.deliverableCount !== baseline.deliverables.length || first.data.criterionCount !== criterionCount) {
    return {
      ok: false,
      problem: 'WRONG_BASELINE',
      recordIndex: 0,
      recordId: first.id,
      message: `The baseline in the bundle (${baseline.deliverables.length} deliverables, ${criterionCount} criteria) is not the one its record created (${first.data.deliverableCount} deliverables, ${first.data.criterionCount} criteria).`,
    };
  }

  const chain = verifyContinuation({ seq: first.seq - 1, hash: first.prevHash }, records);
  if (!chain.ok) {
    const index = chain.broken.index - first.seq;
    return { ok: false, problem: 'BROKEN_RECORD', recordIndex: index, recordId: chain.broken.recordId, message: `The chain breaks at record ${index} of the bundle: ${chain.broken.message}.` };
  }

  const last = records[records.length - 1] as HistoryRecord;
  if (!bundle.head || bundle.head.seq !== last.seq || bundle.head.hash !== last.hash) {
    return {
      ok: false,
      problem: 'TRUNCATED',
      message: bundle.head
        ? `The records end at seq ${last.seq}, but the bundle states its head is seq ${bundle.head.seq} (${bundle.head.hash.slice(0, 12)}…): records are missing or were added.`
        : 'The bundle states no head, so nobody can tell whether records are missing.',
    };
  }

  // Keys of deliverables outside the baseline, and printed names of signers recorded without one,
  // are not in the records: they are taken from the manifest, and everything else must match.
  const keys = new Map(baseline.deliverables.map((d) => [d.id, d.key]));
  const names = new Map<string, string>();
  const byId = new Map(records.map((r) => [r.id, r]));
  for (const value of bundle.signatures as { deliverableKey?: unknown; recordId?: unknown; signerName?: unknown }[]) {
    const record = typeof value?.recordId === 'string' ? byId.get(value.recordId) : undefined;
    if (!record) continue;
    if (typeof value.deliverableKey === 'string' && record.deliverableId && !keys.has(record.deliverableId)) keys.set(record.deliverableId, value.deliverableKey);
    if (typeof value.signerName === 'string' && record.kind === 'signoff_recorded' && !record.data.signOff.signer.name?.trim()) names.set(record.data.signOff.signer.id, value.signerName);
  }
  if (JSON.stringify(listSignatures(records, keys, names)) !== JSON.stringify(bundle.signatures)) {
    return { ok: false, problem: 'WRONG_SIGNATURES', message: 'The signature manifest does not match the sign-off records in the bundle.' };
  }

  const mark = text.lastIndexOf(DIGEST_MARK);
  const actual = createHash('sha256').update(text.slice(0, Math.max(0, mark)), 'utf8').digest();
  const stated = Buffer.from(bundle.sha256, 'hex');
  if (mark < 0 || !timingSafeEqual(actual, stated) || !/^,"sha256":"[0-9a-f]{64}"\}\n?$/.test(text.slice(mark))) {
    return { ok: false, problem: 'BYTES_CHANGED', message: "The file's bytes do not match its sha256: it was changed after it was exported." };
  }
  return { ok: true, records: records.length, signatures: bundle.signatures.length, head: bundle.head, scopeKey: bundle.scope.key, baselineName: baseline.name };
}
