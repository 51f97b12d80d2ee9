import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

// The README's usage example is code a reader copies: run it and compare what it prints.
const root = path.resolve(__dirname, '../..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

function fencedBlock(tag: string): string {
  const match = new RegExp('```[a-z]+ ' + tag + '\\n([\\s\\S]*?)\\n```').exec(readme);
  if (!match) throw new Error(`README.md has no block tagged ${tag}`);
  return match[1]!;
}

describe('README usage example', () => {
  it('prints what the README says it prints when run against the current core', () => {
    const dir = path.join(root, '.tmp');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'readme-example.ts');
    writeFileSync(file, fencedBlock('readme-example').replaceAll("from './src/core'", "from '../src/core'"));
    const output = execFileSync(path.join(root, 'node_modules/.bin/tsx'), [file], { cwd: root, encoding: 'utf8' });
    expect(output.trimEnd().split('\n').map((l) => l.trimEnd())).toEqual(
      fencedBlock('readme-output').split('\n').map((l) => l.trimEnd()),
    );
  });
});
