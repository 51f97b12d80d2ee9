import React from 'react';
import { CodeBlock, Inline, Lozenge, Stack, Text } from '@forge/react';
import type { CriterionDiffRow, PanelView } from '../forge/resolvers/resolver-contract';
import { formatCriterionDiff } from './format-criterion-diff';

const KIND_LOZENGES: Record<CriterionDiffRow['kind'], { label: string; appearance: 'success' | 'removed' | 'moved' | 'inprogress' | 'default' }> = {
  added: { label: 'Added', appearance: 'success' },
  removed: { label: 'Removed', appearance: 'removed' },
  modified: { label: 'Modified', appearance: 'moved' },
  moved: { label: 'Moved', appearance: 'inprogress' },
  unchanged: { label: 'Unchanged', appearance: 'default' },
};

/** Which baseline is in force, the scope version, and how this deliverable's criteria differ from it. */
export function BaselineView({ panel }: { panel: Pick<PanelView, 'baseline' | 'scopeVersion' | 'baselineDiff'> }) {
  const { baseline, scopeVersion, baselineDiff } = panel;
  if (!baseline) {
    return <Text>No baseline yet: these criteria are a draft, and edits are not recorded as scope changes.</Text>;
  }
  const changed = (baselineDiff ?? []).filter((row) => row.kind !== 'unchanged');
  return (
    <Stack space="space.100">
      <Text>
        Baseline: {baseline.name} (version {baseline.version}). Current scope version: {scopeVersion ?? baseline.version}.
      </Text>
      {baselineDiff === null ? (
        <Text>This deliverable is not in the baseline: it was added after it, so it counts as a scope addition.</Text>
      ) : changed.length === 0 ? (
        <Text>The criteria match the baseline.</Text>
      ) : (
        <Stack space="space.100">
          <Text>
            {changed.length === 1 ? '1 criterion differs' : `${changed.length} criteria differ`} from the baseline:
          </Text>
          {changed.map((row, index) => {
            const { code, words } = formatCriterionDiff(row);
            const lozenge = KIND_LOZENGES[row.kind];
            return (
              <Stack key={`${row.kind}-${index}`} space="space.050">
                <Inline space="space.100">
                  <Lozenge appearance={lozenge.appearance}>{lozenge.label}</Lozenge>
                </Inline>
                <CodeBlock language="diff" text={code} />
                {words ? <Text>Changed words: {words}</Text> : null}
              </Stack>
            );
          })}
        </Stack>
      )}
    </Stack>
  );
}
