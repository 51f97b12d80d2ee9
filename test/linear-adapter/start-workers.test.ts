import { takesBaseline } from '../../linear-adapter/queue/start-workers';
import type { InboxDelivery } from '../../linear-adapter/queue/queue-types';
import { readLinearPayload, type LinearPayloadName } from '../fixtures/linear';

// Which deliveries the inbox worker runs alone. A `/baseline` snapshots the whole team, so it
// must not run beside the changes of other issues.

const fixture = (name: LinearPayloadName) => readLinearPayload(name) as Record<string, unknown>;

function inbox(body: Record<string, unknown>, eventType: string): InboxDelivery {
  return { deliveryId: 'delivery-1', seq: 1, receivedAt: '2026-06-25T10:00:00.000Z', eventType, action: String(body.action), orderingKey: 'issue-1', body, attempts: 0 };
}

function commentSaying(text: string): InboxDelivery {
  const envelope = fixture('commentCreate');
  return inbox({ ...envelope, data: { ...(envelope.data as object), body: text } }, 'Comment');
}

describe('takesBaseline', () => {
  it('runs a comment with a /baseline command alone', () => {
    expect(takesBaseline(commentSaying('Signed off by the steering group.\n/baseline SRS v1.0'))).toBe(true);
  });

  it('lets comments without a /baseline command run beside others', () => {
    expect(takesBaseline(commentSaying('/signoff looks good'))).toBe(false);
    expect(takesBaseline(commentSaying('Indeed, an improvement.'))).toBe(false);
    // Quoted in a code fence, it is documentation, not a command.
    expect(takesBaseline(commentSaying('```\n/baseline SRS v1.0\n```'))).toBe(false);
  });

  it('lets issue changes run beside others', () => {
    expect(takesBaseline(inbox(fixture('issueStateChange'), 'Issue'))).toBe(false);
  });
});
