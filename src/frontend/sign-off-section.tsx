import React, { useState } from 'react';
import { Button, Inline, Label, Lozenge, Stack, Text, TextArea } from '@forge/react';
import type { PanelView } from '../forge/resolvers/resolver-contract';
import { formatTime } from './format-time';

export interface SignOffSectionProps {
  signOff: PanelView['signOff'];
  canSignOff: boolean;
  /** Why signing off is not possible right now (no criteria, unsaved edits); null when it is. */
  blockedReason: string | null;
  isBusy: boolean;
  onSignOff: (note: string | null) => void;
  onRevoke: () => void;
}

/** The current sign-off or why it is stale; for approvers, sign off with a note, or revoke. */
export function SignOffSection({ signOff, canSignOff, blockedReason, isBusy, onSignOff, onRevoke }: SignOffSectionProps) {
  const [note, setNote] = useState('');
  return (
    <Stack space="space.100">
      {signOff === null ? (
        <Inline space="space.100" alignBlock="center">
          <Lozenge appearance="default">Not signed off</Lozenge>
          <Text>Nobody has signed off these criteria yet.</Text>
        </Inline>
      ) : signOff.stale ? (
        <Stack space="space.050">
          <Inline space="space.100" alignBlock="center">
            <Lozenge appearance="removed">Sign-off stale</Lozenge>
          </Inline>
          <Text>
            {signOff.signerName} signed off as {signOff.role} on {formatTime(signOff.at)}, but this sign-off no longer counts:{' '}
            {signOff.staleReason ?? 'the acceptance criteria changed after it was given.'}
          </Text>
        </Stack>
      ) : (
        <Stack space="space.050">
          <Inline space="space.100" alignBlock="center">
            <Lozenge appearance="success">Signed off</Lozenge>
          </Inline>
          <Text>
            {signOff.signerName} signed off as {signOff.role} on {formatTime(signOff.at)}.
          </Text>
        </Stack>
      )}
      {signOff?.note ? <Text>Note: {signOff.note}</Text> : null}
      {canSignOff ? (
        <Stack space="space.100">
          <Label labelFor="sign-off-note">Sign-off note (optional)</Label>
          <TextArea id="sign-off-note" value={note} onChange={(event) => setNote(String(event.target.value ?? ''))} />
          {blockedReason ? <Text>{blockedReason}</Text> : null}
          <Inline space="space.100">
            <Button
              appearance="primary"
              isDisabled={isBusy || blockedReason !== null}
              onClick={() => {
                onSignOff(note.trim() === '' ? null : note.trim());
                setNote('');
              }}
            >
              Sign off
            </Button>
            {signOff !== null ? (
              <Button appearance="subtle" isDisabled={isBusy} onClick={onRevoke}>
                Revoke sign-off
              </Button>
            ) : null}
          </Inline>
        </Stack>
      ) : (
        <Text>Only the approvers named in this project's settings can sign off.</Text>
      )}
    </Stack>
  );
}
