import React, { useEffect, useRef, useState } from 'react';
import { Button, Heading, Inline, SectionMessage, Spinner, Stack, Text } from '@forge/react';
import type { HistoryFilters, HistoryRow, ProjectOverview, Refusal } from '../forge/resolver-contract';
import { BaselineList } from './baseline-list';
import { CreateBaselineForm } from './create-baseline-form';
import { CsvExport } from './csv-export';
import { HistoryFiltersForm } from './history-filters-form';
import { HistoryTimeline } from './history-timeline';
import { invokeResolver } from './invoke-resolver';
import { RefusalMessage } from './refusal-message';
import { SignalsSection } from './signals-section';
import { VerificationStatus } from './verification-status';

type Load = { status: 'loading' } | { status: 'failed'; refusal: Refusal } | { status: 'ready'; overview: ProjectOverview };

interface HistoryState {
  rows: HistoryRow[];
  nextCursor: string | null;
  filters: HistoryFilters;
  loading: boolean;
  refusal: Refusal | null;
}

/**
 * The "Scope history" project page for delivery managers: baselines and scope version, the
 * early-warning signals, history verification, and the filtered timeline of scope changes with
 * their diffs, CSV export and, for approvers, "Create baseline".
 */
export function ProjectPageApp() {
  const [load, setLoad] = useState<Load>({ status: 'loading' });
  const [history, setHistory] = useState<HistoryState>({ rows: [], nextCursor: null, filters: {}, loading: true, refusal: null });
  const [csv, setCsv] = useState<{ csv: string; rowCount: number } | null>(null);
  const [exporting, setExporting] = useState(false);
  const [exportRefusal, setExportRefusal] = useState<Refusal | null>(null);
  const [creating, setCreating] = useState(false);
  const [baselineOutcome, setBaselineOutcome] = useState<{ created: string } | Refusal | null>(null);
  const started = useRef(false);

  const fetchOverview = async () => {
    const result = await invokeResolver('getProjectOverview', {});
    setLoad(result.ok ? { status: 'ready', overview: result.overview } : { status: 'failed', refusal: result });
  };

  /** Loads the first page for `filters`, or the next page when `cursor` is given. */
  const fetchHistory = async (filters: HistoryFilters, cursor: string | null, earlier: HistoryRow[]) => {
    setHistory((h) => ({ ...h, filters, loading: true, refusal: null }));
    const result = await invokeResolver('getHistoryPage', { filters, cursor });
    setHistory((h) =>
      result.ok
        ? { rows: [...earlier, ...result.rows], nextCursor: result.nextCursor, filters, loading: false, refusal: null }
        : { ...h, loading: false, refusal: result },
    );
  };

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    void Promise.all([fetchOverview(), fetchHistory({}, null, [])]);
  }, []);

  if (load.status === 'loading') {
    return (
      <Inline space="space.100" alignBlock="center">
        <Spinner size="medium" label="Loading scope history" />
        <Text>Loading scope history…</Text>
      </Inline>
    );
  }
  if (load.status === 'failed') return <RefusalMessage refusal={load.refusal} title="The scope history could not be loaded" />;

  const { overview } = load;
  const deliverables = mergeDeliverables(overview.deliverables ?? [], history.rows);

  const exportCsv = async () => {
    setExporting(true);
    setExportRefusal(null);
    const result = await invokeResolver('exportHistoryCsv', { filters: history.filters });
    setExporting(false);
    if (result.ok) setCsv({ csv: result.csv, rowCount: result.rowCount });
    else setExportRefusal(result);
  };

  const createBaseline = async (name: string) => {
    setCreating(true);
    setBaselineOutcome(null);
    const result = await invokeResolver('createBaseline', { name });
    setCreating(false);
    if (result.ok) {
      setLoad({ status: 'ready', overview: result.overview });
      setBaselineOutcome({ created: name });
      // The new baseline is a history record too.
      await fetchHistory(history.filters, null, []);
    } else {
      setBaselineOutcome(result);
    }
  };

  return (
    <Stack space="space.300">
      <Heading size="medium">Scope history: {overview.project.name}</Heading>

      <Stack space="space.100">
        <Heading size="small">Baselines</Heading>
        <Text>
          {overview.scopeVersion === null ? 'No baseline yet, so there is no scope version.' : `Current scope version: ${overview.scopeVersion}`}
        </Text>
        <BaselineList baselines={overview.baselines} />
        {overview.permissions.canCreateBaseline ? (
          <CreateBaselineForm projectName={overview.project.name} isBusy={creating} onConfirm={(name) => void createBaseline(name)} />
        ) : null}
        {baselineOutcome && 'created' in baselineOutcome ? (
          <SectionMessage appearance="success" title="Baseline created">
            <Text>
              Baseline {baselineOutcome.created} created. Scope version is now {overview.scopeVersion ?? 'unknown'}.
            </Text>
          </SectionMessage>
        ) : baselineOutcome ? (
          <RefusalMessage refusal={baselineOutcome} title="The baseline was not created" />
        ) : null}
      </Stack>

      <Stack space="space.100">
        <Heading size="small">Early-warning signals</Heading>
        <SignalsSection signals={overview.signals} />
      </Stack>

      <Stack space="space.100">
        <Heading size="small">History verification</Heading>
        <VerificationStatus verification={overview.verification} />
      </Stack>

      <Stack space="space.100">
        <Heading size="small">Scope changes</Heading>
        <HistoryFiltersForm
          deliverables={deliverables}
          isBusy={history.loading}
          onApply={(filters) => {
            setCsv(null);
            void fetchHistory(filters, null, []);
          }}
          onClear={() => {
            setCsv(null);
            void fetchHistory({}, null, []);
          }}
        />
        {history.refusal ? <RefusalMessage refusal={history.refusal} title="The history could not be loaded" /> : null}
        {history.loading && history.rows.length === 0 ? (
          <Spinner size="medium" label="Loading history" />
        ) : (
          <HistoryTimeline rows={history.rows} />
        )}
        <Inline space="space.100">
          {history.nextCursor ? (
            <Button isDisabled={history.loading} onClick={() => void fetchHistory(history.filters, history.nextCursor, history.rows)}>
              Load more
            </Button>
          ) : null}
          <Button iconBefore="export" isDisabled={exporting} onClick={() => void exportCsv()}>
            Export CSV
          </Button>
        </Inline>
        {exportRefusal ? <RefusalMessage refusal={exportRefusal} title="The history could not be exported" /> : null}
        {csv ? (
          <CsvExport csv={csv.csv} rowCount={csv.rowCount} fileName={`scope-history-${overview.project.key}.csv`} onClose={() => setCsv(null)} />
        ) : null}
      </Stack>
    </Stack>
  );
}

/** Deliverables for the filter: those the overview lists, plus any seen in loaded rows. */
function mergeDeliverables(listed: { id: string; key: string }[], rows: HistoryRow[]): { id: string; key: string }[] {
  const byId = new Map(listed.map((d) => [d.id, d]));
  for (const row of rows) {
    const id = row.record.deliverableId;
    if (id && row.deliverableKey && !byId.has(id)) byId.set(id, { id, key: row.deliverableKey });
  }
  return [...byId.values()].sort((a, b) => a.key.localeCompare(b.key, 'en', { numeric: true }));
}
