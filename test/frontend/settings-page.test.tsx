import React from 'react';
import { fakeBridge, type ResolverTable } from '../mocks/forge-bridge';
import { SettingsPageApp } from '../../src/frontend/settings-page-app';
import type { ProjectSettings } from '../../src/forge/resolvers/resolver-contract';
import { renderForge, type ForgeView } from './render-forge';
import { makeSettings } from './view-fixtures';

jest.mock('@forge/bridge', () => jest.requireActual('../mocks/forge-bridge').forgeBridgeMock);

async function renderSettings(handlers: ResolverTable = {}, settings: ProjectSettings = makeSettings()): Promise<ForgeView> {
  fakeBridge.reset({
    getSettings: () => ({ ok: true, settings }),
    saveSettings: (payload) => ({ ok: true, settings: payload.settings as ProjectSettings }),
    ...handlers,
  });
  return renderForge(<SettingsPageApp />);
}

const savedSettings = () => fakeBridge.payloadsOf('saveSettings').map((p) => p.settings);

describe('project settings page', () => {
  it('shows each problem the admin should fix above the form', async () => {
    const problem = 'Scopekeeper itself cannot read this project’s roles: Jira shows them only to people and apps with the Administer Projects permission.';
    fakeBridge.reset({ getSettings: () => ({ ok: true, settings: makeSettings(), problems: [problem] }) });
    const view = await renderForge(<SettingsPageApp />);

    expect(view.text()).toContain('Something needs fixing');
    expect(view.text()).toContain(problem);
    expect(view.findField('Approver project roles').props.value).toBe('Client approvers');
  });

  it('shows no warning when nothing needs fixing', async () => {
    const view = await renderSettings();
    expect(view.text()).not.toContain('Something needs fixing');
  });

  it('tells the admin that sub-tasks cannot be deliverables next to the issue types', async () => {
    const view = await renderSettings();
    expect(view.text()).toContain('Sub-tasks cannot be deliverables');
  });

  it('shows the stored settings in their fields', async () => {
    const view = await renderSettings();

    const approvers = view.findField('Approvers (people)');
    expect(approvers.type).toBe('UserPicker');
    expect(approvers.props).toMatchObject({ isMulti: true, defaultValue: ['user-client'] });
    expect(view.findField('Approver project roles').props.value).toBe('Client approvers');
    expect(view.findField('Deliverable issue types').props.value).toBe('Story, Epic');
    expect(view.findField('Done status names').props.value).toBe('Done');
    expect(view.findField('The assignee may not sign off their own work').props.isChecked).toBe(true);
    expect(view.findField('Every criterion must be marked met before the deliverable can close').props.isChecked).toBe(false);
    expect(view.byType('RadioGroup')[0]?.props.value).toBe('record');
  });

  it('saves every setting the admin changed, lists split at commas, and confirms', async () => {
    const view = await renderSettings();
    await view.change('Approvers (people)', [
      { id: 'user-client', name: 'Cara Client', type: 'user', avatarUrl: '', email: '' },
      { id: 'user-po', name: 'Pat Owner', type: 'user', avatarUrl: '', email: '' },
    ]);
    await view.type('Approver project roles', 'Client approvers,  Product owners , ');
    await view.check('Every criterion must be marked met before the deliverable can close', true);
    await view.check('The assignee may not sign off their own work', false);
    await view.type('Deliverable issue types', 'Story');
    await view.type('Done status names', 'Done, Accepted\nReleased');
    const radio = view.byType('RadioGroup')[0];
    if (!radio) throw new Error('no bypass policy choice');
    await view.fire(radio, 'onChange', { target: { value: 'reopen' } });
    await view.submit();

    expect(savedSettings()).toEqual([
      {
        approverAccountIds: ['user-client', 'user-po'],
        approverRoles: ['Client approvers', 'Product owners'],
        requireAllMet: true,
        forbidSelfSignOff: false,
        deliverableIssueTypes: ['Story'],
        doneStatusNames: ['Done', 'Accepted', 'Released'],
        bypassPolicy: 'reopen',
        vocabulary: { vagueWords: [], silencedWords: [], disabledRules: [] },
      },
    ]);
    expect(view.text()).toContain('Settings saved');
  });

  it("shows the project's hint vocabulary: its words in their fields, and a rule switched off unticked", async () => {
    const view = await renderSettings({}, makeSettings({ vocabulary: { vagueWords: ['snappy', 'slick'], silencedWords: ['simple'], disabledRules: ['INCOSE-R16'] } }));

    expect(view.findField('Extra vague words').props.value).toBe('snappy, slick');
    expect(view.findField('Accepted words').props.value).toBe('simple');
    expect(view.findField('State what must happen, not what must not (INCOSE R16)').props.isChecked).toBe(false);
    expect(view.findField('Avoid vague terms (INCOSE R7)').props.isChecked).toBe(true);
    expect(view.text()).toContain('Hints are advice: they never stop a save, a sign-off or a closure.');
  });

  it('saves the words and rules the admin changed with the other settings', async () => {
    const view = await renderSettings({}, makeSettings({ vocabulary: { vagueWords: [], silencedWords: [], disabledRules: ['INCOSE-R16'] } }));
    await view.type('Extra vague words', 'snappy,  slick , ');
    await view.type('Accepted words', 'simple');
    await view.check('State what must happen, not what must not (INCOSE R16)', true);
    await view.check('One sentence, one thought (INCOSE R18)', false);
    await view.submit();

    expect(savedSettings().map((s) => (s as ProjectSettings).vocabulary)).toEqual([
      { vagueWords: ['snappy', 'slick'], silencedWords: ['simple'], disabledRules: ['INCOSE-R18'] },
    ]);
    expect(view.text()).toContain('Settings saved');
  });

  it('refuses a hint word that is not a word, naming it under its field, and sends nothing', async () => {
    const view = await renderSettings();
    await view.type('Extra vague words', 'snappy, !!!');
    await view.submit();

    expect(savedSettings()).toHaveLength(0);
    expect(view.findField('Extra vague words').props.isInvalid).toBe(true);
    expect(view.byType('ErrorMessage').map((n) => view.within(n).text())).toEqual(['The extra vague word “!!!” must contain a letter or digit.']);
    expect(view.text()).toContain('Fix the fields marked above. Nothing was changed.');
  });

  it('refuses a word that is both vague and accepted under the accepted words', async () => {
    const view = await renderSettings();
    await view.type('Extra vague words', 'snappy');
    await view.type('Accepted words', 'Snappy');
    await view.submit();

    expect(savedSettings()).toHaveLength(0);
    expect(view.findField('Accepted words').props.isInvalid).toBe(true);
    expect(view.findField('Extra vague words').props.isInvalid).toBe(false);
    expect(view.text()).toContain('“Snappy” is both an extra vague word and an accepted word. Keep it in one of the two lists.');
  });

  it('shows a validation error under the field and sends nothing when a list is too long', async () => {
    const view = await renderSettings();
    await view.type('Deliverable issue types', Array.from({ length: 51 }, (_, i) => `Type ${i}`).join(', '));
    await view.submit();

    expect(savedSettings()).toHaveLength(0);
    const errors = view.byType('ErrorMessage').map((n) => view.within(n).text());
    expect(errors).toEqual(['List at most 50 entries.']);
    expect(view.text()).toContain('Fix the fields marked above. Nothing was changed.');
  });

  it("shows the resolver's validation errors under the fields they belong to, hint words included", async () => {
    const view = await renderSettings({
      saveSettings: () => ({
        ok: false,
        code: 'INVALID_PAYLOAD',
        message: 'Some settings are not valid.',
        errors: [
          'settings.doneStatusNames.0: "Backlog" is not a status in this project',
          'settings.vocabulary.silencedWords.0: The accepted word “--” must contain a letter or digit.',
        ],
      }),
    });
    await view.submit();

    expect(view.findField('Done status names').props.isInvalid).toBe(true);
    expect(view.findField('Accepted words').props.isInvalid).toBe(true);
    expect(view.byType('ErrorMessage').map((n) => view.within(n).text())).toEqual([
      '"Backlog" is not a status in this project',
      'The accepted word “--” must contain a letter or digit.',
    ]);
    expect(view.text()).toContain('Some settings are not valid.');
  });

  it('says why and that nothing changed when a user who is not a project admin saves', async () => {
    const view = await renderSettings({
      saveSettings: () => ({ ok: false, code: 'NOT_PROJECT_ADMIN', message: 'Only project admins can change Scopekeeper settings.' }),
    });
    await view.type('Approver project roles', 'Everyone');
    await view.submit();

    expect(view.text()).toContain('Settings not saved');
    expect(view.text()).toContain('Only project admins can change Scopekeeper settings.');
    expect(view.text()).toContain('Nothing was changed.');
    expect(view.hasText('Settings saved')).toBe(false);
    expect(view.findField('Approver project roles').props.value).toBe('Everyone');
  });

  it("shows the refusal's message when the settings cannot be loaded", async () => {
    const view = await renderSettings({ getSettings: () => ({ ok: false, code: 'NOT_PROJECT_ADMIN', message: 'Only project admins can see these settings.' }) });

    expect(view.text()).toContain('The settings could not be loaded');
    expect(view.text()).toContain('Only project admins can see these settings.');
    expect(view.byType('Form')).toHaveLength(0);
  });

  it('renders from its resource entry with one getSettings call', async () => {
    fakeBridge.reset({ getSettings: () => ({ ok: true, settings: makeSettings() }) });
    const view = await renderForge(() => jest.requireActual('../../src/frontend/settings-page'));
    await view.waitFor(() => view.hasText('Scopekeeper settings'));

    expect(fakeBridge.callNames()).toEqual(['getSettings']);
  });
});
