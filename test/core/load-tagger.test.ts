import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');

// Run in a fresh Node process: jest's module registry would hide what a real start-up loads.
function modelLoadedAfter(script: string): boolean {
  const run = spawnSync(tsx, ['-e', `${script}; console.log(Object.keys(require.cache).some((k) => k.includes('wink-eng-lite-web-model')))`], { cwd: root, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr);
  return run.stdout.trim().endsWith('true');
}

describe('loadTagger', () => {
  it('does not load the English model when the Linear decision code is imported', () => {
    expect(modelLoadedAfter("require('./linear-adapter/decide/decide-issue-event.ts')")).toBe(false);
  });

  it('loads the model on the first tagging call and tags words with parts of speech', () => {
    expect(modelLoadedAfter("const t = require('./src/hints/load-tagger.ts').loadTagger(); if (t('The cart total recalculates').length === 0) process.exit(3)")).toBe(true);
  });
});
