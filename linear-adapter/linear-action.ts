import { createHash } from 'node:crypto';

// What the adapter asks Linear to do. Actions are stored in the outbox before they are sent,
// and every create carries a client-chosen id, so a retry can never duplicate a comment.
export type LinearAction =
  | { type: 'comment'; id: string; issueId: string; body: string }
  /** Moves an issue to a state; used to revert a closure without a valid sign-off. */
  | { type: 'set_state'; id: string; issueId: string; stateId: string }
  /** Adds a label by name, creating it in the team when the team lacks it. */
  | { type: 'add_label'; id: string; issueId: string; teamId: string; labelName: string }
  | { type: 'remove_label'; id: string; issueId: string; labelName: string };

export type LinearActionType = LinearAction['type'];

/**
 * A stable UUID from the delivery and the action's purpose: processing the same delivery twice
 * yields the same ids, which Linear rejects as duplicates. Linear's schema asks for "UUID v4
 * format", so the hash bits are laid out as a version-4 UUID.
 */
export function deriveActionId(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000'), 'utf8').digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
