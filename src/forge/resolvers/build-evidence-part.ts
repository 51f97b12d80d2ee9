import { z } from 'zod';
import { parseWith } from '../../core/parse-with';
import type { Baseline, HistoryRecord } from '../../core/schemas';
import { HISTORY_PAGE_MAX } from '../../core/store';
import {
  BUNDLE_RECORDS_START,
  BUNDLE_SIGNATURES_START,
  listSignatures,
  renderBundleClosing,
  renderBundleHead,
  renderBundleItems,
  renderBundleSeal,
  type SignatureEntry,
} from '../../reports/build-evidence-bundle';
import { createResumableSha256, parseSavedSha256 } from '../../reports/create-resumable-sha256';
import type { ForgeDeps } from '../entry/create-forge-deps';
import { fetchUser } from '../jira/fetch-user';
import { refuse } from './refuse';
import type { EvidencePart, Refusal } from './resolver-contract';

// The evidence bundle of a baseline (src/reports/build-evidence-bundle.ts), made a part per call:
// a resolver runs at most 25 s and its answer must stay small (see create-project-resolvers.ts), so
// a long history cannot be bundled in one call. Each part is the next bytes of the one bundle file;
// the page shows them to copy one after the other, and the file they join to is what `scopekeeper
// verify` checks. Two passes over the chain from the baseline on: its records, then its sign-offs
// (the manifest follows the records). The SHA-256 of all the bytes travels in the cursor.
// Decision: docs/adr/0018-jira-evidence-bundle-in-parts.md.

export interface EvidencePartLimits {
  /** Records, or signature entries, in one part; and the most text a part holds (one item at least). */
  exportRows: number;
  exportBytes: number;
  /** Records read per call while listing the sign-offs. */
  historySlice: number;
}

/** Where the next part starts. It comes back from the browser, so it is checked like any payload. */
const cursorSchema = z.object({
  baselineId: z.string().min(1),
  generatedAt: z.string().min(1),
  /** Seq of the baseline's `baseline_created` record, and of the head when the export began. */
  startSeq: z.number().int().nonnegative(),
  targetSeq: z.number().int().nonnegative(),
  /** The project as the bundle names it, read once so every part names it alike. */
  scope: z.object({ id: z.string(), key: z.string(), name: z.string() }),
  phase: z.enum(['opening', 'records', 'signatures']),
  /**
   * In the opening, which holds the whole baseline (possibly megabytes): the piece being copied
   * (0 the bundle's head, 1…n the baseline's stored parts, n + 1 the start of the records) and
   * the characters of it already written.
   */
  openingPiece: z.number().int().nonnegative(),
  openingAt: z.number().int().nonnegative(),
  nextSeq: z.number().int().nonnegative(),
  /** The last record written: the bundle's head. */
  last: z.object({ seq: z.number().int().nonnegative(), hash: z.string().min(1) }),
  /** Whether the array being written already has items (the next one needs a comma). */
  continuing: z.boolean(),
  part: z.number().int().min(1),
  digest: z.unknown(),
});
type EvidenceCursor = z.infer<typeof cursorSchema>;

export interface EvidencePartInput {
  scopeId: string;
  baselineId: string;
  cursor: string | null;
  /** The project as the bundle names it; read only for the first part. */
  readScope: () => Promise<{ id: string; key: string; name: string }>;
  /** Deliverable keys known without a read per deliverable. */
  readKeys: () => Promise<Map<string, string>>;
}

/** One part of a baseline's evidence bundle, or a refusal saying what is wrong. */
export async function buildEvidencePart(deps: ForgeDeps, limits: EvidencePartLimits, input: EvidencePartInput): Promise<EvidencePart | Refusal> {
  const { scopeId } = input;
  const decoded = input.cursor === null ? null : decodeCursor(input.cursor);
  if (decoded && !decoded.ok) return refuse('INVALID_PAYLOAD', 'This part of the evidence bundle could not be found. Start the bundle again.', decoded.errors);
  if (decoded && decoded.value.cursor.baselineId !== input.baselineId) {
    return refuse('INVALID_PAYLOAD', 'This part belongs to the bundle of another baseline. Start the bundle again.', ['cursor: made for another baseline']);
  }
  const summary = await deps.store.readScopeSummary(scopeId);
  const meta = summary.baselines.find((b) => b.id === input.baselineId);
  if (!meta) return refuse('BASELINE_NOT_FOUND', 'This project has no such baseline. Reload the page to see its baselines.');
  // The baseline (megabytes for a large project) is read only by the parts that write it or
  // name its deliverables, not by every part of the records.
  let baseline: Promise<Baseline> | null = null;
  const readBaseline = () => (baseline ??= deps.store.readBaseline(scopeId, meta));
  const headSeq = summary.head?.seq ?? -1;

  const pieces: string[] = [];
  let bytes = 0;
  let state: EvidenceCursor;
  const opened = await createResumableSha256(decoded?.value.digestState);
  if (!opened.ok) return refuse('INVALID_PAYLOAD', 'This part of the evidence bundle could not be found. Start the bundle again.', opened.errors.map((e) => `cursor.${e}`));
  const hash = opened.value;
  const emit = (text: string) => {
    hash.update(text);
    pieces.push(text);
    bytes += Buffer.byteLength(text, 'utf8');
  };

  if (decoded) {
    // Never past the head as it is now, whatever the cursor says.
    state = { ...decoded.value.cursor, targetSeq: Math.min(decoded.value.cursor.targetSeq, headSeq) };
  } else {
    const startSeq = await findBaselineSeq(deps, scopeId, meta.id);
    if (startSeq === null || startSeq > headSeq) return refuse('HISTORY_INCOMPLETE', `The history has no record of the creation of baseline "${meta.name}", so no evidence bundle can start from it.`);
    const generatedAt = deps.now();
    const scope = await input.readScope();
    state = { baselineId: meta.id, generatedAt, scope, startSeq, targetSeq: headSeq, phase: 'opening', openingPiece: 0, openingAt: 0, nextSeq: startSeq, last: { seq: startSeq, hash: '-' }, continuing: false, part: 1, digest: null };
  }

  if (state.phase === 'opening') {
    // The first part checks the stored baseline whole (it is immutable); every part then copies
    // only the stored pieces it writes, instead of reading the whole baseline again for each
    // megabyte of it (BENCHMARKS.md "Jira project page: evidence bundle in parts").
    if (!decoded) await readBaseline();
    const last = meta.parts + 1;
    // A piece can take several turns of the loop (its slices are cut to the bytes left).
    const read = new Map<number, string>();
    const readPiece = async (index: number) => read.get(index) ?? read.set(index, await deps.store.readBaselinePart(scopeId, meta, index)).get(index)!;
    while (state.phase === 'opening' && bytes < limits.exportBytes) {
      const piece = state.openingPiece;
      const text = piece === 0 ? renderBundleHead(state) : piece <= meta.parts ? await readPiece(piece - 1) : BUNDLE_RECORDS_START;
      const end = Math.min(text.length, findSliceEnd(text, state.openingAt, limits.exportBytes - bytes));
      emit(text.slice(state.openingAt, end));
      if (end < text.length) state = { ...state, openingAt: end };
      else state = piece < last ? { ...state, openingPiece: piece + 1, openingAt: 0 } : { ...state, phase: 'records' };
    }
  }

  let items = 0;
  // One item at least per part, unless the opening filled it.
  const fits = (size: number) => (items === 0 && bytes < limits.exportBytes) || (items < limits.exportRows && bytes + size <= limits.exportBytes);
  let records = 0;
  let signatures = 0;

  if (state.phase === 'records' && bytes < limits.exportBytes) {
    const read = await readRecords(deps, scopeId, state.nextSeq, state.targetSeq, (record) => {
      const text = renderBundleItems([record], state.continuing);
      if (!fits(Buffer.byteLength(text, 'utf8'))) return false;
      emit(text);
      items += 1;
      records += 1;
      state = { ...state, nextSeq: record.seq + 1, last: { seq: record.seq, hash: record.hash }, continuing: true };
      return true;
    });
    if (read === 'ended') return missing(state.nextSeq);
    if (state.nextSeq > state.targetSeq) {
      emit(BUNDLE_SIGNATURES_START);
      state = { ...state, phase: 'signatures', nextSeq: state.startSeq, continuing: false };
      items = 0;
    }
  }

  if (state.phase === 'signatures') {
    let keys: Map<string, string> | null = null;
    const names = new Map<string, string>();
    let scanned = 0;
    const read = await readRecords(deps, scopeId, state.nextSeq, state.targetSeq, async (record) => {
      if (scanned >= limits.historySlice) return false;
      let entries: SignatureEntry[] = [];
      if (record.kind === 'signoff_recorded') {
        keys ??= readBundleKeys(await readBaseline(), await input.readKeys());
        await addDeliverableKey(deps, keys, record);
        await addPrintedName(names, record);
        entries = listSignatures([record], keys, names);
        const text = renderBundleItems(entries, state.continuing);
        if (!fits(Buffer.byteLength(text, 'utf8'))) return false;
        emit(text);
        items += 1;
        signatures += 1;
      }
      scanned += 1;
      state = { ...state, nextSeq: record.seq + 1, continuing: state.continuing || entries.length > 0 };
      return true;
    });
    if (read === 'ended') return missing(state.nextSeq);
    if (state.nextSeq > state.targetSeq) {
      emit(renderBundleClosing(state.last));
      // The seal carries the digest of everything before it, so it is not hashed itself.
      const seal = renderBundleSeal(hash.digestHex());
      pieces.push(seal);
      bytes += Buffer.byteLength(seal, 'utf8');
      return { ok: true, text: pieces.join(''), part: state.part, records, signatures, nextCursor: null, head: state.last };
    }
  }
  // A part with nothing in it (a slice of the chain without sign-offs) keeps its number: the page
  // asks for the next one straight away and shows none.
  const text = pieces.join('');
  const next = encodeCursor({ ...state, part: state.part + (text === '' ? 0 : 1) }, hash.save());
  return { ok: true, text, part: state.part, records, signatures, nextCursor: next, head: null };
}

/** Where a part that starts at `from` ends: at most `maxBytes` of UTF-8, never inside a surrogate pair. */
function findSliceEnd(text: string, from: number, maxBytes: number): number {
  let end = Math.min(text.length, from + maxBytes);
  while (end > from + 1 && Buffer.byteLength(text.slice(from, end), 'utf8') > maxBytes) end = from + Math.floor((end - from) * 0.75);
  end = Math.max(end, from + 1);
  const code = text.charCodeAt(end - 1);
  if (end < text.length && code >= 0xd800 && code <= 0xdbff) end += end - 1 > from ? -1 : 1;
  return end;
}

/**
 * Walks the chain from `fromSeq` to `toSeq`, one storage read at a time, until `take` answers
 * false ('stopped') or `toSeq` is passed ('done'); 'ended' when the log stops short of `toSeq`.
 */
async function readRecords(
  deps: ForgeDeps,
  scopeId: string,
  fromSeq: number,
  toSeq: number,
  take: (record: HistoryRecord) => boolean | Promise<boolean>,
): Promise<'stopped' | 'done' | 'ended'> {
  let expected = fromSeq;
  if (expected > toSeq) return 'done';
  for await (const page of deps.store.readHistoryPagesSince(scopeId, fromSeq)) {
    for (const record of page) {
      if (record.seq !== expected) return 'ended';
      if (!(await take(record))) return 'stopped';
      expected += 1;
      if (expected > toSeq) return 'done';
    }
  }
  return 'ended';
}

function missing(seq: number): Refusal {
  return refuse('HISTORY_INCOMPLETE', `Record ${seq} of this project's history is missing from storage, so the bundle cannot be completed. Run "Check the whole history" to see where the chain breaks.`);
}

/** The seq of the record that created the baseline: the "baseline created" index, newest first. */
async function findBaselineSeq(deps: ForgeDeps, scopeId: string, baselineId: string): Promise<number | null> {
  let cursor: string | null = null;
  // A project has few baselines: 30 pages of 100 is far more than any has.
  for (let calls = 0; calls < 30; calls += 1) {
    const page = await deps.store.queryHistory({ scopeId, kinds: ['baseline_created'], cursor, limit: HISTORY_PAGE_MAX });
    const found = page.records.find((r) => r.kind === 'baseline_created' && r.data.baselineId === baselineId);
    if (found) return found.seq;
    if (page.nextCursor === null) return null;
    cursor = page.nextCursor;
  }
  return null;
}

/**
 * The keys the manifest names deliverables by. Those in the baseline are the baseline's own,
 * which is what `verify` reads them as (an issue moved since then has a new key).
 */
function readBundleKeys(baseline: Baseline, known: Map<string, string>): Map<string, string> {
  const keys = new Map(known);
  for (const d of baseline.deliverables) keys.set(d.id, d.key);
  return keys;
}

async function addDeliverableKey(deps: ForgeDeps, keys: Map<string, string>, record: HistoryRecord): Promise<void> {
  if (!record.deliverableId || keys.has(record.deliverableId)) return;
  const entry = (await deps.store.readDeliverableEntries('jira', [record.deliverableId])).get(record.deliverableId);
  if (entry) keys.set(record.deliverableId, entry.stored.state.key);
}

/**
 * A signer recorded without a name gets the display name Jira gives the account now (as the app,
 * GET /rest/api/3/user, scope read:jira-user); never a name from the browser. A failed lookup
 * leaves the account id, which is what the record holds.
 */
async function addPrintedName(names: Map<string, string>, record: HistoryRecord): Promise<void> {
  if (record.kind !== 'signoff_recorded') return;
  const { signer } = record.data.signOff;
  if (signer.name?.trim() || names.has(signer.id)) return;
  const user = await fetchUser(signer.id);
  if (user.name) names.set(signer.id, user.name);
}

function encodeCursor(cursor: EvidenceCursor, digest: unknown): string {
  return Buffer.from(JSON.stringify({ ...cursor, digest }), 'utf8').toString('base64url');
}

function decodeCursor(text: string): { ok: true; value: { cursor: EvidenceCursor; digestState: NonNullable<ReturnType<typeof parseDigest>> } } | { ok: false; errors: string[] } {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, errors: ['cursor: not a cursor this page made'] };
  }
  const cursor = parseWith(cursorSchema, json);
  if (!cursor.ok) return { ok: false, errors: cursor.errors.map((e) => `cursor.${e}`) };
  const digestState = parseDigest(cursor.value.digest);
  if (!digestState) return { ok: false, errors: ['cursor.digest: not a saved SHA-256 state'] };
  return { ok: true, value: { cursor: cursor.value, digestState } };
}

function parseDigest(value: unknown) {
  const parsed = parseSavedSha256(value);
  return parsed.ok ? parsed.value : null;
}
