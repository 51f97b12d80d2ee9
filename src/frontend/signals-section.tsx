import React from 'react';
import { Box, Inline, Lozenge, ProgressBar, SectionMessage, Stack, Text } from '@forge/react';
import type { ProjectOverview, Refusal, SignalsStatus } from '../forge/resolvers/resolver-contract';
import { describeSignals, type SignalTone } from './describe-signals';
import { formatTime } from './format-time';
import { RefusalMessage } from './refusal-message';

const TONE_APPEARANCE: Record<SignalTone, 'success' | 'moved' | 'removed' | 'default'> = {
  ok: 'success',
  warning: 'moved',
  danger: 'removed',
  neutral: 'default',
};

/** Where counting the signals stands on the page: under way, stopped, or refused. */
export type SignalsCounting = { state: 'idle' } | { state: 'counting' } | { state: 'stalled' } | { state: 'refused'; refusal: Refusal };

/**
 * The early-warning signals, each a labelled lozenge coloured by urgency and a sentence. The
 * signals are counted a slice at a time, so while counting goes on the section says how far it got.
 */
export function SignalsSection(props: { signals: ProjectOverview['signals']; status?: SignalsStatus; counting?: SignalsCounting }) {
  const { signals, status, counting = { state: 'idle' } } = props;
  return (
    <Stack space="space.100">
      {status && !status.complete ? <CountingNote status={status} counting={counting} /> : null}
      {counting.state === 'refused' ? <RefusalMessage refusal={counting.refusal} title="The signals could not be counted further" /> : null}
      {describeSignals(signals).map((signal) => (
        <Box key={signal.label} testId={`signal-${signal.label}`}>
          <Inline space="space.100" alignBlock="center" shouldWrap>
            <Lozenge appearance={TONE_APPEARANCE[signal.tone]}>{signal.label}</Lozenge>
            <Text>{signal.value}</Text>
          </Inline>
        </Box>
      ))}
      {status?.deliverablesAsOf ? <Text>Deliverable figures as of {formatTime(status.deliverablesAsOf)}.</Text> : null}
    </Stack>
  );
}

function CountingNote({ status, counting }: { status: SignalsStatus; counting: SignalsCounting }) {
  const history = `${status.historyCounted.toLocaleString('en')} of ${status.historyTotal.toLocaleString('en')} history records`;
  const deliverables = `${status.deliverablesCounted.toLocaleString('en')} ${status.deliverablesCounted === 1 ? 'deliverable' : 'deliverables'}`;
  if (counting.state === 'stalled') {
    return (
      <SectionMessage appearance="warning" title="Counting stopped before the end">
        <Text>
          So far {history} and {deliverables} are counted. Reload the page to go on counting.
        </Text>
      </SectionMessage>
    );
  }
  return (
    <SectionMessage appearance="information" title="Still counting">
      <Text>
        {history} and {deliverables} counted so far. The figures below change as counting goes on.
      </Text>
      <ProgressBar ariaLabel="Counting the signals" value={status.historyTotal === 0 ? 0 : status.historyCounted / status.historyTotal} />
    </SectionMessage>
  );
}
