import React, { useState } from 'react';
import { Box, Button, Checkbox, ErrorMessage, Inline, Label, Lozenge, Stack, Text, Textfield } from '@forge/react';
import type { DraftAction, DraftCriterion } from './apply-draft-action';
import { HintLines } from './hint-lines';

export interface CriteriaListProps {
  criteria: DraftCriterion[];
  /** Quality hint messages per row, in row order. */
  hints: string[][];
  /** The hints for a row's text while it is being edited, before it is applied. */
  previewHints: (text: string, index: number) => string[];
  canEdit: boolean;
  onAction: (action: DraftAction) => void;
}

/** The criteria in order with their quality hints; with edit rights, controls per criterion. */
export function CriteriaList({ criteria, hints, previewHints, canEdit, onAction }: CriteriaListProps) {
  const [editing, setEditing] = useState<{ key: string; text: string; error: string | null } | null>(null);

  const applyEdit = (index: number) => {
    if (!editing) return;
    if (editing.text.trim() === '') {
      setEditing({ ...editing, error: 'A criterion needs text. Delete it instead if it is no longer needed.' });
      return;
    }
    onAction({ type: 'edit', index, text: editing.text });
    setEditing(null);
  };

  return (
    <Stack space="space.150">
      {criteria.map((criterion, index) => {
        const isEditing = editing?.key === criterion.key;
        return (
          <Box key={criterion.key} testId={`criterion-row-${index}`}>
            <Stack space="space.050">
              {isEditing ? (
                <Stack space="space.050">
                  <Label labelFor={`edit-criterion-${criterion.key}`}>Edit criterion {index + 1}</Label>
                  <Textfield
                    id={`edit-criterion-${criterion.key}`}
                    value={editing.text}
                    isInvalid={editing.error !== null}
                    onChange={(event) => setEditing({ ...editing, text: String(event.target.value ?? ''), error: null })}
                  />
                  {editing.error ? <ErrorMessage>{editing.error}</ErrorMessage> : null}
                  <Inline space="space.100">
                    <Button appearance="primary" onClick={() => applyEdit(index)}>
                      Apply
                    </Button>
                    <Button appearance="subtle" onClick={() => setEditing(null)}>
                      Cancel
                    </Button>
                  </Inline>
                </Stack>
              ) : (
                <Inline space="space.100" alignBlock="center" shouldWrap>
                  {canEdit ? (
                    <Checkbox
                      label="Met"
                      isChecked={criterion.met}
                      onChange={(event) => onAction({ type: 'setMet', index, met: Boolean(event.target.checked) })}
                    />
                  ) : (
                    <Lozenge appearance={criterion.met ? 'success' : 'default'}>{criterion.met ? 'Met' : 'Not met'}</Lozenge>
                  )}
                  <Text>
                    {index + 1}. {criterion.text}
                  </Text>
                </Inline>
              )}
              <HintLines hints={isEditing ? previewHints(editing.text, index) : (hints[index] ?? [])} />
              {canEdit && !isEditing ? (
                <Inline space="space.050">
                  <Button spacing="compact" appearance="subtle" onClick={() => setEditing({ key: criterion.key, text: criterion.text, error: null })}>
                    Edit
                  </Button>
                  <Button spacing="compact" appearance="subtle" isDisabled={index === 0} onClick={() => onAction({ type: 'move', index, by: -1 })}>
                    Move up
                  </Button>
                  <Button
                    spacing="compact"
                    appearance="subtle"
                    isDisabled={index === criteria.length - 1}
                    onClick={() => onAction({ type: 'move', index, by: 1 })}
                  >
                    Move down
                  </Button>
                  <Button spacing="compact" appearance="subtle" onClick={() => onAction({ type: 'delete', index })}>
                    Delete
                  </Button>
                </Inline>
              ) : null}
            </Stack>
          </Box>
        );
      })}
    </Stack>
  );
}
