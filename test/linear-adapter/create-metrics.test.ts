import { createMetrics } from '../../linear-adapter/service/create-metrics';

describe('service metrics when a fault is reported', () => {
  it('logs a gauge that cannot be read at a scrape as a warning and counts it, and still answers the scrape', async () => {
    const warnings: { fields: Record<string, unknown>; message: string }[] = [];
    const metrics = createMetrics({
      readInboxBacklog: async () => {
        throw new Error('connection refused');
      },
      logger: { warn: (fields, message) => warnings.push({ fields, message }) },
    });
    const text = await metrics.registry.metrics();
    expect(text).toContain('scopekeeper_inbox_backlog 0');
    expect(text).toContain('scopekeeper_faults_total{source="metrics",kind="gauge_read_failed"} 1');
    expect(warnings).toEqual([
      {
        fields: { source: 'metrics', kind: 'gauge_read_failed', error: 'connection refused' },
        message: 'reading the inbox backlog for a scrape failed (connection refused); the gauge keeps its last value',
      },
    ]);
  });

  it('lists every known fault kind at 0 before the first one', async () => {
    const text = await createMetrics().registry.metrics();
    expect(text).toContain('scopekeeper_faults_total{source="sql-store",kind="analyze_failed"} 0');
    expect(text).toContain('scopekeeper_faults_total{source="queue-store",kind="corrupt_action"} 0');
    expect(text).toContain('scopekeeper_faults_total{source="linear-gateway",kind="label_created_meanwhile"} 0');
    expect(text).toContain('scopekeeper_faults_total{source="send-outbox",kind="outbox_record_failed"} 0');
  });
});
