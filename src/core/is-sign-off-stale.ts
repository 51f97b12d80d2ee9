import { computeDigest } from './compute-digest';
import type { Criterion, SignOff } from './schemas';

/** A sign-off is stale once the criteria it accepted (text, order or count) are no longer the current ones. */
export function isSignOffStale(signOff: Pick<SignOff, 'digest'>, criteria: readonly Pick<Criterion, 'text'>[]): boolean {
  return signOff.digest !== computeDigest(criteria);
}
