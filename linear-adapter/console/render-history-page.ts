import type { HistoryRow } from '../../src/forge/resolvers/resolver-contract';
import { historyKindSchema } from '../../src/core/schemas';
import { html, type SafeHtml } from './html';
import type { HistoryFilter } from './read-history-filter';
import { renderWordDiff } from './render-word-diff';

export interface HistoryPageInput {
  teamKey: string;
  rows: readonly HistoryRow[];
  nextCursor: string | null;
  filter: HistoryFilter;
  params: URLSearchParams;
  /** Result of "verify chain", when asked for. */
  verdict: { ok: true; count: number } | { ok: false; message: string } | null;
  head: { seq: number; hash: string } | null;
  mayWrite: boolean;
  csrfToken: string;
  notice: string | null;
  errors: readonly string[];
}

/** The hash-chained timeline, newest first: filters (a GET form), word diffs, reasons, a reason form on undocumented changes, cursor pages. */
export function renderHistoryPage(input: HistoryPageInput): SafeHtml {
  const key = encodeURIComponent(input.teamKey);
  const p = input.params;
  const next = new URLSearchParams(p);
  next.delete('verify');
  if (input.nextCursor) next.set('cursor', input.nextCursor);
  const exportQuery = new URLSearchParams(p);
  exportQuery.delete('cursor');
  exportQuery.delete('verify');
  const verifyQuery = new URLSearchParams(p);
  verifyQuery.set('verify', '1');
  const here = `/teams/${key}/history?${new URLSearchParams([...p.entries()].filter(([n]) => n !== 'verify')).toString()}`;
  const kinds = new Set(input.filter.kinds ?? []);
  return html`
${input.notice ? html`<p class="notice" role="status">${input.notice}</p>` : ''}
${input.errors.length > 0 ? html`<div class="error" role="alert"><p>Some filters could not be read; fix them and filter again:</p><ul>${input.errors.map((e) => html`<li>${e}</li>`)}</ul></div>` : ''}
${
  input.verdict
    ? input.verdict.ok
      ? html`<p class="notice" role="status"><strong class="good">Chain verified:</strong> all ${input.verdict.count} records link to the one before and match their hashes.</p>`
      : html`<p class="error" role="alert"><strong>Chain broken:</strong> ${input.verdict.message}</p>`
    : ''
}
<p>Head: ${input.head ? html`seq ${input.head.seq}, <code>${input.head.hash}</code>` : 'no records yet'} · <a href="/teams/${key}/history?${verifyQuery.toString()}">Verify chain</a>
 · Export these filters: <a href="/api/teams/${key}/history.csv?${exportQuery.toString()}">CSV</a>, <a href="/api/teams/${key}/history.jsonl?${exportQuery.toString()}">JSON Lines</a></p>
<form class="filters" method="get" action="/teams/${key}/history" role="search" aria-label="Filter the history">
<label>Deliverable<input name="deliverable" value="${p.get('deliverable') ?? ''}" placeholder="ENG-42" size="10"></label>
<label>Kind<select name="kind"><option value="">any kind</option>${historyKindSchema.options.map((k) => html`<option value="${k}"${kinds.has(k) ? html` selected` : ''}>${k.replace(/_/g, ' ')}</option>`)}</select></label>
<label>Author (Linear user id)<input name="author" value="${p.get('author') ?? ''}" size="14"></label>
<label>From<input type="date" name="from" value="${p.get('from') ?? ''}"></label>
<label>To<input type="date" name="to" value="${p.get('to') ?? ''}"></label>
<label class="check"><input type="checkbox" name="undocumented" value="1"${input.filter.undocumentedOnly ? html` checked` : ''}> Undocumented only</label>
<button type="submit">Filter</button>
</form>
${
  input.rows.length === 0
    ? html`<p>No record matches these filters.</p>`
    : html`<table>
<thead><tr><th scope="col">Seq</th><th scope="col">When</th><th scope="col">Deliverable</th><th scope="col">Who</th><th scope="col">Version</th><th scope="col">What</th></tr></thead>
<tbody>
${input.rows.map((row) => renderRow(row, input, key, here))}
</tbody></table>`
}
<nav class="pages" aria-label="History pages">
${p.get('cursor') ? html`<a href="/teams/${key}/history?${new URLSearchParams([...p.entries()].filter(([n]) => n !== 'cursor' && n !== 'verify')).toString()}">Newest</a>` : ''}
${input.nextCursor ? html`<a href="/teams/${key}/history?${next.toString()}" rel="next">Older records</a>` : html`<span class="muted">No older records.</span>`}
</nav>`;
}

function renderRow(row: HistoryRow, input: HistoryPageInput, key: string, here: string): SafeHtml {
  const record = row.record;
  const change = record.kind === 'scope_changed' ? record.data : null;
  return html`<tr id="r${row.seq}">
<td class="num">${row.seq}</td>
<td>${row.at.slice(0, 16).replace('T', ' ')}</td>
<td>${row.deliverableKey ?? ''}</td>
<td>${row.authorName ?? html`<span class="muted">–</span>`}</td>
<td>${row.scopeVersion ?? ''}</td>
<td><div>${row.summary}${row.undocumented ? html` <strong class="bad">undocumented</strong>` : ''}</div>
${change && change.kind !== 'deliverable_added' && change.kind !== 'deliverable_removed' ? html`<div>${renderWordDiff(change.diff, change.before, change.after)}</div>` : ''}
${change && (change.kind === 'deliverable_added' || change.kind === 'deliverable_removed') ? html`<div class="diff">${change.before ?? change.after ?? ''}</div>` : ''}
${
  row.undocumented && input.mayWrite
    ? html`<form method="post" action="/teams/${key}/reasons" class="filters">
<input type="hidden" name="csrf" value="${input.csrfToken}"><input type="hidden" name="seq" value="${row.seq}"><input type="hidden" name="record" value="${row.id}"><input type="hidden" name="back" value="${here}">
<label>Why did the scope change?<input name="reason" required maxlength="2000" size="40"></label><button type="submit">Attach reason</button>
</form>`
    : ''
}</td>
</tr>`;
}
