import React from 'react';
import { Button, CodeBlock, Inline, Stack, Text } from '@forge/react';

export interface CsvExportProps {
  csv: string;
  rowCount: number;
  fileName: string;
  onClose: () => void;
}

/**
 * The exported CSV, shown for copying. UI Kit renders through the Atlassian frontend with no
 * access to the browser's DOM, and neither UI Kit nor @forge/bridge offers a way to hand the user
 * a generated file (objectStore.download only fetches objects from Forge Object Store), so the
 * text is shown in a code block, which has a copy action.
 */
export function CsvExport({ csv, rowCount, fileName, onClose }: CsvExportProps) {
  return (
    <Stack space="space.100">
      <Text>
        {rowCount === 1 ? '1 record' : `${rowCount} records`} with the current filters. Copy the text below and save it as {fileName}.
      </Text>
      <CodeBlock language="text" text={csv} />
      <Inline>
        <Button appearance="subtle" onClick={onClose}>
          Hide CSV
        </Button>
      </Inline>
    </Stack>
  );
}
