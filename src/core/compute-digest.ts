import { createHash } from 'node:crypto';
import { normaliseText } from './normalise-text';
import type { Criterion } from './schemas';

/**
 * SHA-256 over the canonical form of criteria: count, then each criterion's position and
 * normalised text. Ids and `met` are left out on purpose: the digest pins what was accepted,
 * and ticking a criterion as met does not change what was agreed.
 */
export function computeDigest(criteria: readonly Pick<Criterion, 'text'>[]): string {
  const canonical = JSON.stringify({ count: criteria.length, criteria: criteria.map((c, i) => [i, normaliseText(c.text)]) });
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}
