/** Comma- or line-separated names as typed into a text field: trimmed, blanks dropped, duplicates once. */
export function splitList(text: string): string[] {
  const seen = new Set<string>();
  const names: string[] = [];
  for (const part of text.split(/[,\n]/)) {
    const name = part.trim();
    if (name === '' || seen.has(name)) continue;
    seen.add(name);
    names.push(name);
  }
  return names;
}

export function joinList(names: readonly string[]): string {
  return names.join(', ');
}
