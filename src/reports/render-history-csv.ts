import type { HistoryRow } from '../forge/resolvers/resolver-contract';

const COLUMNS = ['seq', 'at', 'kind', 'deliverable', 'author', 'scope version', 'undocumented', 'summary', 'reason', 'before', 'after', 'hash'] as const;
type Column = (typeof COLUMNS)[number];

/**
 * The filtered history as CSV (RFC 4180): CRLF line ends, a field quoted when it holds a comma,
 * quote, CR or LF (quotes doubled). A field a spreadsheet would run as a formula (starting with
 * = + - @, tab or CR) gets a leading apostrophe: history text comes from users. An export comes
 * in parts; only the first starts with the header row, so the parts can be joined in order.
 */
export function renderHistoryCsv(rows: readonly HistoryRow[], options: { header: boolean } = { header: true }): string {
  const lines = options.header ? [renderCsvHeader()] : [];
  for (const row of rows) lines.push(renderCsvLine(row));
  return lines.length === 0 ? '' : `${lines.join('\r\n')}\r\n`;
}

export function renderCsvHeader(): string {
  return COLUMNS.map(quote).join(',');
}

/** One row as a CSV line, without its line end. */
export function renderCsvLine(row: HistoryRow): string {
  const fields = toExportFields(row);
  return COLUMNS.map((column) => quote(neutralise(fields[column]))).join(',');
}

/** The rows as a JSON array of objects with the CSV's columns, as text. */
export function renderHistoryJson(rows: readonly HistoryRow[]): string {
  return JSON.stringify(rows.map(toExportFields), null, 1);
}

/** One row's fields as the export names them, all text. */
export function toExportFields(row: HistoryRow): Record<Column, string> {
  const change = row.record.kind === 'scope_changed' ? row.record.data : null;
  const reason = change?.reason ?? (row.record.kind === 'reason_attached' ? row.record.data.reason : null);
  return {
    seq: String(row.seq),
    at: row.at,
    kind: row.kind,
    deliverable: row.deliverableKey ?? '',
    author: row.authorName ?? '',
    'scope version': row.scopeVersion ?? '',
    undocumented: row.undocumented ? 'yes' : 'no',
    summary: row.summary,
    reason: reason ?? '',
    before: change?.before ?? '',
    after: change?.after ?? '',
    hash: row.record.hash,
  };
}

function neutralise(field: string): string {
  return /^[=+\-@\t\r]/.test(field) ? `'${field}` : field;
}

function quote(field: string): string {
  return /[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}
