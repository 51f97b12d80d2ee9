import React, { useEffect, useRef, useState } from 'react';
import { Button, Heading, Inline, ModalTransition, SectionMessage, Spinner, Stack, Text } from '@forge/react';
import { showFlag } from '@forge/bridge';
import type { ImportPreview as Preview, PanelView, Refusal } from '../forge/resolvers/resolver-contract';
import { AddCriterionForm } from './add-criterion-form';
import { applyDraftAction, toDraft, type DraftAction, type DraftCriterion } from './apply-draft-action';
import { BaselineView } from './baseline-view';
import { CriteriaList } from './criteria-list';
import { ImportPreview } from './import-preview';
import { invokeResolver } from './invoke-resolver';
import { isScopeEdit } from './is-scope-edit';
import { matchHints } from './match-hints';
import { previewHints } from './preview-hints';
import { ReasonModal } from './reason-modal';
import { RefusalMessage } from './refusal-message';
import { SignOffSection } from './sign-off-section';
import { VerdictSection } from './verdict-section';

type Load = { status: 'loading' } | { status: 'failed'; refusal: Refusal } | { status: 'ready'; panel: PanelView };

/**
 * The "Acceptance & sign-off" issue panel. It loads with exactly one resolver call (getPanel);
 * every action returns the fresh PanelView, so nothing is fetched twice.
 *
 * Edits (add, edit, reorder, delete, mark met) collect in a draft and are saved as the whole
 * list in its new order. After the baseline a save that changes what the criteria say asks for
 * a reason first. A refused save keeps the draft on screen.
 */
export function IssuePanelApp() {
  const [load, setLoad] = useState<Load>({ status: 'loading' });
  const [draft, setDraft] = useState<DraftCriterion[] | null>(null);
  const [saving, setSaving] = useState(false);
  const [saveRefusal, setSaveRefusal] = useState<Refusal | null>(null);
  const [pendingSave, setPendingSave] = useState<DraftCriterion[] | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [importing, setImporting] = useState(false);
  const [importRefusal, setImportRefusal] = useState<Refusal | null>(null);
  const [signing, setSigning] = useState(false);
  const [signOffRefusal, setSignOffRefusal] = useState<Refusal | null>(null);
  const nextKey = useRef(0);
  const started = useRef(false);

  const fetchPanel = async () => {
    const result = await invokeResolver('getPanel', {});
    if (result.ok) {
      setLoad({ status: 'ready', panel: result.panel });
      setDraft(null);
      setSaveRefusal(null);
    } else {
      setLoad({ status: 'failed', refusal: result });
    }
  };

  useEffect(() => {
    // A ref, not an effect dependency, guards the load: StrictMode may run effects twice, and the
    // panel must load with one invocation.
    if (started.current) return;
    started.current = true;
    void fetchPanel();
  }, []);

  if (load.status === 'loading') {
    return (
      <Inline space="space.100" alignBlock="center">
        <Spinner size="medium" label="Loading acceptance criteria" />
        <Text>Loading acceptance criteria…</Text>
      </Inline>
    );
  }
  if (load.status === 'failed') {
    return (
      <RefusalMessage refusal={load.refusal} title="The acceptance criteria could not be loaded">
        <Button
          onClick={() => {
            setLoad({ status: 'loading' });
            void fetchPanel();
          }}
        >
          Try again
        </Button>
      </RefusalMessage>
    );
  }

  const { panel } = load;
  if (!panel.isDeliverable) {
    return (
      <SectionMessage appearance="information" title="Not a deliverable in this project">
        <Text>
          {panel.notDeliverableReason ??
            'This issue type is not a deliverable in this project, so Scopekeeper keeps no acceptance criteria or sign-off for it and does not stop it from closing. A project admin can change the deliverable issue types in Project settings → Apps → Scopekeeper.'}
        </Text>
      </SectionMessage>
    );
  }

  const saved = toDraft(panel.criteria);
  const current = draft ?? saved;
  const isDirty = draft !== null;
  const canEdit = panel.permissions.canEdit;
  const hints = matchHints(panel.criteria, panel.hints, current, panel.vocabulary);

  const newKey = () => `new-${nextKey.current++}`;
  const edit = (action: DraftAction) => {
    setDraft(applyDraftAction(current, action));
    setSaveRefusal(null);
  };

  const save = async (criteria: DraftCriterion[], reason: string | null) => {
    setSaving(true);
    setSaveRefusal(null);
    const result = await invokeResolver('saveCriteria', {
      criteria: criteria.map(({ id, text, met }) => ({ id, text, met })),
      reason,
      expectedVersion: panel.version,
    });
    setSaving(false);
    setPendingSave(null);
    if (result.ok) {
      setLoad({ status: 'ready', panel: result.panel });
      setDraft(null);
      showFlag({ id: 'scopekeeper-criteria-saved', title: 'Acceptance criteria saved', type: 'success', isAutoDismiss: true });
    } else {
      setDraft(criteria); // the user's edits stay on screen
      setSaveRefusal(result);
    }
  };

  const requestSave = (criteria: DraftCriterion[]) => {
    if (panel.asksForReason && isScopeEdit(panel.criteria, criteria)) {
      setDraft(criteria);
      setPendingSave(criteria);
      return;
    }
    void save(criteria, null);
  };

  const importFromDescription = async () => {
    setImporting(true);
    setImportRefusal(null);
    const result = await invokeResolver('importFromDescription', {});
    setImporting(false);
    if (result.ok) setPreview(result.preview);
    else setImportRefusal(result);
  };

  const applyImport = (mode: 'replace' | 'append') => {
    if (!preview) return;
    const imported = toDraft(preview.criteria, newKey());
    const next = applyDraftAction(current, mode === 'replace' ? { type: 'replace', criteria: imported } : { type: 'append', criteria: imported });
    setPreview(null);
    setDraft(next);
    requestSave(next);
  };

  const signOffAction = async (run: () => ReturnType<typeof invokeResolver<'signOff'>>, flag: string) => {
    setSigning(true);
    setSignOffRefusal(null);
    const result = await run();
    setSigning(false);
    if (result.ok) {
      setLoad({ status: 'ready', panel: result.panel });
      showFlag({ id: `scopekeeper-${flag}`, title: flag === 'signed-off' ? 'Signed off' : 'Sign-off revoked', type: 'success', isAutoDismiss: true });
    } else {
      setSignOffRefusal(result);
    }
  };

  const isConflict = saveRefusal?.code === 'VERSION_CONFLICT';
  const blockedReason =
    panel.criteria.length === 0
      ? 'There is nothing to sign off yet: add acceptance criteria first.'
      : isDirty
        ? 'Save or discard your changes first: a sign-off accepts the criteria as saved.'
        : null;

  return (
    <Stack space="space.200">
      <Heading size="small">Acceptance criteria</Heading>
      {current.length === 0 ? (
        <SectionMessage appearance="warning" title="No acceptance criteria yet">
          <Text>
            A deliverable without acceptance criteria cannot be closed.{' '}
            {canEdit
              ? 'Add criteria someone can check, or import them from the issue description.'
              : 'Someone who can edit this issue needs to add them.'}
          </Text>
        </SectionMessage>
      ) : (
        <CriteriaList
          criteria={current}
          hints={hints}
          previewHints={(text, index) => previewHints(current, index, text, panel.vocabulary)}
          canEdit={canEdit}
          onAction={edit}
        />
      )}
      {canEdit ? (
        <Stack space="space.100">
          <AddCriterionForm
            onAdd={(text) => edit({ type: 'add', text, key: newKey() })}
            previewHints={(text) => previewHints(current, current.length, text, panel.vocabulary)}
          />
          <Inline space="space.100">
            <Button iconBefore="download" isDisabled={importing || saving} onClick={() => void importFromDescription()}>
              Import from description
            </Button>
          </Inline>
        </Stack>
      ) : (
        <Text>You can read these criteria but not change them: that needs permission to edit this issue.</Text>
      )}
      {importRefusal ? <RefusalMessage refusal={importRefusal} title="The description could not be imported" /> : null}
      {preview ? (
        <ImportPreview
          preview={preview}
          hasCriteria={current.length > 0}
          onReplace={() => applyImport('replace')}
          onAppend={() => applyImport('append')}
          onCancel={() => setPreview(null)}
        />
      ) : null}
      {isDirty ? (
        <Inline space="space.100" alignBlock="center">
          <Text>You have unsaved changes.</Text>
          <Button appearance="primary" isDisabled={saving} onClick={() => requestSave(current)}>
            Save changes
          </Button>
          <Button
            appearance="subtle"
            isDisabled={saving}
            onClick={() => {
              setDraft(null);
              setSaveRefusal(null);
            }}
          >
            Discard changes
          </Button>
        </Inline>
      ) : null}
      {saveRefusal && isConflict ? (
        <SectionMessage appearance="warning" title="Someone else changed these criteria">
          <Text>
            Someone saved changes to these criteria after you opened this issue, so your changes were not saved. They are still on screen: copy
            what you need, reload to see the current criteria, then make your change again.
          </Text>
          <Button onClick={() => void fetchPanel()}>Reload criteria</Button>
        </SectionMessage>
      ) : saveRefusal ? (
        <RefusalMessage refusal={saveRefusal} title="Your changes were not saved" />
      ) : null}
      <ModalTransition>
        {pendingSave ? (
          <ReasonModal
            baselineName={panel.baseline?.name ?? null}
            isSaving={saving}
            onConfirm={(reason) => void save(pendingSave, reason)}
            onCancel={() => setPendingSave(null)}
          />
        ) : null}
      </ModalTransition>

      <Heading size="small">Scope baseline</Heading>
      <BaselineView panel={panel} />

      <Heading size="small">Sign-off</Heading>
      {panel.signOffUnavailable ? (
        <SectionMessage appearance="warning" title="Sign-off is closed for now">
          <Text>{panel.signOffUnavailable}</Text>
        </SectionMessage>
      ) : null}
      <SignOffSection
        signOff={panel.signOff}
        canSignOff={panel.permissions.canSignOff}
        blockedReason={blockedReason}
        isBusy={signing}
        onSignOff={(note) => void signOffAction(() => invokeResolver('signOff', { note }), 'signed-off')}
        onRevoke={() => void signOffAction(() => invokeResolver('revokeSignOff', {}), 'revoked')}
      />
      {signOffRefusal ? <RefusalMessage refusal={signOffRefusal} title="The sign-off did not change" /> : null}

      <Heading size="small">Closure</Heading>
      <VerdictSection verdict={panel.verdict} hasUnsavedEdits={isDirty} />
    </Stack>
  );
}
