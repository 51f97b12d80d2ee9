import escapeHtml from 'escape-html';

/** Markup that is already safe to send: built by `html`, never from user text. */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Value = SafeHtml | string | number | boolean | null | undefined | readonly Value[];

/**
 * A template tag for server-rendered pages: every interpolated value is HTML-escaped (escape-html:
 * & < > " ') unless it is SafeHtml from another `html` template; arrays are joined; null,
 * undefined and false render nothing. Criteria and comments are user text, so nothing reaches a
 * page unescaped by accident.
 */
export function html(strings: TemplateStringsArray, ...values: Value[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, index) => {
    out += render(value) + (strings[index + 1] ?? '');
  });
  return new SafeHtml(out);
}

function render(value: Value): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}
