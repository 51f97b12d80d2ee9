import type { HistoryRow } from './resolver-contract';

const COLUMNS = ['seq', 'at', 'kind', 'deliverable', 'author', 'scope version', 'undocumented', 'summary', 'reason', 'before', 'after', 'hash'] as const;

/**
 * The filtered history as CSV (RFC 4180): a header row, CRLF line ends, a field quoted when it
 * holds a comma, quote, CR or LF (quotes doubled). A field a spreadsheet would run as a formula
 * (starting with = + - @, tab or CR) gets a leading apostrophe: history text comes from users.
 */
export function renderHistoryCsv(rows: readonly HistoryRow[]): string {
  const lines = [COLUMNS.map(quote).join(',')];
  for (const row of rows) {
    const change = row.record.kind === 'scope_changed' ? row.record.data : null;
    const reason = change?.reason ?? (row.record.kind === 'reason_attached' ? row.record.data.reason : null);
    lines.push(
      [
        String(row.seq),
        row.at,
        row.kind,
        row.deliverableKey ?? '',
        row.authorName ?? '',
        row.scopeVersion ?? '',
        row.undocumented ? 'yes' : 'no',
        row.summary,
        reason ?? '',
        change?.before ?? '',
        change?.after ?? '',
        row.record.hash,
      ]
        .map((field) => quote(neutralise(field)))
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

function neutralise(field: string): string {
  return /^[=+\-@\t\r]/.test(field) ? `'${field}` : field;
}

function quote(field: string): string {
  return /[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}
