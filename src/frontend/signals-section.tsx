import React from 'react';
import { Box, Inline, Lozenge, Stack, Text } from '@forge/react';
import type { ProjectOverview } from '../forge/resolver-contract';
import { describeSignals, type SignalTone } from './describe-signals';

const TONE_APPEARANCE: Record<SignalTone, 'success' | 'moved' | 'removed' | 'default'> = {
  ok: 'success',
  warning: 'moved',
  danger: 'removed',
  neutral: 'default',
};

/** The early-warning signals, each a labelled lozenge coloured by urgency and a sentence. */
export function SignalsSection({ signals }: { signals: ProjectOverview['signals'] }) {
  return (
    <Stack space="space.100">
      {describeSignals(signals).map((signal) => (
        <Box key={signal.label} testId={`signal-${signal.label}`}>
          <Inline space="space.100" alignBlock="center" shouldWrap>
            <Lozenge appearance={TONE_APPEARANCE[signal.tone]}>{signal.label}</Lozenge>
            <Text>{signal.value}</Text>
          </Inline>
        </Box>
      ))}
    </Stack>
  );
}
