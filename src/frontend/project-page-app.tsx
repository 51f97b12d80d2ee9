import React, { useEffect, useRef, useState } from 'react';
import { Button, Heading, Inline, ModalTransition, ProgressBar, SectionMessage, Spinner, Stack, Text } from '@forge/react';
import type { HistoryCheck, HistoryFilters, HistoryRow, ProjectOverview, Refusal, SignalsStatus } from '../forge/resolvers/resolver-contract';
import { BaselineList } from './baseline-list';
import { CreateBaselineForm } from './create-baseline-form';
import { CsvExport, type ExportPartView } from './csv-export';
import { EvidenceBundleSection } from './evidence-bundle-section';
import { HistoryFiltersForm } from './history-filters-form';
import { HistoryTimeline } from './history-timeline';
import { invokeResolver } from './invoke-resolver';
import { ReasonModal } from './reason-modal';
import { RefusalMessage } from './refusal-message';
import { SignalsSection, type SignalsCounting } from './signals-section';
import { VerificationStatus } from './verification-status';

type Load = { status: 'loading' } | { status: 'failed'; refusal: Refusal } | { status: 'ready'; overview: ProjectOverview };

interface HistoryState {
  rows: HistoryRow[];
  nextCursor: string | null;
  filters: HistoryFilters;
  loading: boolean;
  refusal: Refusal | null;
}

type ExportState = ExportPartView & { filters: HistoryFilters; nextCursor: string | null };
type CheckState = { state: 'idle' } | { state: 'checking'; check: HistoryCheck | null } | { state: 'done'; check: HistoryCheck } | { state: 'refused'; refusal: Refusal };

/** One reason attaches to at most this many changes (the resolver's limit). */
const MAX_CHANGES_PER_REASON = 25;
/** A guard, far above what a project needs: each call counts a slice of 2,000 records. */
const MAX_COUNTING_CALLS = 500;

/**
 * The "Scope history" project page for delivery managers: baselines and scope version, the
 * early-warning signals, history verification, and the filtered timeline of scope changes with
 * their diffs, exports, reasons for undocumented changes and, for approvers, "Create baseline".
 * The backend does a bounded amount of work per call, so the page continues counting the
 * signals, checking the chain and exporting with further calls, and says how far it got.
 */
export function ProjectPageApp() {
  const [load, setLoad] = useState<Load>({ status: 'loading' });
  const [counting, setCounting] = useState<SignalsCounting>({ state: 'idle' });
  const [history, setHistory] = useState<HistoryState>({ rows: [], nextCursor: null, filters: {}, loading: true, refusal: null });
  const [exported, setExported] = useState<ExportState | null>(null);
  const [exporting, setExporting] = useState(false);
  const [exportRefusal, setExportRefusal] = useState<Refusal | null>(null);
  const [creating, setCreating] = useState(false);
  const [baselineOutcome, setBaselineOutcome] = useState<{ created: string } | Refusal | null>(null);
  const [documenting, setDocumenting] = useState<HistoryRow[] | null>(null);
  const [attaching, setAttaching] = useState(false);
  const [attachOutcome, setAttachOutcome] = useState<{ documented: number } | Refusal | null>(null);
  const [check, setCheck] = useState<CheckState>({ state: 'idle' });
  const started = useRef(false);

  const showOverview = (overview: ProjectOverview) => {
    setLoad({ status: 'ready', overview });
    if (!overview.signalsStatus.complete) void continueCounting(overview.signalsStatus);
  };

  const fetchOverview = async () => {
    const result = await invokeResolver('getProjectOverview', {});
    if (result.ok) showOverview(result.overview);
    else setLoad({ status: 'failed', refusal: result });
  };

  /** Calls refreshSignals until the signals are complete, or until a call makes no progress. */
  const continueCounting = async (from: SignalsStatus) => {
    setCounting({ state: 'counting' });
    let last = from;
    for (let calls = 0; calls < MAX_COUNTING_CALLS; calls += 1) {
      const result = await invokeResolver('refreshSignals', {});
      if (!result.ok) {
        setCounting({ state: 'refused', refusal: result });
        return;
      }
      const { signals, signalsStatus, verification, deliverables } = result;
      setLoad((l) => (l.status === 'ready' ? { status: 'ready', overview: { ...l.overview, signals, signalsStatus, verification, deliverables } } : l));
      if (signalsStatus.complete) {
        setCounting({ state: 'idle' });
        return;
      }
      const moved = signalsStatus.historyCounted !== last.historyCounted || signalsStatus.deliverablesCounted !== last.deliverablesCounted;
      if (!moved) break;
      last = signalsStatus;
    }
    setCounting({ state: 'stalled' });
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
  const undocumentedShown = history.rows.filter((r) => r.undocumented && r.record.kind === 'scope_changed').slice(0, MAX_CHANGES_PER_REASON);

  const exportPart = async (format: 'csv' | 'json', filters: HistoryFilters, cursor: string | null, part: number) => {
    setExporting(true);
    setExportRefusal(null);
    const result = format === 'csv' ? await invokeResolver('exportHistoryCsv', { filters, cursor }) : await invokeResolver('exportHistoryJson', { filters, cursor });
    setExporting(false);
    if (!result.ok) {
      setExportRefusal(result);
      return;
    }
    const text = 'csv' in result ? result.csv : result.json;
    setExported({ format, part, text, rowCount: result.rowCount, hasMore: result.nextCursor !== null, filters, nextCursor: result.nextCursor });
  };

  const createBaseline = async (name: string) => {
    setCreating(true);
    setBaselineOutcome(null);
    const result = await invokeResolver('createBaseline', { name });
    setCreating(false);
    if (result.ok) {
      showOverview(result.overview);
      setBaselineOutcome({ created: name });
      // The new baseline is a history record too.
      await fetchHistory(history.filters, null, []);
    } else {
      setBaselineOutcome(result);
    }
  };

  const attachReason = async (rows: HistoryRow[], reason: string) => {
    setAttaching(true);
    const changes = rows.flatMap((r) => (r.record.kind === 'scope_changed' ? [{ seq: r.seq, changeId: r.record.data.changeId }] : []));
    const result = await invokeResolver('attachReasons', { changes, reason });
    setAttaching(false);
    setDocumenting(null);
    setAttachOutcome(result.ok ? { documented: result.documented } : result);
    if (!result.ok) return;
    // The reason is a new history record: the timeline and the undocumented count change.
    await Promise.all([fetchHistory(history.filters, null, []), continueCounting({ ...overview.signalsStatus, complete: false })]);
  };

  const checkWholeHistory = async () => {
    setCheck({ state: 'checking', check: null });
    for (let calls = 0, restart = true; calls < MAX_COUNTING_CALLS; calls += 1, restart = false) {
      const result = await invokeResolver('verifyWholeHistory', { restart });
      if (!result.ok) {
        setCheck({ state: 'refused', refusal: result });
        return;
      }
      setLoad((l) => (l.status === 'ready' ? { status: 'ready', overview: { ...l.overview, verification: result.verification } } : l));
      if (result.check.done) {
        setCheck({ state: 'done', check: result.check });
        return;
      }
      setCheck({ state: 'checking', check: result.check });
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
        <EvidenceBundleSection baselines={overview.baselines} projectKey={overview.project.key} />
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
        <SignalsSection signals={overview.signals} status={overview.signalsStatus} counting={counting} />
      </Stack>

      <Stack space="space.100">
        <Heading size="small">History verification</Heading>
        <VerificationStatus verification={overview.verification} />
        <Text>Each page load checks the records added since the last one. Checking the whole history again reads every record, a part per step.</Text>
        {check.state === 'checking' ? (
          <Stack space="space.050">
            <Text>
              {check.check ? `Checked ${check.check.checked.toLocaleString('en')} of ${check.check.total.toLocaleString('en')} records…` : 'Checking the whole history…'}
            </Text>
            <ProgressBar ariaLabel="Checking the history" value={check.check && check.check.total > 0 ? check.check.checked / check.check.total : 0} />
          </Stack>
        ) : check.state === 'done' ? (
          <Text>Checked the whole history: {check.check.total.toLocaleString('en')} records.</Text>
        ) : check.state === 'refused' ? (
          <RefusalMessage refusal={check.refusal} title="The history could not be checked" />
        ) : null}
        <Inline>
          <Button isDisabled={check.state === 'checking'} onClick={() => void checkWholeHistory()}>
            Check the whole history
          </Button>
        </Inline>
      </Stack>

      <Stack space="space.100">
        <Heading size="small">Scope changes</Heading>
        <HistoryFiltersForm
          deliverables={deliverables}
          isBusy={history.loading}
          onApply={(filters) => {
            setExported(null);
            void fetchHistory(filters, null, []);
          }}
          onClear={() => {
            setExported(null);
            void fetchHistory({}, null, []);
          }}
        />
        {history.refusal ? <RefusalMessage refusal={history.refusal} title="The history could not be loaded" /> : null}
        {attachOutcome && 'documented' in attachOutcome ? (
          <SectionMessage appearance="success" title="Reason attached">
            <Text>{attachOutcome.documented === 1 ? 'The change now has its reason.' : `${attachOutcome.documented} changes now have their reason.`}</Text>
          </SectionMessage>
        ) : attachOutcome ? (
          <RefusalMessage refusal={attachOutcome} title="The reason was not attached" />
        ) : null}
        {overview.permissions.canDocumentChanges && undocumentedShown.length > 1 ? (
          <Inline>
            <Button onClick={() => setDocumenting(undocumentedShown)}>Give one reason for the {undocumentedShown.length} undocumented changes shown</Button>
          </Inline>
        ) : null}
        {history.loading && history.rows.length === 0 ? (
          <Spinner size="medium" label="Loading history" />
        ) : (
          <HistoryTimeline rows={history.rows} onDocument={overview.permissions.canDocumentChanges ? (row) => setDocumenting([row]) : undefined} />
        )}
        <Inline space="space.100">
          {history.nextCursor ? (
            <Button isDisabled={history.loading} onClick={() => void fetchHistory(history.filters, history.nextCursor, history.rows)}>
              Load more
            </Button>
          ) : null}
          <Button iconBefore="export" isDisabled={exporting} onClick={() => void exportPart('csv', history.filters, null, 1)}>
            Export CSV
          </Button>
          <Button isDisabled={exporting} onClick={() => void exportPart('json', history.filters, null, 1)}>
            Export JSON
          </Button>
        </Inline>
        {exportRefusal ? <RefusalMessage refusal={exportRefusal} title="The history could not be exported" /> : null}
        {exported ? (
          <CsvExport
            exported={exported}
            fileName={`scope-history-${overview.project.key}`}
            isBusy={exporting}
            onNext={() => void exportPart(exported.format, exported.filters, exported.nextCursor, exported.part + 1)}
            onClose={() => setExported(null)}
          />
        ) : null}
      </Stack>

      <ModalTransition>
        {documenting ? (
          <ReasonModal
            purpose="attach"
            changeCount={documenting.length}
            baselineName={null}
            isSaving={attaching}
            onConfirm={(reason) => void attachReason(documenting, reason ?? '')}
            onCancel={() => setDocumenting(null)}
          />
        ) : null}
      </ModalTransition>
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
