import React, { useState } from 'react';
import { Button, CodeBlock, Inline, Label, SectionMessage, Select, Stack, Text } from '@forge/react';
import type { EvidencePart, ProjectOverview, Refusal } from '../forge/resolvers/resolver-contract';
import { PartButtons } from './csv-export';
import { invokeResolver } from './invoke-resolver';
import { RefusalMessage } from './refusal-message';

type Option = { label: string; value: string };
type Shown = { baselineName: string; fileName: string; part: EvidencePart; baselineId: string };

/** Parts with nothing in them (a stretch of history without sign-offs) are skipped, up to this many calls. */
const MAX_EMPTY_PARTS = 200;

export interface EvidenceBundleSectionProps {
  baselines: ProjectOverview['baselines'];
  projectKey: string;
}

/**
 * The evidence bundle of a baseline, as text to copy into one file, a part at a time (the parts
 * join with nothing between them). Like the history export, it is shown as text because a UI Kit
 * app cannot hand the user a file (csv-export.tsx says why). The file is checked with
 * `npx scopekeeper verify`, which needs neither a database nor a network.
 */
export function EvidenceBundleSection({ baselines, projectKey }: EvidenceBundleSectionProps) {
  const options: Option[] = baselines.map((b) => ({ label: `${b.name} (version ${b.version})`, value: b.id }));
  const [chosen, setChosen] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [shown, setShown] = useState<Shown | null>(null);
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  if (baselines.length === 0) return null;
  const baselineId = chosen ?? options[options.length - 1]?.value ?? '';

  const fetchPart = async (id: string, cursor: string | null) => {
    setBusy(true);
    setRefusal(null);
    let next = cursor;
    for (let calls = 1; ; calls += 1) {
      const result = await invokeResolver('exportEvidenceBundle', { baselineId: id, cursor: next });
      if (!result.ok) {
        setBusy(false);
        setRefusal(result);
        return;
      }
      // After many empty parts in a row it shows the empty one, whose "Next part" goes on from there.
      if (result.text !== '' || result.nextCursor === null || calls >= MAX_EMPTY_PARTS) {
        const name = baselines.find((b) => b.id === id)?.name ?? 'baseline';
        setShown({ baselineId: id, baselineName: name, fileName: `${projectKey}-${name}-evidence.json`.replace(/[^A-Za-z0-9._-]+/g, '-'), part: result });
        setBusy(false);
        return;
      }
      next = result.nextCursor;
    }
  };

  return (
    <Stack space="space.100">
      <Text>
        An evidence bundle holds a baseline, every record since it with its hash, and each sign-off with the signer's name, time, role and meaning. Anyone can check it
        without access to Jira.
      </Text>
      <Inline space="space.100" alignBlock="end">
        <Stack space="space.050">
          <Label labelFor="evidence-baseline">Baseline</Label>
          <Select
            inputId="evidence-baseline"
            options={options}
            value={options.find((o) => o.value === baselineId) ?? null}
            onChange={(option: Option | null) => {
              setChosen(option?.value ?? null);
              setShown(null);
            }}
          />
        </Stack>
        <Button isDisabled={busy || baselineId === ''} onClick={() => void fetchPart(baselineId, null)}>
          Get evidence bundle
        </Button>
      </Inline>
      {refusal ? <RefusalMessage refusal={refusal} title="The evidence bundle could not be made" /> : null}
      {shown ? <EvidencePartView shown={shown} isBusy={busy} onNext={() => void fetchPart(shown.baselineId, shown.part.nextCursor)} onClose={() => setShown(null)} /> : null}
    </Stack>
  );
}

function EvidencePartView({ shown, isBusy, onNext, onClose }: { shown: Shown; isBusy: boolean; onNext: () => void; onClose: () => void }) {
  const { part, fileName, baselineName } = shown;
  const last = part.nextCursor === null;
  return (
    <Stack space="space.100">
      <SectionMessage appearance="information" title={`Evidence bundle of ${baselineName}, part ${part.part}${last ? ' (the last)' : ''}`}>
        <Text>Jira apps like this one cannot hand you a file to download, so the bundle is shown as text. Copy it into a file named {fileName}.</Text>
        <Text>
          {part.part === 1
            ? 'Copy every part, in order, into the same file, with nothing between them.'
            : 'Add this part to the end of the file, with nothing between it and the part before.'}
        </Text>
      </SectionMessage>
      <Text>
        {describeCount(part.records, 'record')} and {describeCount(part.signatures, 'sign-off')} in this part{last ? '.' : '; more follow.'}
      </Text>
      {part.text === '' ? <Text>Nothing to add yet: the sign-offs are still being looked up in the history. Press Next part to go on.</Text> : <CodeBlock language="json" text={part.text} />}
      {last && part.head ? (
        <SectionMessage appearance="success" title="That was the last part">
          <Text>
            Check the file with: npx scopekeeper verify {fileName}. It should end at record {part.head.seq} with hash {part.head.hash}.
          </Text>
        </SectionMessage>
      ) : null}
      <PartButtons hasMore={!last} isBusy={isBusy} onNext={onNext} onClose={onClose} closeLabel="Hide bundle" />
    </Stack>
  );
}

function describeCount(n: number, noun: string): string {
  return `${n.toLocaleString('en')} ${noun}${n === 1 ? '' : 's'}`;
}
