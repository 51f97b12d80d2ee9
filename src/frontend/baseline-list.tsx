import React from 'react';
import { DynamicTable, Text } from '@forge/react';
import type { ProjectOverview } from '../forge/resolvers/resolver-contract';
import { formatTime } from './format-time';

const HEAD = {
  cells: [
    { key: 'name', content: 'Baseline' },
    { key: 'version', content: 'Version' },
    { key: 'created', content: 'Created' },
    { key: 'approved', content: 'Approved by' },
    { key: 'deliverables', content: 'Deliverables' },
  ],
};

/** Every baseline of the project, newest last as the history records them. */
export function BaselineList({ baselines }: { baselines: ProjectOverview['baselines'] }) {
  if (baselines.length === 0) {
    return <Text>No baseline yet: the project's criteria are a draft, and edits are not scope changes.</Text>;
  }
  return (
    <DynamicTable
      caption="Baselines"
      head={HEAD}
      rows={baselines.map((b) => ({
        key: b.id,
        cells: [
          { key: 'name', content: b.name },
          { key: 'version', content: b.version },
          { key: 'created', content: formatTime(b.createdAt) },
          { key: 'approved', content: b.approvedByName },
          { key: 'deliverables', content: String(b.deliverableCount) },
        ],
      }))}
    />
  );
}
