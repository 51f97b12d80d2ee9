import { displayActor } from '../../src/core/check-sign-off-authority';
import type { Baseline } from '../../src/core/schemas';
import type { HistoryRow } from '../../src/forge/resolvers/resolver-contract';
import type { SignatureEntry } from '../../src/reports/build-evidence-bundle';
import { html, type SafeHtml } from './html';

/** The printable view of an evidence bundle (print to PDF from the browser); the JSON bundle is what `verify` checks. */
export function renderEvidencePage(input: {
  teamKey: string;
  baseline: Baseline;
  rows: readonly HistoryRow[];
  signatures: readonly SignatureEntry[];
  head: { seq: number; hash: string } | null;
  /** More records than the page shows; the bundle holds them all. */
  more: boolean;
}): SafeHtml {
  const key = encodeURIComponent(input.teamKey);
  const { baseline } = input;
  return html`<p class="noprint"><a href="/api/teams/${key}/evidence.json?baseline=${encodeURIComponent(baseline.name)}">Download the bundle (JSON)</a>; anyone can check it with <code>npx scopekeeper verify &lt;bundle.json&gt;</code>, without a database or network.</p>
<h2>Baseline</h2>
<p><strong>${baseline.name}</strong> (scope version ${baseline.major}.0), approved by ${displayActor(baseline.approvedBy)} on ${baseline.createdAt}: ${baseline.deliverables.length} deliverables.</p>
<table><thead><tr><th scope="col">Deliverable</th><th scope="col">Acceptance criteria at the baseline</th></tr></thead><tbody>
${baseline.deliverables.map((d) => html`<tr><th scope="row">${d.key}</th><td>${d.criteria.length === 0 ? html`<span class="bad">none</span>` : html`<ol>${d.criteria.map((c) => html`<li>${c.text}</li>`)}</ol>`}</td></tr>`)}
</tbody></table>
<h2>Signatures</h2>
${
  input.signatures.length === 0
    ? html`<p>No sign-off was recorded since this baseline.</p>`
    : html`<table><thead><tr><th scope="col">Deliverable</th><th scope="col">Signed by (printed name)</th><th scope="col">When</th><th scope="col">Role</th><th scope="col">Meaning</th><th scope="col">Criteria digest</th></tr></thead><tbody>
${input.signatures.map((s) => html`<tr><td>${s.deliverableKey ?? ''}</td><td>${s.signerName}</td><td>${s.at}</td><td>${s.role}</td><td>${s.meaning}${s.note ? html`; note: ${s.note}` : ''}</td><td><code>${s.criteriaDigest.slice(0, 16)}…</code></td></tr>`)}
</tbody></table>`
}
<h2>Records since the baseline</h2>
<table><thead><tr><th scope="col">Seq</th><th scope="col">When</th><th scope="col">What</th><th scope="col">Hash</th></tr></thead><tbody>
${input.rows.map((r) => html`<tr><td class="num">${r.seq}</td><td>${r.at}</td><td>${r.summary}</td><td><code>${r.record.hash.slice(0, 16)}…</code></td></tr>`)}
</tbody></table>
${input.more ? html`<p>The page shows the first ${input.rows.length} records; the bundle holds every one.</p>` : ''}
<p>Chain head: ${input.head ? html`seq ${input.head.seq}, <code>${input.head.hash}</code>` : 'none'}</p>`;
}
