import type { HistoryRecord, SignOff } from './schemas';

/**
 * True when the history backs this sign-off of this deliverable: a `signoff_recorded` record of
 * the deliverable with the same sign-off id, digest and signer, and no `signoff_revoked` of it.
 * The gate asks this so that a sign-off copied into a state row (the database edited behind
 * Scopekeeper's back) does not let a deliverable close: the chain is the evidence, not the row.
 */
export function isSignOffRecorded(signOff: SignOff, deliverableId: string, records: readonly HistoryRecord[]): boolean {
  const mine = records.filter((record) => record.deliverableId === deliverableId);
  const recorded = mine.some(
    (record) =>
      record.kind === 'signoff_recorded' &&
      record.data.signOff.id === signOff.id &&
      record.data.signOff.digest === signOff.digest &&
      record.data.signOff.signer.id === signOff.signer.id,
  );
  const revoked = mine.some((record) => record.kind === 'signoff_revoked' && record.data.signOffId === signOff.id);
  return recorded && !revoked;
}
