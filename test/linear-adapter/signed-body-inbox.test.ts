import { openStore } from '../../src/store/open-store';
import type { SqlStore } from '../../src/store/sql-store';
import { signBody, verifySignature } from '../../linear-adapter/ingress/verify-signature';
import { openQueueStore, type SqlQueueStore } from '../../linear-adapter/queue/queue-store';
import type { NewDelivery } from '../../linear-adapter/queue/queue-types';
import { openPostgresTestStore } from '../support/open-postgres-test-store';

// The inbox keeps the exact signed bytes and deduplicates on them, on both SQL backends.

const SECRET = 'inbox-secret';
const AT = '2026-03-01T10:00:00.000Z';

function delivery(deliveryId: string, signedBody: Buffer): NewDelivery {
  return { deliveryId, receivedAt: AT, eventType: 'Issue', action: 'update', orderingKey: 'issue-a', rawBody: signedBody.toString('utf8'), signedBody };
}

function describeSignedInbox(backend: string, open: () => Promise<{ store: SqlStore; cleanup: () => Promise<void> }>): void {
  describe(`the inbox's signed bytes on ${backend}`, () => {
    let store: SqlStore;
    let cleanup: () => Promise<void>;
    let queue: SqlQueueStore;
    beforeEach(async () => {
      ({ store, cleanup } = await open());
      queue = await openQueueStore(store);
    });
    afterEach(() => cleanup());

    it('gives back the bytes exactly, invalid UTF-8 and all, so the signature verifies from storage', async () => {
      const raw = Buffer.concat([Buffer.from('{"title":"a'), Buffer.from([0xff, 0xc3]), Buffer.from('b"}')]);
      expect(await queue.enqueueDelivery(delivery('d-1', raw))).toBe('stored');
      const stored = await queue.readSignedBody('d-1');
      expect(stored?.bytes.equals(raw)).toBe(true);
      expect(verifySignature(stored!.bytes, signBody(raw, SECRET), SECRET)).toBe(true);
    });

    it('answers duplicate for the same signed bytes under another delivery id, alone or in one batch, and stores them once', async () => {
      const raw = Buffer.from('{"webhookTimestamp":1}');
      expect(await queue.enqueueDelivery(delivery('d-1', raw))).toBe('stored');
      expect(await queue.enqueueDelivery(delivery('d-2', raw))).toBe('duplicate');
      // Arriving together, they share one insert.
      const other = Buffer.from('{"webhookTimestamp":2}');
      const answers = await Promise.all(['d-3', 'd-4', 'd-5'].map((id) => queue.enqueueDelivery(delivery(id, other))));
      expect(answers.filter((answer) => answer === 'stored')).toHaveLength(1);
      expect(await queue.inboxBacklog()).toBe(2);
    });

    it('still deduplicates on the delivery id when the bytes differ', async () => {
      expect(await queue.enqueueDelivery(delivery('d-1', Buffer.from('{"n":1}')))).toBe('stored');
      expect(await queue.enqueueDelivery(delivery('d-1', Buffer.from('{"n":2}')))).toBe('duplicate');
    });
  });
}

describeSignedInbox('PGlite', async () => {
  const store = await openStore({ dataDir: 'memory://' });
  return { store, cleanup: () => store.close() };
});

const databaseUrl = process.env.TEST_DATABASE_URL;
if (databaseUrl) {
  describeSignedInbox('PostgreSQL', () => openPostgresTestStore(databaseUrl, 'signed'));
} else {
  it.skip('signed bytes on PostgreSQL: set TEST_DATABASE_URL to run', () => undefined);
}
