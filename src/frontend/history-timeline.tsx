import React from 'react';
import { Box, Button, CodeBlock, Inline, Lozenge, Stack, Text } from '@forge/react';
import type { HistoryRow } from '../forge/resolvers/resolver-contract';
import { describeHistoryKind } from './describe-history-kind';
import { formatTime } from './format-time';

/**
 * The scope history as a timeline: what happened, when, by whom, why, and the diff. With
 * `onDocument`, each undocumented change offers to give its reason.
 */
export function HistoryTimeline({ rows, onDocument }: { rows: HistoryRow[]; onDocument?: (row: HistoryRow) => void }) {
  if (rows.length === 0) return <Text>No history records match these filters.</Text>;
  return (
    <Stack space="space.200">
      {rows.map((row) => {
        const reason = row.record.kind === 'scope_changed' ? row.record.data.reason : row.record.kind === 'reason_attached' ? row.record.data.reason : null;
        return (
          <Box key={row.id} testId={`history-row-${row.seq}`}>
            <Stack space="space.050">
              <Inline space="space.100" alignBlock="center" shouldWrap>
                <Text weight="bold">#{row.seq}</Text>
                <Lozenge appearance={row.kind === 'closure_bypassed' ? 'removed' : 'default'}>{describeHistoryKind(row.kind)}</Lozenge>
                {row.undocumented ? <Lozenge appearance="removed">Undocumented</Lozenge> : null}
                <Text>{formatTime(row.at)}</Text>
                {row.authorName ? <Text>by {row.authorName}</Text> : null}
                {row.deliverableKey ? <Text>{row.deliverableKey}</Text> : null}
                {row.scopeVersion ? <Text>scope version {row.scopeVersion}</Text> : null}
              </Inline>
              <Text>{row.summary}</Text>
              {reason ? <Text>Reason: {reason}</Text> : null}
              {row.diffText ? <CodeBlock language="diff" text={row.diffText} /> : null}
              {onDocument && row.undocumented && row.record.kind === 'scope_changed' ? (
                <Inline>
                  <Button appearance="subtle" onClick={() => onDocument(row)}>
                    Give the reason
                  </Button>
                </Inline>
              ) : null}
            </Stack>
          </Box>
        );
      })}
    </Stack>
  );
}
