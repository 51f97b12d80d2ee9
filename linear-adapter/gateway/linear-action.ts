import { createHash } from 'node:crypto';
import { z } from 'zod';

// What the adapter asks Linear to do. Actions are stored in the outbox before they are sent,
// and every create carries a client-chosen id, so a retry can never duplicate a comment. The
// type is inferred from the schema that checks an action read back from the outbox.

const id = z.string().min(1);

export const linearActionSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('comment'),
    id,
    issueId: id,
    body: z.string().min(1),
    /** Sent only once that action was sent; `bodyIfRefused` instead when Linear refused it for good. */
    after: z.object({ actionId: id, bodyIfRefused: z.string().min(1) }).optional(),
  }),
  /**
   * Edits the issue's status comment in place (`commentUpdate`); creates it with `commentId` as
   * its client-chosen id when Linear does not have it yet (docs/adr/0010-status-comment.md).
   */
  z.object({ type: z.literal('comment_update'), id, issueId: id, commentId: id, body: z.string().min(1) }),
  /** Moves an issue to a state; used to revert a closure without a valid sign-off. */
  z.object({ type: z.literal('set_state'), id, issueId: id, stateId: id }),
  /** Adds a label by name, creating it in the team when the team lacks it. */
  z.object({ type: z.literal('add_label'), id, issueId: id, teamId: id, labelName: z.string().min(1) }),
  z.object({ type: z.literal('remove_label'), id, issueId: id, labelName: z.string().min(1) }),
]);
export type LinearAction = z.infer<typeof linearActionSchema>;

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
