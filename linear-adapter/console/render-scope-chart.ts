import type { ScopeTrendDay } from '../../src/core/store';
import { html, type SafeHtml } from './html';

const WIDTH = 560;
const HEIGHT = 160;
const PAD = { left: 40, right: 12, top: 12, bottom: 26 };
// The stylesheet's --accent and --bad: both over 4.5:1 on white (WCAG AA for text; graphics need 3:1).
const LINE = '#1f4fd1';
const BAR = '#a3141b';

/** Changes since the baseline: the minor part of a scope version ("2.14" → 14). */
function changesSinceBaseline(version: string | null): number {
  const minor = Number(version?.split('.')[1]);
  return Number.isFinite(minor) ? minor : 0;
}

/**
 * A team's scope version and drift day by day, as inline SVG (the CSP allows no script): a line
 * for the changes since the baseline (the scope version's minor number; it drops when a new
 * baseline is taken) and a bar per day for that day's changes still without a reason. The SVG
 * has a title and description, and the same numbers follow as a table.
 */
export function renderScopeChart(teamKey: string, trend: readonly ScopeTrendDay[]): SafeHtml {
  if (trend.length === 0) return html``;
  const id = `trend-${teamKey.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const first = trend[0]!;
  const last = trend[trend.length - 1]!;
  const dayMs = (d: string) => Date.parse(`${d}T00:00:00Z`);
  const span = Math.max(1, (dayMs(last.day) - dayMs(first.day)) / 86_400_000);
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const x = (d: string) => PAD.left + (trend.length === 1 ? innerW / 2 : ((dayMs(d) - dayMs(first.day)) / 86_400_000 / span) * innerW);
  const top = Math.max(1, ...trend.map((t) => Math.max(changesSinceBaseline(t.scopeVersion), t.undocumented)));
  const y = (n: number) => PAD.top + innerH - (n / top) * innerH;
  const barW = Math.max(2, Math.min(12, innerW / (span + 1) - 2));
  const points = trend.map((t) => `${x(t.day).toFixed(1)},${y(changesSinceBaseline(t.scopeVersion)).toFixed(1)}`).join(' ');
  const undocumented = trend.reduce((sum, t) => sum + t.undocumented, 0);
  const description =
    `From ${first.day} to ${last.day} the scope went from version ${first.scopeVersion ?? 'none'} to ${last.scopeVersion ?? 'none'}; ` +
    `${undocumented} of the changes made on these days still have no reason.`;
  return html`<figure class="trend">
<svg class="chart" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="${id}-title ${id}-desc">
<title id="${id}-title">Scope version and drift of ${teamKey}</title>
<desc id="${id}-desc">${description}</desc>
<line x1="${PAD.left}" y1="${PAD.top + innerH}" x2="${WIDTH - PAD.right}" y2="${PAD.top + innerH}" stroke="#4a5468"></line>
<text x="${PAD.left - 6}" y="${PAD.top + 4}" text-anchor="end" font-size="11" fill="#4a5468">${top}</text>
<text x="${PAD.left - 6}" y="${PAD.top + innerH}" text-anchor="end" font-size="11" fill="#4a5468">0</text>
<text x="${PAD.left}" y="${HEIGHT - 8}" font-size="11" fill="#4a5468">${first.day}</text>
<text x="${WIDTH - PAD.right}" y="${HEIGHT - 8}" text-anchor="end" font-size="11" fill="#4a5468">${last.day}</text>
${trend.map((t) => (t.undocumented > 0 ? html`<rect class="undocumented" x="${(x(t.day) - barW / 2).toFixed(1)}" y="${y(t.undocumented).toFixed(1)}" width="${barW.toFixed(1)}" height="${(PAD.top + innerH - y(t.undocumented)).toFixed(1)}" fill="${BAR}"></rect>` : ''))}
<polyline class="version" points="${points}" fill="none" stroke="${LINE}" stroke-width="2"></polyline>
</svg>
<figcaption><span class="key-line">Line</span>: changes since the baseline (the scope version's second number). <span class="bad">Bars</span>: that day's changes that still have no reason.</figcaption>
<details><summary>The numbers, day by day</summary>
<table><thead><tr><th scope="col">Day</th><th scope="col">Scope version</th><th scope="col" class="num">Scope changes</th><th scope="col" class="num">Without a reason</th></tr></thead><tbody>
${trend.map((t) => html`<tr><th scope="row">${t.day}</th><td>${t.scopeVersion ?? '–'}</td><td class="num">${t.changes}</td><td class="num">${t.undocumented}</td></tr>`)}
</tbody></table>
</details>
</figure>`;
}
