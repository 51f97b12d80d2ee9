/**
 * Why a baseline's scope version differs from the version in its name, in plain words; null
 * when the name already carries it ("SRS v2.0" as 2.0). Scope versions are Scopekeeper's own
 * count, chained into the tamper-evident history: each baseline starts the next whole number
 * and each scope change after it adds .1. A name's number cannot take that place: people
 * number their documents as they like ("SRS v1.1" for a second agreement, "2026-Q3"), and a
 * version taken from the name would collide with the .1 steps the changes after it count.
 */
export function explainScopeVersion(name: string, scopeVersion: string): string | null {
  const [major] = scopeVersion.split('.');
  const escaped = scopeVersion.replace('.', '\\.');
  if (new RegExp(`(^|[^\\d.])${escaped}($|[^\\d])`).test(name)) return null;
  return (
    `Scope version ${scopeVersion} is Scopekeeper's own count, not read from the name: this is baseline ${major} of the scope, ` +
    `so it starts version ${major}.0, and each scope change after it adds .1 (${major}.1, ${major}.2, …).`
  );
}
