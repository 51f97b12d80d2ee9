import { parseCommands } from '../../linear-adapter/decide/parse-commands';

describe('parseCommands', () => {
  it('reads each command on its own line anywhere in the comment, in order', () => {
    const body = [
      'Looked through the criteria with the client today.',
      '/scope-reason Client asked for CSV export in the 12 May call',
      '',
      '  /signoff   matches what we agreed  ',
      'Thanks!',
    ].join('\n');
    expect(parseCommands(body)).toEqual([
      { name: 'scope-reason', reason: 'Client asked for CSV export in the 12 May call', targetKey: null, line: 2 },
      { name: 'signoff', note: 'matches what we agreed', line: 4 },
    ]);
  });

  it('treats commands case-insensitively', () => {
    expect(parseCommands('/SignOff\n/REVOKE-SIGNOFF\n/Baseline SRS v1.0').map((c) => c.name)).toEqual(['signoff', 'revoke-signoff', 'baseline']);
  });

  it('gives /signoff without a note a null note', () => {
    expect(parseCommands('/signoff')).toEqual([{ name: 'signoff', note: null, line: 1 }]);
  });

  it('keeps the baseline name as written after the command', () => {
    expect(parseCommands('/baseline   SRS v1.0 (signed)\r\n')).toEqual([{ name: 'baseline', baselineName: 'SRS v1.0 (signed)', line: 1 }]);
  });

  it('answers /scope-reason and /baseline without text with MISSING_TEXT so the reply can explain', () => {
    expect(parseCommands('/scope-reason\n/baseline   ')).toEqual([
      { name: 'invalid', command: 'scope-reason', code: 'MISSING_TEXT', line: 1 },
      { name: 'invalid', command: 'baseline', code: 'MISSING_TEXT', line: 2 },
    ]);
  });

  it('does not run a command that does not start its line, and marks it so the reply can say how to write it', () => {
    expect(parseCommands('Please /signoff when ready\nI will /baseline SRS v1.0 tomorrow\nThanks all, /signoff.\nType `/signoff` to accept')).toEqual([
      { name: 'misplaced', command: 'signoff', line: 1 },
      { name: 'misplaced', command: 'baseline', line: 2 },
      { name: 'misplaced', command: 'signoff', line: 3 },
    ]);
  });

  it('reads /scope-reason KEY: text as a reason for another issue of the team', () => {
    expect(parseCommands('/scope-reason eng-12: Dropped after the 3 June call')).toEqual([
      { name: 'scope-reason', reason: 'Dropped after the 3 June call', targetKey: 'ENG-12', line: 1 },
    ]);
  });

  it('ignores commands inside code fences and block quotes', () => {
    const body = ['```', '/signoff', '```', '> /signoff from the last thread', '~~~~', '/baseline SRS v2.0', '~~~~', '/revoke-signoff'].join('\n');
    expect(parseCommands(body)).toEqual([{ name: 'revoke-signoff', note: null, line: 8 }]);
  });

  it('marks unknown slash words with the closest command when one is close, and ignores what is no slash word', () => {
    expect(parseCommands('/estimate 3\n/signoffs\n/scopereason late\n/baseline2 x\n/ signoff')).toEqual([
      { name: 'unknown', written: 'estimate', suggestion: null, line: 1 },
      { name: 'unknown', written: 'signoffs', suggestion: 'signoff', line: 2 },
      { name: 'unknown', written: 'scopereason', suggestion: 'scope-reason', line: 3 },
    ]);
  });

  it('accepts /sign-off and /revoke-sign-off, spelled as the product spells sign-off', () => {
    expect(parseCommands('/sign-off ok\n/revoke-sign-off').map((c) => c.name)).toEqual(['signoff', 'revoke-signoff']);
  });

  it('ignores a command after a fence that never closes, since markdown reads the rest as code', () => {
    expect(parseCommands('```\n/signoff')).toEqual([]);
  });
});
