import React from 'react';
import { SectionMessage, Text } from '@forge/react';
import type { ProjectOverview } from '../forge/resolvers/resolver-contract';

/** Whether the hash chain of the project's history holds, or the first record where it breaks. */
export function VerificationStatus({ verification }: { verification: ProjectOverview['verification'] }) {
  if (verification.ok) {
    return (
      <SectionMessage appearance="success" title="History verified">
        <Text>Hash chain verified: {verification.count} records</Text>
      </SectionMessage>
    );
  }
  return (
    <SectionMessage appearance="error" title="History chain broken">
      <Text>
        Broken at record #{verification.index}: {verification.message}
      </Text>
      <Text>Records from there on cannot be trusted as written. Ask the Jira site admin to investigate.</Text>
    </SectionMessage>
  );
}
