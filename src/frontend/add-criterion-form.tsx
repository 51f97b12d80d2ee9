import React, { useState } from 'react';
import { Button, ErrorMessage, Inline, Label, Stack, Textfield } from '@forge/react';
import { HintLines } from './hint-lines';

export interface AddCriterionFormProps {
  onAdd: (text: string) => void;
  /** The hints for the text as it is typed, so they show before it is added. */
  previewHints: (text: string) => string[];
}

/** A field and a button that append one criterion to the draft. */
export function AddCriterionForm({ onAdd, previewHints }: AddCriterionFormProps) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);

  const add = () => {
    if (text.trim() === '') {
      setError('Write the criterion first, e.g. "Given a signed-in user, when they export, then the file lists every order".');
      return;
    }
    onAdd(text);
    setText('');
    setError(null);
  };

  return (
    <Stack space="space.050">
      <Label labelFor="new-criterion">New criterion</Label>
      <Inline space="space.100" alignBlock="center">
        <Textfield
          id="new-criterion"
          value={text}
          placeholder="A testable statement, or Given / When / Then"
          isInvalid={error !== null}
          onChange={(event) => {
            setText(String(event.target.value ?? ''));
            setError(null);
          }}
        />
        <Button onClick={add}>Add criterion</Button>
      </Inline>
      {error ? <ErrorMessage>{error}</ErrorMessage> : null}
      <HintLines hints={previewHints(text)} />
    </Stack>
  );
}
