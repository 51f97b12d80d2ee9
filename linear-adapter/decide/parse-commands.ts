import leven from 'leven';

// Slash commands in Linear comments. A command stands on its own line (spaces around it are
// fine), anywhere in the comment; its argument is the rest of that line. Lines inside code
// fences or block quotes are never commands, so quoting or documenting a command is safe.
// Nothing fails silently: an unknown `/word` at the start of a line is answered with the
// closest command, and a command further along a line with how to write it.

export type CommandName = 'signoff' | 'revoke-signoff' | 'scope-reason' | 'baseline';

export type Command =
  | { name: 'signoff'; note: string | null; line: number }
  | { name: 'revoke-signoff'; note: string | null; line: number }
  /** `targetKey`: `/scope-reason ENG-12: why` names another issue of the team (one deleted, say). */
  | { name: 'scope-reason'; reason: string; targetKey: string | null; line: number }
  | { name: 'baseline'; baselineName: string; line: number }
  /** A command that needs text and has none: answered with what to write. */
  | { name: 'invalid'; command: 'scope-reason' | 'baseline'; code: 'MISSING_TEXT'; line: number }
  /** A `/word` that is no command; `suggestion` the closest one, when one is close. */
  | { name: 'unknown'; written: string; suggestion: CommandName | null; line: number }
  /** A command written after other text on its line ("Thanks all, /signoff"): not run. */
  | { name: 'misplaced'; command: CommandName; line: number };

// `/sign-off` and `/revoke-sign-off` are accepted too: "sign-off" is how the product spells the word.
const ALIASES: Record<string, CommandName> = {
  signoff: 'signoff',
  'sign-off': 'signoff',
  'revoke-signoff': 'revoke-signoff',
  'revoke-sign-off': 'revoke-signoff',
  'scope-reason': 'scope-reason',
  baseline: 'baseline',
};

// The name must end the word: "/signoffs" or "/baseline2" are not commands.
const COMMAND_LINE = /^\/([a-z][a-z-]*)(?:[ \t]+(.*))?$/i;
const FENCE = /^(`{3,}|~{3,})/;
// A command name after other text, as a word of its own: "please /signoff" but not "and/or".
const INLINE_COMMAND = /(?:^|\s)\/([a-z][a-z-]*)(?=$|[\s.,;:!?])/gi;
const ISSUE_KEY_ARGUMENT = /^([A-Za-z][A-Za-z0-9_]{0,9}-\d+)\s*:\s*(.*)$/;
/** Edits away from a command that still count as a typo of it. */
const MAX_TYPO_DISTANCE = 3;

/** The commands in a comment body, in the order they appear, with unknown and misplaced ones. */
export function parseCommands(body: string): Command[] {
  const commands: Command[] = [];
  let fence: string | null = null;
  const lines = body.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  lines.forEach((raw, index) => {
    const text = raw.trim();
    const fenceMatch = FENCE.exec(text);
    if (fence !== null) {
      // A fence closes with the same character, at least as long, and nothing after it.
      if (fenceMatch && text[0] === fence[0] && /^(`+|~+)$/.test(text) && text.length >= fence.length) fence = null;
      return;
    }
    if (fenceMatch) {
      fence = fenceMatch[1] as string;
      return;
    }
    if (text.startsWith('>')) return;
    const command = readCommand(text, index + 1) ?? findMisplaced(text, index + 1);
    if (command) commands.push(command);
  });
  return commands;
}

function readCommand(text: string, line: number): Command | null {
  const match = COMMAND_LINE.exec(text);
  if (!match) return null;
  const name = ALIASES[(match[1] as string).toLowerCase()];
  const argument = (match[2] ?? '').trim();
  switch (name) {
    case 'signoff':
      return { name, note: argument || null, line };
    case 'revoke-signoff':
      return { name, note: argument || null, line };
    case 'scope-reason': {
      const target = ISSUE_KEY_ARGUMENT.exec(argument);
      if (target) return target[2] ? { name, reason: (target[2] as string).trim(), targetKey: (target[1] as string).toUpperCase(), line } : { name: 'invalid', command: name, code: 'MISSING_TEXT', line };
      return argument ? { name, reason: argument, targetKey: null, line } : { name: 'invalid', command: name, code: 'MISSING_TEXT', line };
    }
    case 'baseline':
      return argument ? { name, baselineName: argument, line } : { name: 'invalid', command: name, code: 'MISSING_TEXT', line };
    default: {
      const written = match[1] as string;
      return { name: 'unknown', written, suggestion: closestCommand(written), line };
    }
  }
}

/** The first known command further along a line, outside inline code. */
function findMisplaced(text: string, line: number): Command | null {
  const prose = text.replace(/`[^`]*`/g, ' ');
  for (const match of prose.matchAll(INLINE_COMMAND)) {
    const name = ALIASES[(match[1] as string).toLowerCase()];
    if (name) return { name: 'misplaced', command: name, line };
  }
  return null;
}

/** The command a misspelt name most likely meant ("/scopereason" → scope-reason), or null. */
export function closestCommand(written: string): CommandName | null {
  const folded = written.toLowerCase();
  let best: { name: CommandName; distance: number } | null = null;
  for (const [alias, name] of Object.entries(ALIASES)) {
    const distance = Math.min(leven(folded, alias), leven(folded.replace(/-/g, ''), alias.replace(/-/g, '')));
    if (best === null || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= Math.min(MAX_TYPO_DISTANCE, Math.ceil(folded.length / 2)) ? best.name : null;
}
