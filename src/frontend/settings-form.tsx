import React, { useState } from 'react';
import {
  Button,
  Checkbox,
  ErrorMessage,
  Form,
  FormFooter,
  HelperMessage,
  Label,
  RadioGroup,
  SectionMessage,
  Stack,
  Text,
  Textfield,
  UserPicker,
} from '@forge/react';
import { qualityRuleIds } from '../core/hints/rules';
import { describeHintRule } from '../forge/views/describe-hint-rule';
import type { Outcome, ProjectSettings } from '../forge/resolvers/resolver-contract';
import { parseFieldErrors } from './parse-field-errors';
import { RefusalMessage } from './refusal-message';
import { joinList, splitList } from './split-list';
import { validateSettings } from './validate-settings';

export interface SettingsFormProps {
  settings: ProjectSettings;
  onSave: (settings: ProjectSettings) => Promise<Outcome<{ settings: ProjectSettings }>>;
}

const BYPASS_OPTIONS = [
  { name: 'bypassPolicy', value: 'reopen', label: 'Reopen it to its previous status, with a comment saying why' },
  { name: 'bypassPolicy', value: 'record', label: 'Only record it in the history' },
];

const SETTINGS_FIELDS: readonly string[] = [
  'approverAccountIds',
  'approverRoles',
  'requireAllMet',
  'forbidSelfSignOff',
  'deliverableIssueTypes',
  'doneStatusNames',
  'bypassPolicy',
  'vocabulary',
  'vocabulary.vagueWords',
  'vocabulary.silencedWords',
  'vocabulary.disabledRules',
];

type Feedback = { kind: 'saved' } | { kind: 'refused'; outcome: Extract<Outcome<object>, { ok: false }> } | { kind: 'invalid' } | null;

type HintRule = ProjectSettings['vocabulary']['disabledRules'][number];

/** The project settings: who may sign off, the closure policy, which issues are deliverables, bypass policy, hint vocabulary. */
export function SettingsForm({ settings, onSave }: SettingsFormProps) {
  const [approverAccountIds, setApproverAccountIds] = useState<string[]>(settings.approverAccountIds);
  const [roles, setRoles] = useState(joinList(settings.approverRoles));
  const [requireAllMet, setRequireAllMet] = useState(settings.requireAllMet);
  const [forbidSelfSignOff, setForbidSelfSignOff] = useState(settings.forbidSelfSignOff);
  const [issueTypes, setIssueTypes] = useState(joinList(settings.deliverableIssueTypes));
  const [doneStatuses, setDoneStatuses] = useState(joinList(settings.doneStatusNames));
  const [bypassPolicy, setBypassPolicy] = useState<ProjectSettings['bypassPolicy']>(settings.bypassPolicy);
  const [vagueWords, setVagueWords] = useState(joinList(settings.vocabulary.vagueWords));
  const [acceptedWords, setAcceptedWords] = useState(joinList(settings.vocabulary.silencedWords));
  const [disabledRules, setDisabledRules] = useState<HintRule[]>(settings.vocabulary.disabledRules);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string[]>>({});
  const [feedback, setFeedback] = useState<Feedback>(null);
  const [saving, setSaving] = useState(false);

  const submit = async () => {
    const next: ProjectSettings = {
      approverAccountIds,
      approverRoles: splitList(roles),
      requireAllMet,
      forbidSelfSignOff,
      deliverableIssueTypes: splitList(issueTypes),
      doneStatusNames: splitList(doneStatuses),
      bypassPolicy,
      vocabulary: { vagueWords: splitList(vagueWords), silencedWords: splitList(acceptedWords), disabledRules },
    };
    const invalid = validateSettings(next);
    if (Object.keys(invalid).length > 0) {
      setFieldErrors(invalid);
      setFeedback({ kind: 'invalid' });
      return;
    }
    setSaving(true);
    setFeedback(null);
    setFieldErrors({});
    const result = await onSave(next);
    setSaving(false);
    if (result.ok) {
      setFeedback({ kind: 'saved' });
    } else {
      setFieldErrors(parseFieldErrors(result.errors, 'settings.', ['vocabulary']));
      setFeedback({ kind: 'refused', outcome: result });
    }
  };

  const errorsFor = (field: string) =>
    (fieldErrors[field] ?? []).map((message) => <ErrorMessage key={`${field}-${message}`}>{message}</ErrorMessage>);

  return (
    <Form onSubmit={submit}>
      <Stack space="space.200">
        <Stack space="space.050">
          <UserPicker
            label="Approvers (people)"
            name="approverAccountIds"
            isMulti
            defaultValue={settings.approverAccountIds}
            description="People who may sign off deliverables in this project."
            onChange={(value) => setApproverAccountIds(toAccountIds(value))}
          />
          {errorsFor('approverAccountIds')}
        </Stack>
        <Stack space="space.050">
          <Label labelFor="approver-roles">Approver project roles</Label>
          <Textfield id="approver-roles" value={roles} isInvalid={Boolean(fieldErrors.approverRoles)} onChange={(e) => setRoles(String(e.target.value ?? ''))} />
          <HelperMessage>
            Jira project role names, separated by commas, e.g. Client approvers, Product owners. With no approvers and no roles, anyone may sign off.
          </HelperMessage>
          {errorsFor('approverRoles')}
        </Stack>
        <Stack space="space.050">
          <Checkbox
            label="Every criterion must be marked met before the deliverable can close"
            isChecked={requireAllMet}
            onChange={(e) => setRequireAllMet(Boolean(e.target.checked))}
          />
          {errorsFor('requireAllMet')}
          <Checkbox
            label="The assignee may not sign off their own work"
            isChecked={forbidSelfSignOff}
            onChange={(e) => setForbidSelfSignOff(Boolean(e.target.checked))}
          />
          {errorsFor('forbidSelfSignOff')}
        </Stack>
        <Stack space="space.050">
          <Label labelFor="deliverable-issue-types">Deliverable issue types</Label>
          <Textfield
            id="deliverable-issue-types"
            value={issueTypes}
            isInvalid={Boolean(fieldErrors.deliverableIssueTypes)}
            onChange={(e) => setIssueTypes(String(e.target.value ?? ''))}
          />
          <HelperMessage>
            Issue type names, separated by commas. Leave empty to treat every issue type as a deliverable. Sub-tasks cannot be deliverables: the
            Acceptance &amp; sign-off panel is not shown on them. On other issue types that are not listed, the panel says that they are not
            deliverables.
          </HelperMessage>
          {errorsFor('deliverableIssueTypes')}
        </Stack>
        <Stack space="space.050">
          <Label labelFor="done-status-names">Done status names</Label>
          <Textfield
            id="done-status-names"
            value={doneStatuses}
            isInvalid={Boolean(fieldErrors.doneStatusNames)}
            onChange={(e) => setDoneStatuses(String(e.target.value ?? ''))}
          />
          <HelperMessage>Statuses that count as done besides Jira's Done category, separated by commas.</HelperMessage>
          {errorsFor('doneStatusNames')}
        </Stack>
        <Stack space="space.050">
          <Text weight="bold">When an issue reaches done without a valid sign-off</Text>
          <RadioGroup
            name="bypassPolicy"
            options={BYPASS_OPTIONS}
            value={bypassPolicy}
            onChange={(e) => setBypassPolicy(e.target.value === 'reopen' ? 'reopen' : 'record')}
          />
          {errorsFor('bypassPolicy')}
        </Stack>
        <Stack space="space.050">
          <Text weight="bold">Quality hints</Text>
          <Text>
            The issue panel gives hints on criteria that would be hard to test or accept, while they are written. Hints are advice: they never
            stop a save, a sign-off or a closure.
          </Text>
          <Label labelFor="hint-vague-words">Extra vague words</Label>
          <Textfield
            id="hint-vague-words"
            value={vagueWords}
            isInvalid={Boolean(fieldErrors['vocabulary.vagueWords'])}
            onChange={(e) => setVagueWords(String(e.target.value ?? ''))}
          />
          <HelperMessage>Words your team also counts as vague, separated by commas, e.g. snappy, slick. A criterion that uses one gets a hint.</HelperMessage>
          {errorsFor('vocabulary.vagueWords')}
          <Label labelFor="hint-accepted-words">Accepted words</Label>
          <Textfield
            id="hint-accepted-words"
            value={acceptedWords}
            isInvalid={Boolean(fieldErrors['vocabulary.silencedWords'])}
            onChange={(e) => setAcceptedWords(String(e.target.value ?? ''))}
          />
          <HelperMessage>
            Words your team has defined, so the hints do not flag them, separated by commas, e.g. simple, where your design guide says what simple means.
          </HelperMessage>
          {errorsFor('vocabulary.silencedWords')}
          <Text>Give hints for these rules:</Text>
          {qualityRuleIds.map((rule) => (
            <Checkbox
              key={rule}
              label={describeHintRule(rule)}
              isChecked={!disabledRules.includes(rule)}
              onChange={(e) => setDisabledRules((now) => (e.target.checked ? now.filter((r) => r !== rule) : [...now.filter((r) => r !== rule), rule]))}
            />
          ))}
          {errorsFor('vocabulary.disabledRules')}
          {errorsFor('vocabulary')}
        </Stack>
        {Object.keys(fieldErrors)
          .filter((field) => !SETTINGS_FIELDS.includes(field))
          .flatMap((field) => errorsFor(field))}
        {feedback?.kind === 'saved' ? (
          <SectionMessage appearance="success" title="Settings saved">
            <Text>The new settings apply to the next sign-off and the next closure, and the hints use the new words the next time an issue panel opens.</Text>
          </SectionMessage>
        ) : feedback?.kind === 'invalid' ? (
          <SectionMessage appearance="error" title="Settings not saved">
            <Text>Fix the fields marked above. Nothing was changed.</Text>
          </SectionMessage>
        ) : feedback?.kind === 'refused' ? (
          <RefusalMessage refusal={{ ...feedback.outcome, errors: undefined }} title="Settings not saved">
            <Text>Nothing was changed.</Text>
          </RefusalMessage>
        ) : null}
        <FormFooter>
          <Button type="submit" appearance="primary" isDisabled={saving}>
            Save settings
          </Button>
        </FormFooter>
      </Stack>
    </Form>
  );
}

/** UserPicker reports one user, or a list of users when isMulti; both become account ids. */
function toAccountIds(value: unknown): string[] {
  const users = Array.isArray(value) ? value : value ? [value] : [];
  return users.map((u) => (typeof u === 'string' ? u : (u as { id?: unknown })?.id)).filter((id): id is string => typeof id === 'string' && id !== '');
}
