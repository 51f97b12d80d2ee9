/**
 * Groups "path: message" strings (as resolvers and zod report them) by the field they belong to,
 * so each message can sit under its own field. `prefix` strips the payload wrapper, e.g.
 * "settings." for "settings.approverRoles.2: ...". Messages for no known field go under "".
 * Fields in `nested` hold several inputs, so their messages are grouped one level deeper,
 * e.g. "vocabulary.vagueWords".
 */
export function parseFieldErrors(errors: readonly string[] | undefined, prefix = '', nested: readonly string[] = []): Record<string, string[]> {
  const byField: Record<string, string[]> = {};
  for (const error of errors ?? []) {
    const colon = error.indexOf(': ');
    let path = colon >= 0 ? error.slice(0, colon) : '';
    const message = colon >= 0 ? error.slice(colon + 2) : error;
    if (prefix && path.startsWith(prefix)) path = path.slice(prefix.length);
    const [first = '', second] = path.split('.');
    const field = nested.includes(first) && second !== undefined ? `${first}.${second}` : first;
    (byField[field] ??= []).push(message);
  }
  return byField;
}
