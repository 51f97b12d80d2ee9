import React from 'react';
import { Button, Inline, List, ListItem, SectionMessage, Stack, Text } from '@forge/react';
import type { ImportPreview as Preview } from '../forge/resolvers/resolver-contract';

export interface ImportPreviewProps {
  preview: Preview;
  hasCriteria: boolean;
  onReplace: () => void;
  onAppend: () => void;
  onCancel: () => void;
}

/** The criteria read from the issue description, for the user to confirm before anything is saved. */
export function ImportPreview({ preview, hasCriteria, onReplace, onAppend, onCancel }: ImportPreviewProps) {
  if (preview.criteria.length === 0) {
    return (
      <SectionMessage appearance="information" title="No criteria found in the description">
        <Text>Write the criteria in the description as a list under a heading such as "Acceptance criteria", then import again.</Text>
        <Button onClick={onCancel}>Close</Button>
      </SectionMessage>
    );
  }
  const count = preview.criteria.length;
  return (
    <SectionMessage appearance="discovery" title={`${count === 1 ? '1 criterion' : `${count} criteria`} found in the description`}>
      <Stack space="space.100">
        <List type="ordered">
          {preview.criteria.map((criterion, index) => (
            <ListItem key={`${index}-${criterion.text}`}>{criterion.text}</ListItem>
          ))}
        </List>
        {preview.hints.length > 0 ? (
          <Text>
            {preview.hints.length === 1 ? '1 quality hint' : `${preview.hints.length} quality hints`} will show next to these criteria once saved.
          </Text>
        ) : null}
        <Inline space="space.100">
          {hasCriteria ? (
            <>
              <Button appearance="primary" onClick={onReplace}>
                Replace current criteria
              </Button>
              <Button onClick={onAppend}>Append to current criteria</Button>
            </>
          ) : (
            <Button appearance="primary" onClick={onReplace}>
              Use these criteria
            </Button>
          )}
          <Button appearance="subtle" onClick={onCancel}>
            Cancel
          </Button>
        </Inline>
      </Stack>
    </SectionMessage>
  );
}
