import React, { useState } from 'react';
import { Button, Label, Modal, ModalBody, ModalFooter, ModalHeader, ModalTitle, SectionMessage, Stack, Text, TextArea } from '@forge/react';

export interface ReasonModalProps {
  baselineName: string | null;
  isSaving: boolean;
  /** Null when the user left the reason empty: the change is recorded as undocumented. */
  onConfirm: (reason: string | null) => void;
  onCancel: () => void;
  /**
   * edit (the issue panel): asked while saving criteria; an empty reason is allowed, with a warning.
   * attach (the project page): a reason for changes recorded without one; it cannot be empty.
   */
  purpose?: 'edit' | 'attach';
  /** attach: how many recorded changes the reason is for. */
  changeCount?: number;
}

/** Asks why the scope changes (or changed). */
export function ReasonModal({ baselineName, isSaving, onConfirm, onCancel, purpose = 'edit', changeCount = 1 }: ReasonModalProps) {
  const [reason, setReason] = useState('');
  const isEmpty = reason.trim() === '';
  const attach = purpose === 'attach';
  const one = changeCount === 1;
  return (
    <Modal onClose={onCancel}>
      <ModalHeader>
        <ModalTitle>{attach ? 'Why did the scope change?' : 'Why are the criteria changing?'}</ModalTitle>
      </ModalHeader>
      <ModalBody>
        <Stack space="space.100">
          <Text>
            {attach
              ? `${one ? 'This scope change was recorded' : `These ${changeCount} scope changes were recorded`} without a reason. The reason ` +
                `is added to the history as a new record; the recorded ${one ? 'change stays' : 'changes stay'} as written.`
              : `This deliverable is in the baseline${baselineName ? ` ${baselineName}` : ''}, so this edit is recorded as a scope change. Say why, ` +
                'for the people who review scope.'}
          </Text>
          <Label labelFor={attach ? 'attach-reason' : 'change-reason'}>Reason for the change</Label>
          <TextArea id={attach ? 'attach-reason' : 'change-reason'} value={reason} onChange={(event) => setReason(String(event.target.value ?? ''))} />
          {isEmpty && !attach ? (
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
        {attach ? (
          <Button appearance="primary" isDisabled={isSaving || isEmpty} onClick={() => onConfirm(reason.trim())}>
            Attach reason
          </Button>
        ) : (
          <Button appearance={isEmpty ? 'warning' : 'primary'} isDisabled={isSaving} onClick={() => onConfirm(isEmpty ? null : reason.trim())}>
            {isEmpty ? 'Save as undocumented' : 'Save change'}
          </Button>
        )}
      </ModalFooter>
    </Modal>
  );
}
