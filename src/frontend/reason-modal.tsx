import React, { useState } from 'react';
import { Button, Label, Modal, ModalBody, ModalFooter, ModalHeader, ModalTitle, SectionMessage, Stack, Text, TextArea } from '@forge/react';

export interface ReasonModalProps {
  baselineName: string | null;
  isSaving: boolean;
  /** Null when the user left the reason empty: the change is recorded as undocumented. */
  onConfirm: (reason: string | null) => void;
  onCancel: () => void;
}

/** Asks why the criteria change after the baseline. An empty reason is allowed, with a warning. */
export function ReasonModal({ baselineName, isSaving, onConfirm, onCancel }: ReasonModalProps) {
  const [reason, setReason] = useState('');
  const isEmpty = reason.trim() === '';
  return (
    <Modal onClose={onCancel}>
      <ModalHeader>
        <ModalTitle>Why are the criteria changing?</ModalTitle>
      </ModalHeader>
      <ModalBody>
        <Stack space="space.100">
          <Text>
            This deliverable is in the baseline{baselineName ? ` ${baselineName}` : ''}, so this edit is recorded as a scope change. Say why,
            for the people who review scope.
          </Text>
          <Label labelFor="change-reason">Reason for the change</Label>
          <TextArea id="change-reason" value={reason} onChange={(event) => setReason(String(event.target.value ?? ''))} />
          {isEmpty ? (
            <SectionMessage appearance="warning" title="No reason given">
              <Text>Without a reason this change will be recorded as undocumented, and delivery managers will see it flagged.</Text>
            </SectionMessage>
          ) : null}
        </Stack>
      </ModalBody>
      <ModalFooter>
        <Button appearance="subtle" onClick={onCancel}>
          Cancel
        </Button>
        <Button appearance={isEmpty ? 'warning' : 'primary'} isDisabled={isSaving} onClick={() => onConfirm(isEmpty ? null : reason.trim())}>
          {isEmpty ? 'Save as undocumented' : 'Save change'}
        </Button>
      </ModalFooter>
    </Modal>
  );
}
