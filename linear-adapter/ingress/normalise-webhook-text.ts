import { isUtf8 } from 'node:buffer';

// PostgreSQL's jsonb (every history record, deliverable state and outbox action) refuses two
// things JSON allows: the escape \u0000 ("unsupported Unicode escape sequence") and a lone UTF-16
// surrogate such as \ud800 ("Unicode low surrogate must follow a high surrogate"). A delivery
// carrying either would be acknowledged and then fail on every attempt, holding back its issue.
// So the ingress normalises the parsed value once, before it is stored: each such character
// becomes U+FFFD, the replacement character, as invalid UTF-8 bytes already do when decoded.
// The exact signed bytes are kept beside it (linear_inbox.signed_body), so nothing is lost.

const REPLACEMENT = '\ufffd';
// A NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
// eslint-disable-next-line no-control-regex -- finding NUL is the point
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export interface NormalisedWebhook {
  /** The parsed body, with every string (and key) storable in jsonb. */
  value: unknown;
  /** Characters replaced in the parsed value. */
  replaced: number;
  /** The signed bytes were not valid UTF-8 (decoding replaced the invalid sequences). */
  invalidUtf8: boolean;
}

/** Makes a parsed webhook body storable in PostgreSQL jsonb, saying how much it had to change. */
export function normaliseWebhookText(raw: Buffer, parsed: unknown): NormalisedWebhook {
  let replaced = 0;
  const fix = (text: string): string =>
    text.replace(UNSTORABLE, () => {
      replaced += 1;
      return REPLACEMENT;
    });
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') return fix(value);
    if (Array.isArray(value)) return value.map(walk);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [fix(key), walk(inner)]));
    }
    return value;
  };
  const value = walk(parsed);
  return { value: replaced > 0 ? value : parsed, replaced, invalidUtf8: !isUtf8(raw) };
}
