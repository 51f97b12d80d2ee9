import React from 'react';
import { List, ListItem, SectionMessage, Text } from '@forge/react';
import type { Refusal } from '../forge/resolvers/resolver-contract';

/** A refused action in the Refusal's own words; invalid-payload details listed under it. */
export function RefusalMessage(props: { refusal: Refusal; title?: string; children?: React.ReactNode }) {
  const { refusal, title, children } = props;
  const errors = refusal.errors ?? [];
  return (
    <SectionMessage appearance="error" title={title ?? 'That did not work'}>
      <Text>{refusal.message}</Text>
      {errors.length > 0 ? (
        <List type="unordered">
          {errors.map((error) => (
            <ListItem key={error}>{error}</ListItem>
          ))}
        </List>
      ) : null}
      {children}
    </SectionMessage>
  );
}
