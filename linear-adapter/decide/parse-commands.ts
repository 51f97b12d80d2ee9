// Slash commands in Linear comments. A command stands on its own line (spaces around it are
// fine), anywhere in the comment; its argument is the rest of that line. Lines inside code
// fences or block quotes are never commands, so quoting or documenting a command is safe.

export type CommandName = 'signoff' | 'revoke-signoff' | 'scope-reason' | 'baseline';

export type Command =
  | { name: 'signoff'; note: string | null; line: number }
  | { name: 'revoke-signoff'; note: string | null; line: number }
  | { name: 'scope-reason'; reason: string; line: number }
  | { name: 'baseline'; baselineName: string; line: number }
  /** A command that needs text and has none: answered with what to write. */
  | { name: 'invalid'; command: 'scope-reason' | 'baseline'; code: 'MISSING_TEXT'; line: number };

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

/** The commands in a comment body, in the order they appear. Unknown `/words` are ignored. */
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
    const command = readCommand(text, index + 1);
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
    case 'scope-reason':
      return argument ? { name, reason: argument, line } : { name: 'invalid', command: name, code: 'MISSING_TEXT', line };
    case 'baseline':
      return argument ? { name, baselineName: argument, line } : { name: 'invalid', command: name, code: 'MISSING_TEXT', line };
    default:
      return null;
  }
}
