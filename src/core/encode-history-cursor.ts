import { HISTORY_PAGE_MAX } from './store';

// One cursor format and one page-size rule for every ScopeStore, so a cursor means the same
// thing whichever store wrote it. The cursor is opaque to callers: "before this seq".

const CURSOR_PREFIX = 'seq:';
export const DEFAULT_HISTORY_PAGE_SIZE = 50;

export function encodeHistoryCursor(seq: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${seq}`, 'utf8').toString('base64url');
}

/** The seq a cursor points before; a RangeError for anything that is not one of ours. */
export function decodeHistoryCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const seq = text.startsWith(CURSOR_PREFIX) ? Number(text.slice(CURSOR_PREFIX.length)) : Number.NaN;
  if (!Number.isSafeInteger(seq) || seq < 0) throw new RangeError(`not a history page cursor: ${cursor}`);
  return seq;
}

export function clampHistoryLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_HISTORY_PAGE_SIZE;
  return Math.min(HISTORY_PAGE_MAX, Math.max(1, Math.floor(limit)));
}
