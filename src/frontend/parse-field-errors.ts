/**
 * Groups "path: message" strings (as resolvers and zod report them) by the field they belong to,
 * so each message can sit under its own field. `prefix` strips the payload wrapper, e.g.
 * "settings." for "settings.approverRoles.2: ...". Messages for no known field go under "".
 */
export function parseFieldErrors(errors: readonly string[] | undefined, prefix = ''): Record<string, string[]> {
  const byField: Record<string, string[]> = {};
  for (const error of errors ?? []) {
    const colon = error.indexOf(': ');
    let path = colon >= 0 ? error.slice(0, colon) : '';
    const message = colon >= 0 ? error.slice(colon + 2) : error;
    if (prefix && path.startsWith(prefix)) path = path.slice(prefix.length);
    const field = path.split('.')[0] ?? '';
    (byField[field] ??= []).push(message);
  }
  return byField;
}
