import { displayActor } from '../../src/core/check-sign-off-authority';
import { isSignOffStale } from '../../src/core/is-sign-off-stale';
import type { Baseline, DeliverableState } from '../../src/core/schemas';
import { html, type SafeHtml } from './html';
import { formatShare, type TeamSummary } from './read-team-summary';

const SORTS = ['key', 'title', 'criteria', 'signoff', 'updated', 'bypasses'] as const;
type Sort = (typeof SORTS)[number];
const SHOWS = { all: 'All in scope', 'no-criteria': 'Without criteria', unsigned: 'Not signed off', stale: 'Stale sign-off', signed: 'Signed off', removed: 'Removed from scope' } as const;
type Show = keyof typeof SHOWS;
/** Rows per page of the deliverables table: a 5,000-deliverable team would be a 1 MB page. */
export const DELIVERABLE_ROWS = 100;

export interface TeamPageInput {
  summary: TeamSummary;
  baselines: readonly Baseline[];
  /** Closures that stood without a valid sign-off, by deliverable id (the latest ones). */
  bypasses: ReadonlyMap<string, number>;
  params: URLSearchParams;
  mayWrite: boolean;
  csrfToken: string;
  workspaceUrl: string | undefined;
  notice: string | null;
}

// One collator for every comparison: localeCompare with options builds one per call, which
// made sorting 5,000 deliverables take over a second.
const byKeyNumeric = new Intl.Collator('en', { numeric: true }).compare;
const byText = new Intl.Collator().compare;

function signOffState(d: DeliverableState): 'none' | 'stale' | 'valid' {
  if (!d.signOff) return 'none';
  return isSignOffStale(d.signOff, d.criteria) ? 'stale' : 'valid';
}

/** The team page: signals, the deliverables table (sortable and filterable by links and a GET form), baselines, compare, exports. */
export function renderTeamPage(input: TeamPageInput): SafeHtml {
  const { summary, params } = input;
  const key = encodeURIComponent(summary.team.key);
  const sort: Sort = (SORTS as readonly string[]).includes(params.get('sort') ?? '') ? (params.get('sort') as Sort) : 'key';
  const desc = params.get('dir') === 'desc';
  const show: Show = (params.get('show') ?? 'all') in SHOWS ? ((params.get('show') ?? 'all') as Show) : 'all';
  const q = (params.get('q') ?? '').trim().toLowerCase();
  // A stale check hashes the criteria: once per deliverable, not once per comparison.
  const states = new Map<DeliverableState, ReturnType<typeof signOffState>>();
  const stateOf = (d: DeliverableState) => states.get(d) ?? states.set(d, signOffState(d)).get(d)!;

  const rows = summary.deliverables
    .filter((d) => (show === 'removed' ? !d.inScope : d.inScope))
    .filter((d) => show !== 'no-criteria' || d.criteria.length === 0)
    .filter((d) => show !== 'unsigned' || stateOf(d) !== 'valid')
    .filter((d) => show !== 'stale' || stateOf(d) === 'stale')
    .filter((d) => show !== 'signed' || stateOf(d) === 'valid')
    .filter((d) => q === '' || d.key.toLowerCase().includes(q) || d.title.toLowerCase().includes(q));
  const by: Record<Sort, (a: DeliverableState, b: DeliverableState) => number> = {
    key: (a, b) => byKeyNumeric(a.key, b.key),
    title: (a, b) => byText(a.title, b.title),
    criteria: (a, b) => a.criteria.length - b.criteria.length,
    signoff: (a, b) => byText(stateOf(a), stateOf(b)),
    updated: (a, b) => a.updatedAt.localeCompare(b.updatedAt),
    bypasses: (a, b) => (input.bypasses.get(a.id) ?? 0) - (input.bypasses.get(b.id) ?? 0),
  };
  rows.sort((a, b) => (desc ? -1 : 1) * (by[sort](a, b) || by.key(a, b)));
  const pages = Math.max(1, Math.ceil(rows.length / DELIVERABLE_ROWS));
  const pageNumber = Math.min(pages, Math.max(1, Math.trunc(Number(params.get('page') ?? '1')) || 1));
  const shown = rows.slice((pageNumber - 1) * DELIVERABLE_ROWS, pageNumber * DELIVERABLE_ROWS);
  const pageLink = (n: number, label: string) => {
    const next = new URLSearchParams(params);
    next.set('page', String(n));
    return html`<a href="?${next.toString()}#deliverables">${label}</a>`;
  };

  const sortLink = (column: Sort, label: string) => {
    const next = new URLSearchParams(params);
    next.delete('page');
    next.set('sort', column);
    next.set('dir', sort === column && !desc ? 'desc' : 'asc');
    const state = sort === column ? (desc ? 'descending' : 'ascending') : 'none';
    return html`<th scope="col" aria-sort="${state}"><a href="?${next.toString()}">${label}${sort === column ? (desc ? ' ▼' : ' ▲') : ''}</a></th>`;
  };
  const s = summary.signals;
  return html`
${input.notice ? html`<p class="notice" role="status">${input.notice}</p>` : ''}
${summary.settings.ok ? '' : html`<p class="error">This team's stored settings cannot be read (${summary.settings.errors.join('; ')}): nobody but the service operator may change anything until they are saved again on the settings page.</p>`}
<ul class="cards">
<li>Active baseline<strong>${summary.baseline?.name ?? 'none'}</strong></li>
<li>Scope version<strong>${summary.head?.scopeVersion ?? '–'}</strong></li>
<li>Scope drift<strong>${formatShare(s.drift.share)}</strong></li>
<li>Undocumented changes<strong>${summary.counts.undocumented}</strong></li>
<li>Without criteria<strong>${s.withoutCriteria.count}</strong></li>
<li>Stale sign-offs<strong>${s.staleSignOffs.count}</strong></li>
<li>Closed without valid sign-off<strong>${summary.counts.bypasses} of ${summary.counts.closures}</strong></li>
<li>Sign-off coverage<strong>${formatShare(s.signOffCoverage.share)}</strong></li>
</ul>
<p><a href="/teams/${key}/history">History</a> · <a href="/teams/${key}/settings">Settings</a> · Export the history: <a href="/api/teams/${key}/history.csv">CSV</a>, <a href="/api/teams/${key}/history.jsonl">JSON Lines</a></p>

<h2 id="deliverables">Deliverables</h2>
<form class="filters" method="get" action="/teams/${key}" role="search" aria-label="Filter deliverables">
<label>Key or title<input type="search" name="q" value="${params.get('q') ?? ''}"></label>
<label>Show<select name="show">${Object.entries(SHOWS).map(([value, label]) => html`<option value="${value}"${value === show ? html` selected` : ''}>${label}</option>`)}</select></label>
<input type="hidden" name="sort" value="${sort}"><input type="hidden" name="dir" value="${desc ? 'desc' : 'asc'}">
<button type="submit">Filter</button>
</form>
<table>
<caption class="muted">${rows.length} of ${summary.deliverables.length} deliverables${pages > 1 ? `, page ${pageNumber} of ${pages}` : ''}</caption>
<thead><tr>${sortLink('key', 'Deliverable')}${sortLink('title', 'Title')}${sortLink('criteria', 'Criteria')}${sortLink('signoff', 'Sign-off')}${sortLink('updated', 'Last change')}${sortLink('bypasses', 'Closed without sign-off')}</tr></thead>
<tbody>
${shown.map((d) => {
  const state = signOffState(d);
  return html`<tr>
<th scope="row">${input.workspaceUrl ? html`<a href="${input.workspaceUrl}/issue/${encodeURIComponent(d.key)}">${d.key}</a>` : d.key}</th>
<td>${d.title}</td>
<td class="num${d.criteria.length === 0 ? ' bad' : ''}">${d.criteria.length}</td>
<td>${state === 'none' ? html`<span class="bad">not signed off</span>` : html`<span class="${state === 'valid' ? 'good' : 'bad'}">${state === 'valid' ? 'signed off' : 'stale'}</span> by ${displayActor(d.signOff!.signer)} on ${d.signOff!.at.slice(0, 10)}`}</td>
<td>${d.updatedAt.slice(0, 16).replace('T', ' ')}</td>
<td class="num">${input.bypasses.get(d.id) ?? 0}</td>
</tr>`;
})}
</tbody>
</table>
${pages > 1 ? html`<nav class="pages" aria-label="Deliverable pages"><p>${pageNumber > 1 ? pageLink(pageNumber - 1, `Previous ${DELIVERABLE_ROWS}`) : ''}${pageNumber > 1 && pageNumber < pages ? ' · ' : ''}${pageNumber < pages ? pageLink(pageNumber + 1, `Next ${DELIVERABLE_ROWS}`) : ''}</p></nav>` : ''}

<h2 id="baselines">Baselines</h2>
${renderBaselines(input, key)}
`;
}

function renderBaselines(input: TeamPageInput, key: string): SafeHtml {
  const { baselines } = input;
  const options = (selected: string) => html`${baselines.map((b) => html`<option${b.name === selected ? html` selected` : ''}>${b.name}</option>`)}`;
  const newest = baselines[baselines.length - 1];
  return html`
${
  baselines.length === 0
    ? html`<p>No baseline yet: scope changes are recorded only once the scope is baselined.</p>`
    : html`<table><thead><tr><th scope="col">Name</th><th scope="col">Scope version</th><th scope="col">Approved by</th><th scope="col">When</th><th scope="col" class="num">Deliverables</th><th scope="col">Evidence</th></tr></thead><tbody>
${[...baselines].reverse().map(
  (b) => html`<tr><th scope="row">${b.name}</th><td>${b.major}.0</td><td>${displayActor(b.approvedBy)}</td><td>${b.createdAt.slice(0, 10)}</td><td class="num">${b.deliverables.length}</td>
<td><a href="/teams/${key}/evidence?baseline=${encodeURIComponent(b.name)}">view</a> · <a href="/api/teams/${key}/evidence.json?baseline=${encodeURIComponent(b.name)}">bundle (JSON)</a> · <a href="/teams/${key}/compare?from=${encodeURIComponent(b.name)}&amp;to=current">compare with now</a></td></tr>`,
)}
</tbody></table>
<form class="filters" method="get" action="/teams/${key}/compare" aria-label="Compare baselines">
<label>Compare<select name="from">${options(newest?.name ?? '')}</select></label>
<label>with<select name="to"><option value="current">the current scope</option>${options('')}</select></label>
<button type="submit">Compare</button>
</form>`
}
${
  input.mayWrite
    ? html`<form class="filters" method="post" action="/teams/${key}/baselines" aria-label="Record a baseline">
<input type="hidden" name="csrf" value="${input.csrfToken}">
<label>New baseline name<input name="name" required maxlength="200" placeholder="SRS v${(newest?.major ?? 0) + 1}.0"></label>
<button type="submit">Record baseline of the current scope</button>
</form>`
    : html`<p class="muted">Only approvers can record a baseline.</p>`
}`;
}
