import { z } from 'zod';
import { parseWith, type ParseResult } from '../../src/core/parse-with';

// Linear's webhook envelope (test/fixtures/linear/README.md). Only the fields Scopekeeper reads
// are declared; everything else Linear sends is kept (`looseObject`) so a stored delivery
// can be replayed in full.

const actorSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string().nullish(),
  email: z.string().nullish(),
  type: z.string().nullish(),
});

const stateSchema = z.looseObject({ id: z.string().min(1), name: z.string(), type: z.string() });

export const issueDataSchema = z.looseObject({
  id: z.string().min(1),
  identifier: z.string().min(1),
  title: z.string().default(''),
  description: z.string().nullish(),
  teamId: z.string().min(1),
  team: z.looseObject({ id: z.string(), key: z.string().nullish(), name: z.string().nullish() }).nullish(),
  stateId: z.string().nullish(),
  state: stateSchema.nullish(),
  assigneeId: z.string().nullish(),
  labelIds: z.array(z.string()).default([]),
  labels: z.array(z.looseObject({ id: z.string(), name: z.string() })).nullish(),
  updatedAt: z.string().nullish(),
});
export type IssueData = z.infer<typeof issueDataSchema>;

export const commentDataSchema = z.looseObject({
  id: z.string().min(1),
  body: z.string(),
  issueId: z.string().min(1),
  userId: z.string().nullish(),
  createdAt: z.string().nullish(),
});
export type CommentData = z.infer<typeof commentDataSchema>;

const envelopeBase = {
  action: z.string().min(1),
  actor: actorSchema.nullish(),
  createdAt: z.string(),
  organizationId: z.string().min(1),
  url: z.string().nullish(),
  webhookId: z.string().min(1),
  webhookTimestamp: z.number().int().positive(),
  /** Previous values of the fields that changed; a field previously unset is null. */
  updatedFrom: z.record(z.string(), z.unknown()).nullish(),
};

export const webhookEnvelopeSchema = z.looseObject({ ...envelopeBase, type: z.string().min(1), data: z.unknown() });

export const issueEventSchema = z.looseObject({
  ...envelopeBase,
  type: z.literal('Issue'),
  action: z.enum(['create', 'update', 'remove']),
  data: issueDataSchema,
});
export type IssueEvent = z.infer<typeof issueEventSchema>;

export const commentEventSchema = z.looseObject({
  ...envelopeBase,
  type: z.literal('Comment'),
  action: z.enum(['create', 'update', 'remove']),
  data: commentDataSchema,
});
export type CommentEvent = z.infer<typeof commentEventSchema>;

export type WebhookEvent =
  | { kind: 'issue'; event: IssueEvent }
  | { kind: 'comment'; event: CommentEvent }
  /** A type Scopekeeper does not handle: acknowledged and ignored. */
  | { kind: 'ignored'; type: string };

/** Validates a parsed webhook body: the envelope always, the data for the types we handle. */
export function parseWebhook(body: unknown): ParseResult<WebhookEvent> {
  const envelope = parseWith(webhookEnvelopeSchema, body);
  if (!envelope.ok) return envelope;
  switch (envelope.value.type) {
    case 'Issue': {
      const issue = parseWith(issueEventSchema, body);
      return issue.ok ? { ok: true, value: { kind: 'issue', event: issue.value } } : issue;
    }
    case 'Comment': {
      const comment = parseWith(commentEventSchema, body);
      return comment.ok ? { ok: true, value: { kind: 'comment', event: comment.value } } : comment;
    }
    default:
      return { ok: true, value: { kind: 'ignored', type: envelope.value.type } };
  }
}
