import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { HistoryRecord } from './schemas';

/** SHA-256 over the RFC 8785 canonical JSON of a record, without its own `hash`. */
export function hashRecord(record: Omit<HistoryRecord, 'hash'> | HistoryRecord): string {
  const { hash: _ignored, ...body } = record as HistoryRecord;
  const text = canonicalize(body);
  if (text === undefined) throw new Error('history record cannot be serialised');
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
