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
      { name: 'scope-reason', reason: 'Client asked for CSV export in the 12 May call', line: 2 },
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

  it('ignores commands that do not stand on their own line', () => {
    expect(parseCommands('Please /signoff when ready\nI will /baseline SRS v1.0 tomorrow')).toEqual([]);
  });

  it('ignores commands inside code fences and block quotes', () => {
    const body = ['```', '/signoff', '```', '> /signoff from the last thread', '~~~~', '/baseline SRS v2.0', '~~~~', '/revoke-signoff'].join('\n');
    expect(parseCommands(body)).toEqual([{ name: 'revoke-signoff', note: null, line: 8 }]);
  });

  it('ignores unknown slash words and longer words that start like a command', () => {
    expect(parseCommands('/estimate 3\n/signoffs\n/baseline2 x\n/ signoff')).toEqual([]);
  });

  it('accepts /sign-off and /revoke-sign-off, spelled as the product spells sign-off', () => {
    expect(parseCommands('/sign-off ok\n/revoke-sign-off').map((c) => c.name)).toEqual(['signoff', 'revoke-signoff']);
  });

  it('ignores a command after a fence that never closes, since markdown reads the rest as code', () => {
    expect(parseCommands('```\n/signoff')).toEqual([]);
  });
});
