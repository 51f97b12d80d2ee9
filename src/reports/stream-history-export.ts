import type { HistoryKind, HistoryRecord } from '../core/schemas';
import { buildHistoryRow } from './build-history-row';
import { renderCsvHeader, renderCsvLine, toExportFields } from './render-history-csv';

export type HistoryExportFormat = 'csv' | 'jsonl';

/** The history filters an export takes: the history page's, applied record by record. */
export interface HistoryExportFilter {
  deliverableId?: string;
  kinds?: readonly HistoryKind[];
  authorId?: string;
  /** Inclusive ISO times. */
  from?: string;
  to?: string;
  undocumentedOnly?: boolean;
}

export interface HistoryExportSource {
  /** The chain oldest first, a storage read at a time (ScopeStore.readHistoryPagesSince). */
  pages: AsyncIterable<HistoryRecord[]>;
  /** Which of a page's scope changes are undocumented now (ScopeStore.findUndocumented). */
  findUndocumented: (records: readonly HistoryRecord[]) => Promise<Set<string>>;
  /** Deliverable id → key, for records that name only the id. */
  keys: ReadonlyMap<string, string>;
}

/**
 * A scope's history as CSV (RFC 4180, formula-safe: render-history-csv) or JSON Lines (one
 * object a line: the CSV's columns plus the record as stored, hash and previous hash included),
 * oldest first, one storage page at a time: memory stays flat however long the history is.
 * Yields text chunks for a stream to write with back-pressure.
 */
export async function* streamHistoryExport(source: HistoryExportSource, format: HistoryExportFormat, filter: HistoryExportFilter = {}): AsyncGenerator<string> {
  if (format === 'csv') yield `${renderCsvHeader()}\r\n`;
  const kinds = filter.kinds && filter.kinds.length > 0 ? new Set<string>(filter.kinds) : null;
  const from = filter.from ? Date.parse(filter.from) : null;
  const to = filter.to ? Date.parse(filter.to) : null;
  for await (const page of source.pages) {
    const picked = page.filter(
      (r) =>
        (filter.deliverableId === undefined || r.deliverableId === filter.deliverableId) &&
        (kinds === null || kinds.has(r.kind)) &&
        (filter.authorId === undefined || r.actor?.id === filter.authorId) &&
        (from === null || Date.parse(r.at) >= from) &&
        (to === null || Date.parse(r.at) <= to),
    );
    if (picked.length === 0) continue;
    const undocumented = await source.findUndocumented(picked);
    let lines: string[] = [];
    let size = 0;
    for (const record of picked) {
      if (filter.undocumentedOnly && !undocumented.has(record.id)) continue;
      const row = buildHistoryRow(record, source.keys, undocumented);
      const line = format === 'csv' ? `${renderCsvLine(row)}\r\n` : `${JSON.stringify({ ...toExportFields(row), record })}\n`;
      lines.push(line);
      size += line.length;
      if (size >= CHUNK_CHARS) {
        yield lines.join('');
        lines = [];
        size = 0;
      }
    }
    if (lines.length > 0) yield lines.join('');
  }
}

// Chunks stay well below V8's large-object size (about 128 KB): a larger string goes straight to
// the large-object space, which only a full collection frees, and a page of 1,000 rows (340 KB
// as one string) made the exporting service grow by 70–120 MB on PostgreSQL before V8 collected.
const CHUNK_CHARS = 32 * 1024;
