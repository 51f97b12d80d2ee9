import React from 'react';
import { Inline, List, ListItem, Lozenge, Stack, Text } from '@forge/react';
import type { PanelView } from '../forge/resolvers/resolver-contract';

/** The closure gate's verdict in words: ready to close, or everything still missing. */
export function VerdictSection({ verdict, hasUnsavedEdits }: { verdict: PanelView['verdict']; hasUnsavedEdits: boolean }) {
  return (
    <Stack space="space.100">
      {verdict.allowed ? (
        <Inline space="space.100" alignBlock="center">
          <Lozenge appearance="success">Ready to close</Lozenge>
          <Text>Ready to close: the criteria are signed off as they stand.</Text>
        </Inline>
      ) : (
        <Stack space="space.050">
          <Inline space="space.100" alignBlock="center">
            <Lozenge appearance="removed">Not ready to close</Lozenge>
          </Inline>
          <Text>What is missing before this deliverable can close:</Text>
          <List type="unordered">
            {verdict.reasons.map((reason) => (
              <ListItem key={reason.code}>{reason.message}</ListItem>
            ))}
          </List>
        </Stack>
      )}
      {hasUnsavedEdits ? <Text>This verdict is for the saved criteria, not for your unsaved changes.</Text> : null}
    </Stack>
  );
}
