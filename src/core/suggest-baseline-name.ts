import { normaliseText } from './normalise-text';

/** Candidates tried before giving up on the name's own pattern. */
const MAX_TRIES = 1_000;

/**
 * The next free baseline name in the pattern of `name`: its last number counts up, keeping
 * the digits' width ("SRS v1.1" → "SRS v1.2", "Release 09" → "Release 10"); a name without a
 * number gets " 2". Names compare as baselines do (trimmed, spaces folded, any case), and
 * every name in `taken` is skipped, so the suggestion is never refused as a duplicate.
 */
export function suggestBaselineName(name: string, taken: readonly string[]): string {
  const base = normaliseText(name);
  const used = new Set([base, ...taken.map(normaliseText)].map((n) => n.toLowerCase()));
  const last = /(\d+)(?!.*\d)/.exec(base);
  const build = last
    ? (step: number) => {
        const next = String(BigInt(last[1]!) + BigInt(step)).padStart(last[1]!.length, '0');
        return `${base.slice(0, last.index)}${next}${base.slice(last.index + last[1]!.length)}`;
      }
    : (step: number) => `${base} ${step + 1}`;
  for (let step = 1; step <= MAX_TRIES; step += 1) {
    const candidate = build(step);
    if (!used.has(candidate.toLowerCase())) return candidate;
  }
  return `${base} (${MAX_TRIES + 2})`;
}
