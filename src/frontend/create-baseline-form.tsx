import React, { useState } from 'react';
import { Button, ErrorMessage, Inline, Label, Stack, Text, Textfield } from '@forge/react';

export interface CreateBaselineFormProps {
  projectName: string;
  isBusy: boolean;
  onConfirm: (name: string) => void;
}

/** "Create baseline": a name, an explanation of what it does, and an explicit confirm. */
export function CreateBaselineForm({ projectName, isBusy, onConfirm }: CreateBaselineFormProps) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);

  if (!open) {
    return (
      <Inline>
        <Button onClick={() => setOpen(true)}>Create baseline</Button>
      </Inline>
    );
  }
  const confirm = () => {
    if (name.trim() === '') {
      setError('Give the baseline a name, e.g. "SRS v1.1".');
      return;
    }
    onConfirm(name.trim());
    setOpen(false);
    setName('');
  };
  return (
    <Stack space="space.100">
      <Text>
        A baseline snapshots every deliverable of {projectName} with its criteria. From then on, every change to them is recorded as a scope
        change against it, and the scope version starts again at the next major number.
      </Text>
      <Label labelFor="baseline-name">Baseline name</Label>
      <Textfield
        id="baseline-name"
        value={name}
        placeholder="SRS v1.1"
        isInvalid={error !== null}
        onChange={(event) => {
          setName(String(event.target.value ?? ''));
          setError(null);
        }}
      />
      {error ? <ErrorMessage>{error}</ErrorMessage> : null}
      <Inline space="space.100">
        <Button appearance="primary" isDisabled={isBusy} onClick={confirm}>
          Confirm baseline
        </Button>
        <Button
          appearance="subtle"
          onClick={() => {
            setOpen(false);
            setError(null);
          }}
        >
          Cancel
        </Button>
      </Inline>
    </Stack>
  );
}
