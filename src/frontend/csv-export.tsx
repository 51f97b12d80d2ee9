import React from 'react';
import { Button, CodeBlock, Inline, SectionMessage, Stack, Text } from '@forge/react';

export interface ExportPartView {
  format: 'csv' | 'json';
  /** 1 for the first part. */
  part: number;
  text: string;
  rowCount: number;
  /** True when more parts follow. */
  hasMore: boolean;
}

export interface CsvExportProps {
  exported: ExportPartView;
  /** The file name without extension, e.g. "scope-history-PROJ". */
  fileName: string;
  isBusy: boolean;
  onNext: () => void;
  onClose: () => void;
}

/**
 * One part of an export, shown for copying. A UI Kit app renders through the Atlassian frontend
 * with no access to the browser's DOM: neither UI Kit nor @forge/bridge documents a way to hand
 * the user a file made by the app (router.open and Link take page addresses, and
 * objectStore.download, an early-access API, only fetches objects kept in the Forge Object Store;
 * developer.atlassian.com/platform/forge/custom-ui-bridge/router, ui-kit/components/link,
 * custom-ui-bridge/objectStore). So the text is shown in a code block, which has a copy action.
 * A resolver's answer must stay small, so a long history comes in parts.
 */
export function CsvExport({ exported, fileName, isBusy, onNext, onClose }: CsvExportProps) {
  const { format, part, text, rowCount, hasMore } = exported;
  const file = `${fileName}.${format}`;
  const records = rowCount === 1 ? '1 record' : `${rowCount.toLocaleString('en')} records`;
  return (
    <Stack space="space.100">
      <SectionMessage appearance="information" title={`Export, part ${part}${hasMore ? '' : ' (the last)'}`}>
        <Text>
          Jira apps like this one cannot hand you a file to download, so the export is shown as text. Copy it into a file named {file}.
        </Text>
        {format === 'csv' ? (
          <Text>
            {part === 1
              ? 'Only this first part starts with the column names.'
              : 'Add this part to the end of the file: it has no column names, so the parts join into one table.'}
          </Text>
        ) : (
          <Text>Each part is a JSON array of its own.</Text>
        )}
      </SectionMessage>
      <Text>
        {records} in this part{hasMore ? '; more follow.' : '.'}
      </Text>
      <CodeBlock language={format === 'json' ? 'json' : 'text'} text={text} />
      <PartButtons hasMore={hasMore} isBusy={isBusy} onNext={onNext} onClose={onClose} closeLabel="Hide export" />
    </Stack>
  );
}

/** "Next part" while more parts follow, and a button that hides the export. */
export function PartButtons({ hasMore, isBusy, onNext, onClose, closeLabel }: { hasMore: boolean; isBusy: boolean; onNext: () => void; onClose: () => void; closeLabel: string }) {
  return (
    <Inline space="space.100">
      {hasMore ? (
        <Button appearance="primary" isDisabled={isBusy} onClick={onNext}>
          Next part
        </Button>
      ) : null}
      <Button appearance="subtle" onClick={onClose}>
        {closeLabel}
      </Button>
    </Inline>
  );
}
