import React from 'react';
import { deferred, fakeBridge } from '../mocks/forge-bridge';
import { IssuePanelApp } from '../../src/frontend/issue-panel-app';
import type { PanelView, ResolverResults, SaveCriteriaPayload } from '../../src/forge/resolvers/resolver-contract';
import { renderForge, settle, type ForgeView } from './render-forge';
import { baselinedPanel, makePanel } from './view-fixtures';

jest.mock('@forge/bridge', () => jest.requireActual('../mocks/forge-bridge').forgeBridgeMock);

/** Renders the panel with getPanel answering `panel` and saveCriteria echoing the saved list back. */
async function renderPanel(panel: PanelView = makePanel()): Promise<ForgeView> {
  fakeBridge.reset({
    getPanel: () => ({ ok: true, panel }),
    saveCriteria: (payload) => ({
      ok: true,
      panel: { ...panel, version: (panel.version ?? 0) + 1, criteria: payload.criteria.map((c, i) => ({ ...c, id: c.id ?? `saved-${i}` })) },
    }),
  });
  return renderForge(<IssuePanelApp />);
}

function savedPayloads(): SaveCriteriaPayload[] {
  return fakeBridge.payloadsOf('saveCriteria') as SaveCriteriaPayload[];
}

function lastSave(): SaveCriteriaPayload {
  const payloads = savedPayloads();
  const last = payloads[payloads.length - 1];
  if (!last) throw new Error('saveCriteria was not called');
  return last;
}

const texts = (payload: SaveCriteriaPayload) => payload.criteria.map((c) => c.text);

describe('issue panel "Acceptance & sign-off": loading, empty and error states', () => {
  it('shows a spinner while the panel loads and the criteria once getPanel answers', async () => {
    const answer = deferred<ResolverResults['getPanel']>();
    fakeBridge.reset({ getPanel: () => answer.promise });
    const view = await renderForge(<IssuePanelApp />);

    expect(view.byType('Spinner')).toHaveLength(1);
    expect(view.text()).toContain('Loading acceptance criteria');
    expect(view.hasText('The export lists every order of the last 30 days')).toBe(false);

    answer.resolve({ ok: true, panel: makePanel() });
    await view.waitFor(() => view.byType('Spinner').length === 0);
    expect(view.text()).toContain('1. The export lists every order of the last 30 days');
    expect(view.text()).toContain('3. Cancelled orders are marked as cancelled');
  });

  it('loads with exactly one resolver invocation, getPanel, when its resource entry renders in StrictMode', async () => {
    fakeBridge.reset({ getPanel: () => ({ ok: true, panel: makePanel() }) });
    // The entry calls ForgeReconciler.render(<React.StrictMode><App /></React.StrictMode>) itself.
    const view = await renderForge(() => jest.requireActual('../../src/frontend/issue-panel'));
    await settle();

    expect(view.text()).toContain('1. The export lists every order of the last 30 days');
    expect(fakeBridge.callNames()).toEqual(['getPanel']);
    expect(fakeBridge.payloadsOf('getPanel')).toEqual([{}]);
  });

  it('explains that a deliverable without criteria cannot be closed and offers Add and Import when there are no criteria yet', async () => {
    const view = await renderPanel(makePanel({ criteria: [] }));

    expect(view.text()).toContain('No acceptance criteria yet');
    expect(view.text()).toContain('A deliverable without acceptance criteria cannot be closed.');
    expect(view.buttonLabels()).toEqual(expect.arrayContaining(['Add criterion', 'Import from description']));
    expect(view.queryButton('Sign off')).toBeUndefined();
  });

  it("shows the refusal's message when the panel cannot be loaded, and loads again on Try again", async () => {
    fakeBridge.reset({ getPanel: () => ({ ok: false, code: 'NO_ACCESS', message: 'You cannot view this issue.' }) });
    const view = await renderForge(<IssuePanelApp />);

    expect(view.text()).toContain('The acceptance criteria could not be loaded');
    expect(view.text()).toContain('You cannot view this issue.');

    fakeBridge.handle({ getPanel: () => ({ ok: true, panel: makePanel() }) });
    await view.click('Try again');
    expect(view.text()).toContain('1. The export lists every order of the last 30 days');
    expect(fakeBridge.callNames()).toEqual(['getPanel', 'getPanel']);
  });

  it('shows an error message instead of a blank panel when the bridge itself fails', async () => {
    fakeBridge.reset({}); // no handler: invoke rejects
    const view = await renderForge(<IssuePanelApp />);

    expect(view.text()).toContain('Scopekeeper could not reach its backend');
    expect(view.byType('SectionMessage')[0]?.props.appearance).toBe('error');
  });

  it('says the issue is not a deliverable when its type is not tracked in this project', async () => {
    const view = await renderPanel(makePanel({ isDeliverable: false }));

    expect(view.text()).toContain('Not a deliverable');
    expect(view.queryButton('Add criterion')).toBeUndefined();
  });

  it('says in plain words why this issue type is not a deliverable in this project, and offers nothing to edit', async () => {
    const reason = 'PROJ-13 is a Task. In this project only “Story” issues are deliverables, so Scopekeeper keeps no acceptance criteria or sign-off for this issue and does not stop it from closing.';
    const view = await renderPanel(makePanel({ isDeliverable: false, notDeliverableReason: reason }));

    expect(view.text()).toContain('Not a deliverable in this project');
    expect(view.text()).toContain(reason);
    expect(view.queryButton('Sign off')).toBeUndefined();
  });

  it('warns that sign-off is closed and says why when Scopekeeper cannot tell who may sign off', async () => {
    const why = "Scopekeeper cannot read this project's roles, so it cannot tell who holds “Client approvers”.";
    const view = await renderPanel(makePanel({ signOffUnavailable: why, permissions: { canEdit: true, canSignOff: false } }));

    expect(view.text()).toContain('Sign-off is closed for now');
    expect(view.text()).toContain(why);
    expect(view.queryButton('Sign off')).toBeUndefined();
    expect(view.text()).toContain('1. The export lists every order of the last 30 days');
  });
});

describe('issue panel: editing criteria saves the whole list in its new order', () => {
  it('saves every criterion plus the new one at the end when a criterion is added, without any identity in the payload', async () => {
    const view = await renderPanel();
    await view.type('New criterion', 'An empty export shows "No orders"');
    await view.click('Add criterion');

    expect(view.text()).toContain('4. An empty export shows "No orders"');
    expect(view.text()).toContain('You have unsaved changes.');
    expect(savedPayloads()).toHaveLength(0);

    await view.click('Save changes');
    const payload = lastSave();
    expect(payload).toEqual({
      criteria: [
        { id: 'c1', text: 'The export lists every order of the last 30 days', met: false },
        { id: 'c2', text: 'The file downloads within 5 seconds', met: true },
        { id: 'c3', text: 'Cancelled orders are marked as cancelled', met: false },
        { id: null, text: 'An empty export shows "No orders"', met: false },
      ],
      reason: null,
      expectedVersion: 4,
    });
    // Identity comes from the invocation context, never from the payload.
    expect(JSON.stringify(payload)).not.toMatch(/accountId|user-|assignee|signer/i);
    expect(view.hasText('You have unsaved changes.')).toBe(false);
    expect(fakeBridge.flags.map((f) => f.title)).toEqual(['Acceptance criteria saved']);
  });

  it('refuses to add an empty criterion and says what to write', async () => {
    const view = await renderPanel();
    await view.type('New criterion', '   ');
    await view.click('Add criterion');

    expect(view.text()).toContain('Write the criterion first');
    expect(view.hasText('You have unsaved changes.')).toBe(false);
  });

  it('saves the new text in the same position when a criterion is edited', async () => {
    const view = await renderPanel();
    const row = view.byTestId('criterion-row-1');
    await row.click('Edit');
    await view.type('Edit criterion 2', 'The file downloads within 3 seconds');
    await view.click('Apply');
    await view.click('Save changes');

    expect(texts(lastSave())).toEqual([
      'The export lists every order of the last 30 days',
      'The file downloads within 3 seconds',
      'Cancelled orders are marked as cancelled',
    ]);
    expect(lastSave().criteria[1]).toEqual({ id: 'c2', text: 'The file downloads within 3 seconds', met: true });
  });

  it('keeps an edit open with a message when the edited text is emptied', async () => {
    const view = await renderPanel();
    await view.byTestId('criterion-row-0').click('Edit');
    await view.type('Edit criterion 1', '');
    await view.click('Apply');

    expect(view.text()).toContain('A criterion needs text');
    expect(view.queryButton('Save changes')).toBeUndefined();
  });

  it('saves the list in its new order when a criterion is moved up', async () => {
    const view = await renderPanel();
    await view.byTestId('criterion-row-2').click('Move up');

    expect(view.byTestId('criterion-row-1').text()).toContain('2. Cancelled orders are marked as cancelled');
    await view.click('Save changes');
    expect(lastSave().criteria.map((c) => c.id)).toEqual(['c1', 'c3', 'c2']);
  });

  it('saves the list in its new order when a criterion is moved down, and cannot move the last one further', async () => {
    const view = await renderPanel();
    expect(view.byTestId('criterion-row-2').findButton('Move down').props.isDisabled).toBe(true);
    expect(view.byTestId('criterion-row-0').findButton('Move up').props.isDisabled).toBe(true);

    await view.byTestId('criterion-row-0').click('Move down');
    await view.click('Save changes');
    expect(lastSave().criteria.map((c) => c.id)).toEqual(['c2', 'c1', 'c3']);
  });

  it('saves the list without the criterion when one is deleted', async () => {
    const view = await renderPanel();
    await view.byTestId('criterion-row-1').click('Delete');

    expect(view.hasText('The file downloads within 5 seconds')).toBe(false);
    await view.click('Save changes');
    expect(lastSave().criteria.map((c) => c.id)).toEqual(['c1', 'c3']);
  });

  it('saves met = true for the criterion that was marked met, leaving the others as they were', async () => {
    const view = await renderPanel();
    await view.byTestId('criterion-row-0').check('Met', true);
    await view.click('Save changes');

    expect(lastSave().criteria.map((c) => [c.id, c.met])).toEqual([
      ['c1', true],
      ['c2', true],
      ['c3', false],
    ]);
  });

  it('puts the saved criteria back when the user discards their changes', async () => {
    const view = await renderPanel();
    await view.byTestId('criterion-row-0').click('Delete');
    await view.click('Discard changes');

    expect(view.text()).toContain('1. The export lists every order of the last 30 days');
    expect(savedPayloads()).toHaveLength(0);
  });

  it('shows each quality hint under the criterion it is about', async () => {
    const view = await renderPanel(
      makePanel({
        criteria: [
          { id: 'c1', text: 'The export is fast', met: false },
          { id: 'c2', text: 'The file lists every order', met: false },
        ],
        hints: [{ criterionIndex: 0, code: 'VAGUE_WORD', message: '“fast” cannot be tested: say how fast, e.g. “within 2 seconds”.' }],
      }),
    );

    expect(view.byTestId('criterion-row-0').text()).toContain('Hint: “fast” cannot be tested');
    expect(view.byTestId('criterion-row-1').text()).not.toContain('Hint:');
  });

  it('shows the hint for a vague criterion while it is typed in the new criterion field, before it is added or saved', async () => {
    const view = await renderPanel();
    await view.type('New criterion', 'The export is fast');

    expect(view.text()).toContain('Hint: “fast” cannot be tested');
    await view.type('New criterion', 'The export finishes within 5 seconds');
    expect(view.text()).not.toContain('Hint:');
    expect(savedPayloads()).toHaveLength(0);
  });

  it('keeps the hint on a vague criterion once it is added to the unsaved list', async () => {
    const view = await renderPanel();
    await view.type('New criterion', 'The export is fast');
    await view.click('Add criterion');

    expect(view.findField('New criterion').props.value).toBe('');
    expect(view.byTestId('criterion-row-3').text()).toContain('Hint: “fast” cannot be tested');
    expect(view.text()).toContain('You have unsaved changes.');
    expect(savedPayloads()).toHaveLength(0);
  });

  it('shows the hint for the new wording while a criterion is edited, before the edit is applied', async () => {
    const view = await renderPanel();
    await view.click('Edit');
    await view.type('Edit criterion 1', 'The export lists orders quickly');

    expect(view.byTestId('criterion-row-0').text()).toContain('Hint: “quickly” cannot be tested');
    await view.click('Apply');
    expect(view.byTestId('criterion-row-0').text()).toContain('Hint: “quickly” cannot be tested');
    expect(savedPayloads()).toHaveLength(0);
  });

  it("uses the project's vocabulary while criteria are written: a silenced word gives no hint, a team's vague word gives one", async () => {
    const view = await renderPanel(makePanel({ vocabulary: { vagueWords: ['snappy'], silencedWords: ['fast'], disabledRules: [] } }));
    await view.type('New criterion', 'The export is fast');
    expect(view.text()).not.toContain('Hint:');

    await view.type('New criterion', 'The export is snappy');
    expect(view.text()).toContain('Hint: “snappy” is on your team’s list of vague words');
  });

  it('shows criteria without edit controls to a user who cannot edit the issue', async () => {
    const view = await renderPanel(makePanel({ permissions: { canEdit: false, canSignOff: false } }));

    expect(view.buttonLabels()).toEqual([]);
    expect(view.lozenges()).toEqual(expect.arrayContaining(['Not met', 'Met']));
    expect(view.text()).toContain('You can read these criteria but not change them');
  });
});

describe('issue panel: import from description', () => {
  it('shows the criteria found in the description and saves them in place of the current ones when the user confirms Replace', async () => {
    const view = await renderPanel();
    fakeBridge.handle({
      importFromDescription: () => ({
        ok: true,
        preview: {
          criteria: [
            { id: null, text: 'Given an order, when it is exported, then it appears in the file', met: false },
            { id: null, text: 'The export is easy', met: false },
          ],
          hints: [{ criterionIndex: 1, code: 'VAGUE_WORD', message: '“easy” cannot be tested' }],
        },
      }),
    });
    await view.click('Import from description');

    expect(view.text()).toContain('2 criteria found in the description');
    expect(view.text()).toContain('The export is easy');
    expect(savedPayloads()).toHaveLength(0);

    await view.click('Replace current criteria');
    expect(lastSave().criteria).toEqual([
      { id: null, text: 'Given an order, when it is exported, then it appears in the file', met: false },
      { id: null, text: 'The export is easy', met: false },
    ]);
    expect(fakeBridge.payloadsOf('importFromDescription')).toEqual([{}]);
  });

  it('appends the imported criteria after the current ones when the user confirms Append', async () => {
    const view = await renderPanel();
    fakeBridge.handle({
      importFromDescription: () => ({ ok: true, preview: { criteria: [{ id: null, text: 'Refunds are listed', met: false }], hints: [] } }),
    });
    await view.click('Import from description');
    await view.click('Append to current criteria');

    expect(lastSave().criteria.map((c) => c.id ?? c.text)).toEqual(['c1', 'c2', 'c3', 'Refunds are listed']);
  });

  it('saves nothing when the user cancels the import preview', async () => {
    const view = await renderPanel();
    fakeBridge.handle({
      importFromDescription: () => ({ ok: true, preview: { criteria: [{ id: null, text: 'Refunds are listed', met: false }], hints: [] } }),
    });
    await view.click('Import from description');
    await view.click('Cancel');

    expect(view.hasText('found in the description')).toBe(false);
    expect(savedPayloads()).toHaveLength(0);
  });

  it('says how to write criteria when the description has none', async () => {
    const view = await renderPanel(makePanel({ criteria: [] }));
    fakeBridge.handle({ importFromDescription: () => ({ ok: true, preview: { criteria: [], hints: [] } }) });
    await view.click('Import from description');

    expect(view.text()).toContain('No criteria found in the description');
    expect(view.queryButton('Use these criteria')).toBeUndefined();
  });
});

describe('issue panel: scope is versioned against the SRS baseline', () => {
  it('shows the baseline name, the scope version and the diff of the criteria against the baseline', async () => {
    const view = await renderPanel(baselinedPanel());

    expect(view.text()).toContain('Baseline: SRS v1.0 (version 1.0). Current scope version: 1.2.');
    expect(view.text()).toContain('3 criteria differ from the baseline');
    expect(view.lozenges()).toEqual(expect.arrayContaining(['Modified', 'Added', 'Removed']));
    const diffs = view.codeBlocks();
    expect(diffs.every((d) => d.language === 'diff')).toBe(true);
    expect(diffs.map((d) => d.text)).toEqual([
      '- The file downloads fast\n+ The file downloads within 5 seconds',
      '+ Cancelled orders are marked as cancelled',
      '- Orders can be printed',
    ]);
    expect(view.text()).toContain('Changed words: The file downloads [-fast-]{+within 5 seconds+}');
  });

  it('says a deliverable added after the baseline is a scope addition', async () => {
    const view = await renderPanel(baselinedPanel({ baselineDiff: null }));
    expect(view.text()).toContain('it was added after it, so it counts as a scope addition');
  });

  it('asks for a reason before saving a scope change after the baseline and sends the reason with the save', async () => {
    const view = await renderPanel(baselinedPanel());
    await view.byTestId('criterion-row-2').click('Delete');
    await view.click('Save changes');

    expect(view.byType('Modal')).toHaveLength(1);
    expect(view.text()).toContain('Why are the criteria changing?');
    expect(savedPayloads()).toHaveLength(0);

    await view.type('Reason for the change', 'Client dropped cancelled orders from the release');
    expect(view.hasText('will be recorded as undocumented')).toBe(false);
    await view.click('Save change');

    expect(lastSave().reason).toBe('Client dropped cancelled orders from the release');
    expect(lastSave().criteria.map((c) => c.id)).toEqual(['c1', 'c2']);
    expect(view.byType('Modal')).toHaveLength(0);
  });

  it('warns that a change without a reason is recorded as undocumented, and saves it with no reason', async () => {
    const view = await renderPanel(baselinedPanel());
    await view.type('New criterion', 'Refunds are listed');
    await view.click('Add criterion');
    await view.click('Save changes');

    expect(view.text()).toContain('Without a reason this change will be recorded as undocumented');
    await view.click('Save as undocumented');
    expect(lastSave().reason).toBeNull();
    expect(texts(lastSave())).toContain('Refunds are listed');
  });

  it('saves nothing when the user cancels the reason prompt, and keeps the edit on screen', async () => {
    const view = await renderPanel(baselinedPanel());
    await view.byTestId('criterion-row-0').click('Delete');
    await view.click('Save changes');
    await view.click('Cancel');

    expect(savedPayloads()).toHaveLength(0);
    expect(view.text()).toContain('You have unsaved changes.');
  });

  it('does not ask for a reason when only marking a criterion met after the baseline, because that is not a scope change', async () => {
    const view = await renderPanel(baselinedPanel());
    await view.byTestId('criterion-row-0').check('Met', true);
    await view.click('Save changes');

    expect(view.byType('Modal')).toHaveLength(0);
    expect(lastSave()).toMatchObject({ reason: null });
  });
});

describe('issue panel: closure waits for sign-off', () => {
  it('hides the Sign off button from users who are not approvers', async () => {
    const view = await renderPanel(makePanel({ permissions: { canEdit: true, canSignOff: false } }));

    expect(view.queryButton('Sign off')).toBeUndefined();
    expect(view.text()).toContain('Only the approvers named in this project');
  });

  it('shows Sign off with an optional note to approvers and sends only the note', async () => {
    const signed = makePanel({
      permissions: { canEdit: true, canSignOff: true },
      signOff: { signerName: 'Cara Client', role: 'Client approvers', at: '2025-03-05T14:30:00.000Z', note: 'Looks right', stale: false, staleReason: null },
      verdict: { allowed: true, summary: 'Ready to close', reasons: [] },
    });
    const view = await renderPanel(makePanel({ permissions: { canEdit: true, canSignOff: true } }));
    fakeBridge.handle({ signOff: () => ({ ok: true, panel: signed }) });

    await view.type('Sign-off note (optional)', 'Looks right');
    await view.click('Sign off');

    expect(fakeBridge.payloadsOf('signOff')).toEqual([{ note: 'Looks right' }]);
    expect(view.lozenges()).toContain('Signed off');
    expect(view.text()).toContain('Cara Client signed off as Client approvers on 5 Mar 2025, 14:30 UTC.');
    expect(view.text()).toContain('Note: Looks right');
  });

  it('sends a null note when the approver signs off without one', async () => {
    const view = await renderPanel(makePanel({ permissions: { canEdit: true, canSignOff: true } }));
    fakeBridge.handle({ signOff: () => ({ ok: true, panel: makePanel() }) });
    await view.click('Sign off');

    expect(fakeBridge.payloadsOf('signOff')).toEqual([{ note: null }]);
  });

  it('keeps Sign off disabled while there are unsaved changes, because a sign-off accepts the saved criteria', async () => {
    const view = await renderPanel(makePanel({ permissions: { canEdit: true, canSignOff: true } }));
    await view.byTestId('criterion-row-0').click('Delete');

    expect(view.findButton('Sign off').props.isDisabled).toBe(true);
    expect(view.text()).toContain('Save or discard your changes first');
  });

  it('explains why a stale sign-off no longer counts', async () => {
    const view = await renderPanel(
      makePanel({
        signOff: {
          signerName: 'Cara Client',
          role: 'Client approvers',
          at: '2025-03-05T14:30:00.000Z',
          note: null,
          stale: true,
          staleReason: 'criterion 2 was reworded on 6 Mar 2025 after the sign-off.',
        },
      }),
    );

    expect(view.lozenges()).toContain('Sign-off stale');
    expect(view.text()).toContain(
      'Cara Client signed off as Client approvers on 5 Mar 2025, 14:30 UTC, but this sign-off no longer counts: criterion 2 was reworded on 6 Mar 2025 after the sign-off.',
    );
  });

  it('revokes the sign-off when an approver asks to', async () => {
    const view = await renderPanel(
      makePanel({
        permissions: { canEdit: true, canSignOff: true },
        signOff: { signerName: 'Cara Client', role: 'Client approvers', at: '2025-03-05T14:30:00.000Z', note: null, stale: false, staleReason: null },
      }),
    );
    fakeBridge.handle({ revokeSignOff: () => ({ ok: true, panel: makePanel({ permissions: { canEdit: true, canSignOff: true } }) }) });
    await view.click('Revoke sign-off');

    expect(fakeBridge.payloadsOf('revokeSignOff')).toEqual([{}]);
    expect(view.lozenges()).toContain('Not signed off');
  });

  it('shows why a sign-off was refused', async () => {
    const view = await renderPanel(makePanel({ permissions: { canEdit: true, canSignOff: true } }));
    fakeBridge.handle({ signOff: () => ({ ok: false, code: 'SELF_SIGNOFF', message: 'You are the assignee: ask another approver to sign off.' }) });
    await view.click('Sign off');

    expect(view.text()).toContain('The sign-off did not change');
    expect(view.text()).toContain('You are the assignee: ask another approver to sign off.');
  });

  it('says "Ready to close" when the closure gate allows it', async () => {
    const view = await renderPanel(makePanel({ verdict: { allowed: true, summary: 'Ready to close', reasons: [] } }));

    expect(view.lozenges()).toContain('Ready to close');
    expect(view.hasText('What is missing')).toBe(false);
  });

  it('lists every unmet condition when the closure gate refuses', async () => {
    const view = await renderPanel(
      makePanel({
        verdict: {
          allowed: false,
          summary: 'Not ready to close',
          reasons: [
            { code: 'SIGNOFF_STALE', message: 'The sign-off by Cara Client on 5 Mar 2025 no longer counts.' },
            { code: 'CRITERIA_NOT_MET', message: '2 of 3 criteria are not met yet.' },
          ],
        },
      }),
    );

    expect(view.lozenges()).toContain('Not ready to close');
    const items = view.byType('ListItem').map((n) => view.within(n).text());
    expect(items).toEqual(['The sign-off by Cara Client on 5 Mar 2025 no longer counts.', '2 of 3 criteria are not met yet.']);
  });
});

describe('issue panel: a refused action changes nothing, and the UI says why', () => {
  it("shows the refusal's message and keeps the user's edits on screen when a save is refused", async () => {
    const view = await renderPanel();
    fakeBridge.handle({ saveCriteria: () => ({ ok: false, code: 'NO_EDIT_PERMISSION', message: 'You need permission to edit PROJ-1 to change its criteria.' }) });
    await view.type('New criterion', 'Refunds are listed');
    await view.click('Add criterion');
    await view.click('Save changes');

    expect(view.text()).toContain('Your changes were not saved');
    expect(view.text()).toContain('You need permission to edit PROJ-1 to change its criteria.');
    expect(view.text()).toContain('4. Refunds are listed');
    expect(view.text()).toContain('You have unsaved changes.');
  });

  it('tells the user someone else changed the criteria and reloads them on request when the save hits a version conflict', async () => {
    const view = await renderPanel();
    fakeBridge.handle({ saveCriteria: () => ({ ok: false, code: 'VERSION_CONFLICT', message: 'The criteria changed since you loaded them.' }) });
    await view.byTestId('criterion-row-0').click('Delete');
    await view.click('Save changes');

    expect(view.text()).toContain('Someone else changed these criteria');
    expect(view.hasText('The export lists every order of the last 30 days')).toBe(false); // edit still on screen

    const theirs = makePanel({ version: 5, criteria: [{ id: 'c9', text: 'Their new criterion', met: false }] });
    fakeBridge.handle({ getPanel: () => ({ ok: true, panel: theirs }) });
    await view.click('Reload criteria');

    expect(view.text()).toContain('1. Their new criterion');
    expect(view.hasText('Someone else changed these criteria')).toBe(false);
    expect(view.hasText('You have unsaved changes.')).toBe(false);
  });

  it('sends the version it loaded so a stale save can be refused', async () => {
    const view = await renderPanel(makePanel({ version: 17 }));
    await view.byTestId('criterion-row-0').check('Met', true);
    await view.click('Save changes');

    expect(lastSave().expectedVersion).toBe(17);
  });
});
