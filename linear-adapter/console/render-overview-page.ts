import { html, type SafeHtml } from './html';
import { formatShare, TREND_DAYS, type TeamSummary } from './read-team-summary';
import { renderScopeChart } from './render-scope-chart';

/**
 * Every team the user may see, with its baseline, scope version and early-warning signals, and a
 * bar per team for sign-off coverage (drawn in SVG: the CSP allows no script).
 */
export function renderOverviewPage(summaries: readonly TeamSummary[]): SafeHtml {
  if (summaries.length === 0) {
    return html`<p class="notice">No Linear team has anything recorded yet. Connect the webhook (see the README), then take a baseline with <code>npx scopekeeper baseline --team ENG --name "SRS v1.0"</code> or on a team's page.</p>`;
  }
  return html`<table>
<caption class="muted">Early-warning signals per team. Drift is the share of baseline criteria changed, added or removed since the baseline.</caption>
<thead><tr><th scope="col">Team</th><th scope="col">Active baseline</th><th scope="col">Scope version</th><th scope="col" class="num">Scope drift</th><th scope="col" class="num">Undocumented changes</th><th scope="col" class="num">Without criteria</th><th scope="col" class="num">Stale sign-offs</th><th scope="col" class="num">Closed without valid sign-off</th><th scope="col">Sign-off coverage</th></tr></thead>
<tbody>
${summaries.map((s) => {
  const coverage = s.signals.signOffCoverage;
  return html`<tr>
<th scope="row"><a href="/teams/${encodeURIComponent(s.team.key)}">${s.team.key}</a></th>
<td>${s.baseline ? s.baseline.name : html`<span class="muted">none yet</span>`}</td>
<td>${s.head?.scopeVersion ?? '–'}</td>
<td class="num">${formatShare(s.signals.drift.share)}</td>
<td class="num${s.counts.undocumented > 0 ? ' bad' : ''}"><a href="/teams/${encodeURIComponent(s.team.key)}/history?undocumented=1">${s.counts.undocumented}</a></td>
<td class="num${s.signals.withoutCriteria.count > 0 ? ' bad' : ''}">${s.signals.withoutCriteria.count}</td>
<td class="num${s.signals.staleSignOffs.count > 0 ? ' bad' : ''}">${s.signals.staleSignOffs.count}</td>
<td class="num${s.counts.bypasses > 0 ? ' bad' : ''}">${s.counts.bypasses} of ${s.counts.closures}</td>
<td>${renderCoverageBar(coverage.covered, coverage.total)}</td>
</tr>`;
})}
</tbody>
</table>
${summaries.some((s) => s.trend.length > 0) ? html`<h2 id="trend">Scope over time</h2>
<p class="muted">Each team's last ${TREND_DAYS} days with history records.</p>
${summaries.map((s) => (s.trend.length > 0 ? html`<h3>${s.team.key}</h3>${renderScopeChart(s.team.key, s.trend)}` : ''))}` : ''}`;
}

function renderCoverageBar(covered: number, total: number): SafeHtml {
  const width = total === 0 ? 0 : Math.round((covered / total) * 120);
  return html`<svg class="chart" width="120" height="14" viewBox="0 0 120 14" role="img" aria-label="${covered} of ${total} signed off"><rect width="120" height="14" fill="#e4e8ef"></rect><rect width="${width}" height="14" fill="#17663a"></rect></svg> ${covered} of ${total}`;
}
