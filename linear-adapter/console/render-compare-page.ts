import type { ScopeChangeDraft } from '../../src/core/diff-scope';
import { html, type SafeHtml } from './html';
import { renderWordDiff } from './render-word-diff';

const WORDS: Record<ScopeChangeDraft['kind'], string> = {
  deliverable_added: 'deliverable added',
  deliverable_removed: 'deliverable removed',
  criterion_added: 'criterion added',
  criterion_removed: 'criterion removed',
  criterion_modified: 'criterion changed',
  criterion_moved: 'criterion moved',
};

/** A baseline compared with the current scope or another baseline: per deliverable, per criterion, with word diffs. */
export function renderComparePage(input: { teamKey: string; fromName: string; toName: string; changes: readonly ScopeChangeDraft[] }): SafeHtml {
  const byDeliverable = new Map<string, ScopeChangeDraft[]>();
  for (const change of input.changes) byDeliverable.set(change.deliverableKey, [...(byDeliverable.get(change.deliverableKey) ?? []), change]);
  const keys = [...byDeliverable.keys()].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return html`<p><a href="/teams/${encodeURIComponent(input.teamKey)}#baselines">Back to the team</a></p>
<p>From <strong>${input.fromName}</strong> to <strong>${input.toName}</strong>: ${input.changes.length === 0 ? 'no difference.' : `${input.changes.length} changes in ${keys.length} deliverables.`}</p>
${keys.map(
  (key) => html`<h2>${key}</h2><table><thead><tr><th scope="col">Change</th><th scope="col">Criterion</th></tr></thead><tbody>
${(byDeliverable.get(key) ?? []).map(
  (c) => html`<tr><td>${WORDS[c.kind]}${c.kind === 'criterion_moved' ? ` from ${(c.fromIndex ?? 0) + 1} to ${(c.toIndex ?? 0) + 1}` : ''}</td><td>${c.kind === 'criterion_moved' ? c.after : renderWordDiff(c.diff, c.before, c.after)}</td></tr>`,
)}
</tbody></table>`,
)}`;
}
