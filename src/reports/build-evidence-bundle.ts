import { createHash } from 'node:crypto';
import { displayActor } from '../core/check-sign-off-authority';
import type { Baseline, HistoryRecord } from '../core/schemas';

export const EVIDENCE_FORMAT = 'scopekeeper-evidence-bundle/1';

/** What a signature means, printed with it (21 CFR Part 11 §11.50 asks a signature manifestation for it). */
export const SIGN_OFF_MEANING = 'accepted the acceptance criteria as meeting the agreed scope';

/** One sign-off as the bundle prints it: who (printed name), when, in what role, and what it means. */
export interface SignatureEntry {
  recordId: string;
  seq: number;
  deliverableKey: string | null;
  signerName: string;
  signerId: string;
  signerEmail: string | null;
  at: string;
  role: string;
  meaning: string;
  note: string | null;
  /** SHA-256 of the criteria as they stood when signed. */
  criteriaDigest: string;
}

export interface EvidenceBundleInput {
  scope: { id: string; key: string; name: string };
  baseline: Baseline;
  /** The chain oldest first, starting with the baseline's `baseline_created` record. */
  pages: AsyncIterable<HistoryRecord[]>;
  keys: ReadonlyMap<string, string>;
  /** Printed names of signers recorded without one (see listSignatures). */
  names?: ReadonlyMap<string, string>;
  /** ISO time the bundle was made. */
  generatedAt: string;
}

/**
 * The sign-off entries of some records, in order. The printed name is the one recorded at signing;
 * for a signer recorded without one, `names` (account id → name, from the platform's directory)
 * gives it, so the manifest prints a name rather than an account id where one is known.
 */
export function listSignatures(records: readonly HistoryRecord[], keys: ReadonlyMap<string, string>, names: ReadonlyMap<string, string> = new Map()): SignatureEntry[] {
  return records.flatMap((record) => {
    if (record.kind !== 'signoff_recorded') return [];
    const { signOff } = record.data;
    return [
      {
        recordId: record.id,
        seq: record.seq,
        deliverableKey: record.deliverableId ? (keys.get(record.deliverableId) ?? record.deliverableId) : null,
        signerName: signOff.signer.name?.trim() || names.get(signOff.signer.id) || displayActor(signOff.signer),
        signerId: signOff.signer.id,
        signerEmail: signOff.signer.email,
        at: signOff.at,
        role: signOff.role,
        meaning: SIGN_OFF_MEANING,
        note: signOff.note,
        criteriaDigest: signOff.digest,
      },
    ];
  });
}

// The bundle's text in pieces, for a maker that cannot write it in one go (the Jira project page
// makes it over several calls): opening, records, BUNDLE_SIGNATURES_START, signatures, closing,
// seal. Joined in that order they are byte for byte what buildEvidenceBundle writes.

/** Everything before the first record. */
export function renderBundleOpening(input: Pick<EvidenceBundleInput, 'generatedAt' | 'scope' | 'baseline'>): string {
  return `${renderBundleHead(input)}${JSON.stringify(input.baseline)}${BUNDLE_RECORDS_START}`;
}

/** The opening up to the baseline's JSON, for a writer that copies the baseline's text in pieces. */
export function renderBundleHead(input: Pick<EvidenceBundleInput, 'generatedAt' | 'scope'>): string {
  return `{"format":${JSON.stringify(EVIDENCE_FORMAT)},"generatedAt":${JSON.stringify(input.generatedAt)},"scope":${JSON.stringify(input.scope)},"baseline":`;
}

/** Between the baseline's JSON and the first record. */
export const BUNDLE_RECORDS_START = ',"records":[';

/** Records or signature entries as array items; `continuing` when items of the same array came before. */
export function renderBundleItems(values: readonly unknown[], continuing: boolean): string {
  if (values.length === 0) return '';
  return `${continuing ? ',' : ''}${values.map((v) => JSON.stringify(v)).join(',')}`;
}

export const BUNDLE_SIGNATURES_START = '],"signatures":[';

/** After the last signature: the chain head (the last record), which the digest still covers. */
export function renderBundleClosing(head: { seq: number; hash: string } | null): string {
  return `],"head":${JSON.stringify(head)}`;
}

/** The end: the SHA-256 of every byte before it. */
export function renderBundleSeal(digestHex: string): string {
  return `,"sha256":"${digestHex}"}\n`;
}

/**
 * The evidence bundle of one baseline, as a stream of JSON text: the baseline, every record from
 * its `baseline_created` on with hash and previous hash, the sign-offs as a signature manifest,
 * the chain head, and last `sha256`: the SHA-256 of every byte before `,"sha256":`, so a changed
 * byte anywhere is caught even where no record hash covers it (the baseline's snapshot, the
 * manifest). Records stream a page at a time; only the manifest is kept in memory.
 * `verifyEvidenceBundle` checks all of it without a database.
 */
export async function* buildEvidenceBundle(input: EvidenceBundleInput): AsyncGenerator<string> {
  const digest = createHash('sha256');
  const emit = (text: string) => {
    digest.update(text, 'utf8');
    return text;
  };
  yield emit(renderBundleOpening(input));
  const signatures: SignatureEntry[] = [];
  let last: HistoryRecord | null = null;
  for await (const page of input.pages) {
    if (page.length === 0) continue;
    yield emit(renderBundleItems(page, last !== null));
    signatures.push(...listSignatures(page, input.keys, input.names));
    last = page[page.length - 1] ?? last;
  }
  const head = last ? { seq: last.seq, hash: last.hash } : null;
  yield emit(`${BUNDLE_SIGNATURES_START}${renderBundleItems(signatures, false)}${renderBundleClosing(head)}`);
  yield renderBundleSeal(digest.digest('hex'));
}
