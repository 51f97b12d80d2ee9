import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findQualityHints, qualityHintCodes, qualityRules } from '../../src/core/find-quality-hints';
import { VAGUE_GROUPS } from '../../src/core/hints/vague-terms';
import { loadTagger } from '../../src/hints/load-tagger';
import { renderComments, type CommandReply } from '../../linear-adapter/decide/render-comments';

// Words of the design (docs/design.md) that mean nothing to a product owner on Linear: nothing
// Scopekeeper writes there may use them. Checked on the journey's status comments and replies,
// and on every kind of reply.

const INTERNAL_TERMS = /\b(digest|deliverables?|scope versions?|stale)\b/i;

// One quote style in every hint and comment (issue 11): typographic “ ” (‘ ’ inside them, ’ as the
// apostrophe). A plain ' or " in Scopekeeper's own words is the other style.
const PLAIN_QUOTE = /["']/;

// One criterion for each kind of hint message (each group of vague words by its own example), so
// every message text is checked.
const HINTED_CRITERIA = [
  ...VAGUE_GROUPS.map((group) => group.before),
  'Meets accessibility standards',
  'The export is snappy',
  'Filtering works',
  'Approved by product and/or design',
  'The app does not crash',
  'Given a cart, when I pay',
  'Refactor the billing module',
  'Click Save',
  'API errors are handled',
  'When the upload fails',
  'Dark mode',
  'The order is saved and the stock is reduced and the receipt is emailed',
  `The export ${'lists every order of the last thirty days '.repeat(6)}`,
  'The page loads fast',
].map((text) => ({ text }));

const ana = { id: 'user-ana', name: 'Ana Silva', email: 'ana@client.example' };
const REPLIES: CommandReply[] = [
  { command: 'signoff', kind: 'signoff_recorded', signer: ana, digest: 'f'.repeat(64), criterionCount: 2, note: 'Checked' },
  { command: 'signoff', kind: 'signoff_refused', signer: ana, message: 'Ask an approver.', emailUnknown: true },
  { command: 'revoke-signoff', kind: 'signoff_revoked', actor: ana, signer: ana, reopen: { kind: 'not_done' } },
  { command: 'revoke-signoff', kind: 'signoff_revoked', actor: ana, signer: ana, reopen: { kind: 'reopened', toState: 'In Progress' } },
  { command: 'revoke-signoff', kind: 'signoff_revoked', actor: ana, signer: ana, reopen: { kind: 'recorded', state: 'Done' } },
  { command: 'revoke-signoff', kind: 'revoke_refused', message: 'ENG-1 has no sign-off to revoke.' },
  { command: 'scope-reason', kind: 'reason_attached', changeCount: 2, key: null },
  { command: 'scope-reason', kind: 'reason_attached', changeCount: 1, key: 'ENG-12' },
  { command: 'scope-reason', kind: 'nothing_to_document', key: 'ENG-1' },
  { command: 'scope-reason', kind: 'reason_target_unknown', key: 'ENG-99' },
  { command: 'baseline', kind: 'baseline_created', name: 'SRS v1.0', version: '1.0', deliverableCount: 3, criterionCount: 7 },
  { command: 'baseline', kind: 'baseline_refused', code: 'ONE_PER_COMMENT', message: 'SRS v1.0' },
  { command: 'baseline', kind: 'missing_text' },
  { command: 'scope-reason', kind: 'missing_text' },
  { command: 'signoff', kind: 'issue_unknown' },
  { command: 'scopereason', kind: 'unknown_command', written: 'scopereason', suggestion: 'scope-reason' },
  { command: 'shrug', kind: 'unknown_command', written: 'shrug', suggestion: null },
  { command: 'signoff', kind: 'not_at_line_start' },
];

describe('the words Scopekeeper uses on Linear', () => {
  it('never says digest, deliverable, scope version or stale in the journey’s status comments and replies', () => {
    const journey = readFileSync(join(__dirname, '__snapshots__', 'status-journey.md'), 'utf8');
    const found = journey.split('\n').filter((line) => INTERNAL_TERMS.test(line));
    expect(found).toEqual([]);
  });

  it('never says them in any kind of reply', () => {
    const found = REPLIES.map((reply) => renderComments([{ kind: 'command_replies', replies: [reply] }]) ?? '').filter((text) => INTERNAL_TERMS.test(text));
    expect(found).toEqual([]);
  });

  it('lists conditions as plain bullets, never as task items that do nothing when ticked', () => {
    const journey = readFileSync(join(__dirname, '__snapshots__', 'status-journey.md'), 'utf8');
    const outsideTemplate = journey.replace(/```markdown[\s\S]*?```/g, '');
    expect(outsideTemplate).not.toMatch(/^- \[[ x]\]/m);
  });

  it('answers a misspelt command with the closest one, and a command mid-sentence with how to write it', () => {
    const [typo, midSentence] = [REPLIES[15]!, REPLIES[17]!].map((reply) => renderComments([{ kind: 'command_replies', replies: [reply] }]));
    expect(typo).toContain('Did you mean `/scope-reason`?');
    expect(midSentence).toContain('a command must start its own line');
  });

  it('quotes with typographic marks only, in every hint message, every rule it cites and every reply', () => {
    const hints = findQualityHints(HINTED_CRITERIA, { tagger: loadTagger(), vocabulary: { vagueWords: ['snappy'] } });
    // Every kind of hint is among them, so no message goes unchecked.
    expect(new Set(hints.map((h) => h.code))).toEqual(new Set(qualityHintCodes));
    expect(new Set(hints.map((h) => h.message)).size).toBeGreaterThanOrEqual(VAGUE_GROUPS.length + 10);
    const texts = [
      ...hints.map((h) => h.message),
      ...Object.values(qualityRules).flatMap((rule) => [rule.cite, rule.title]),
      ...REPLIES.map((reply) => renderComments([{ kind: 'command_replies', replies: [reply] }]) ?? ''),
      readFileSync(join(__dirname, '__snapshots__', 'status-journey.md'), 'utf8'),
    ];
    expect(texts.filter((text) => PLAIN_QUOTE.test(text.replace(/`[^`]*`/g, '')))).toEqual([]);
  });
});
