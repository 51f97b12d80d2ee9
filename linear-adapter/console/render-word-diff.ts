import type { DiffPart } from '../../src/core/schemas';
import { html, type SafeHtml } from './html';

/** A word diff as text with <del> and <ins> marks (escaped: criteria are user text). */
export function renderWordDiff(parts: readonly DiffPart[] | null, before: string | null, after: string | null): SafeHtml {
  if (parts && parts.length > 0) {
    return html`<span class="diff">${parts.map((p) => (p.removed ? html`<del>${p.value}</del>` : p.added ? html`<ins>${p.value}</ins>` : html`${p.value}`))}</span>`;
  }
  return html`<span class="diff">${before !== null ? html`<del>${before}</del>` : ''}${before !== null && after !== null ? ' → ' : ''}${after !== null ? html`<ins>${after}</ins>` : ''}</span>`;
}
