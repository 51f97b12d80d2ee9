import React, { useState } from 'react';
import { Button, Checkbox, DatePicker, ErrorMessage, Inline, Label, Select, Stack, UserPicker } from '@forge/react';
import type { HistoryFilters } from '../forge/resolvers/resolver-contract';
import { buildHistoryFilters, emptyHistoryFilterInput, type HistoryFilterInput } from './build-history-filters';
import { historyKindLabels } from './describe-history-kind';

interface Option {
  label: string;
  value: string;
}

export interface HistoryFiltersFormProps {
  deliverables: { id: string; key: string }[];
  isBusy: boolean;
  onApply: (filters: HistoryFilters) => void;
  onClear: () => void;
}

const KIND_OPTIONS: Option[] = Object.entries(historyKindLabels).map(([value, label]) => ({ label, value }));

/** Filters for the timeline: deliverable, kind, author, date range, undocumented only. */
export function HistoryFiltersForm({ deliverables, isBusy, onApply, onClear }: HistoryFiltersFormProps) {
  const [input, setInput] = useState<HistoryFilterInput>(emptyHistoryFilterInput);
  const [error, setError] = useState<string | null>(null);
  const update = (patch: Partial<HistoryFilterInput>) => {
    setInput({ ...input, ...patch });
    setError(null);
  };
  const deliverableOptions: Option[] = deliverables.map((d) => ({ label: d.key, value: d.id }));

  const apply = () => {
    const built = buildHistoryFilters(input);
    if (!built.ok) {
      setError(built.message);
      return;
    }
    onApply(built.filters);
  };

  return (
    <Stack space="space.100">
      <Inline space="space.200" shouldWrap>
        <Stack space="space.050">
          <Label labelFor="filter-deliverable">Deliverable</Label>
          <Select
            inputId="filter-deliverable"
            isClearable
            placeholder="Any deliverable"
            options={deliverableOptions}
            value={deliverableOptions.find((o) => o.value === input.deliverableId) ?? null}
            onChange={(option: Option | null) => update({ deliverableId: option?.value ?? null })}
          />
        </Stack>
        <Stack space="space.050">
          <Label labelFor="filter-kind">Kind</Label>
          <Select
            inputId="filter-kind"
            isMulti
            placeholder="Any kind"
            options={KIND_OPTIONS}
            value={KIND_OPTIONS.filter((o) => input.kinds.includes(o.value))}
            onChange={(options: Option[] | null) => update({ kinds: (options ?? []).map((o) => o.value) })}
          />
        </Stack>
        <UserPicker
          label="Author"
          name="author"
          placeholder="Anyone"
          onChange={(user) => update({ authorId: (user as { id?: string } | null | undefined)?.id ?? null })}
        />
      </Inline>
      <Inline space="space.200" shouldWrap alignBlock="end">
        <Stack space="space.050">
          <Label labelFor="filter-from">From</Label>
          <DatePicker id="filter-from" value={input.fromDate ?? ''} onChange={(value: string) => update({ fromDate: value || null })} />
        </Stack>
        <Stack space="space.050">
          <Label labelFor="filter-to">To</Label>
          <DatePicker id="filter-to" value={input.toDate ?? ''} onChange={(value: string) => update({ toDate: value || null })} />
        </Stack>
        <Checkbox
          label="Undocumented changes only"
          isChecked={input.undocumentedOnly}
          onChange={(event) => update({ undocumentedOnly: Boolean(event.target.checked) })}
        />
      </Inline>
      {error ? <ErrorMessage>{error}</ErrorMessage> : null}
      <Inline space="space.100">
        <Button appearance="primary" isDisabled={isBusy} onClick={apply}>
          Apply filters
        </Button>
        <Button
          appearance="subtle"
          isDisabled={isBusy}
          onClick={() => {
            setInput(emptyHistoryFilterInput);
            setError(null);
            onClear();
          }}
        >
          Clear filters
        </Button>
      </Inline>
    </Stack>
  );
}
