import { readFileSync } from 'node:fs';
import path from 'node:path';
import { findQualityHints, type QualityHintCode } from '../src/core/find-quality-hints';
import { loadTagger } from '../src/hints/load-tagger';

const tagger = loadTagger();

// `npx tsx bench/eval-hints.ts [--errors tune|heldout|all]`: precision and recall of the quality
// hints per class on the hand-labelled criteria in test/fixtures/criteria-quality/ (see its README),
// for the tune split, the held-out split and both. Each criterion is checked on its own, so
// DUPLICATE never fires. --errors lists the criteria a class got wrong.

const CLASSES = ['VAGUE', 'UNTESTABLE', 'COMPOUND', 'TOO_LONG'] as const;
type Label = (typeof CLASSES)[number] | 'CLEAN';
const CLASS_OF: Partial<Record<QualityHintCode, Label>> = {
  VAGUE_WORD: 'VAGUE',
  NO_OBSERVABLE_OUTCOME: 'UNTESTABLE',
  MULTIPLE_OUTCOMES: 'COMPOUND',
  TOO_LONG: 'TOO_LONG',
};

interface Labelled {
  id: string;
  labels: Label[];
  split: 'tune' | 'heldout';
  text: string;
  source: string;
}

export interface Scores {
  n: number;
  rows: { name: string; support: number; tp: number; fp: number; fn: number }[];
}

export function loadCriteria(): Labelled[] {
  const file = path.join(__dirname, '..', 'test', 'fixtures', 'criteria-quality', 'criteria.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { criteria: Labelled[] }).criteria;
}

export function predict(text: string): Set<Label> {
  const found = new Set<Label>();
  for (const hint of findQualityHints([{ text }], { tagger })) {
    const label = CLASS_OF[hint.code];
    if (label) found.add(label);
  }
  return found;
}

export function score(items: readonly Labelled[], predictions: ReadonlyMap<string, Set<Label>>): Scores {
  const rows = [...CLASSES, 'ANY DEFECT' as const].map((name) => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    let support = 0;
    for (const item of items) {
      const predicted = predictions.get(item.id) ?? new Set<Label>();
      const actual = name === 'ANY DEFECT' ? !item.labels.includes('CLEAN') : item.labels.includes(name);
      const said = name === 'ANY DEFECT' ? predicted.size > 0 : predicted.has(name);
      if (actual) support += 1;
      if (actual && said) tp += 1;
      else if (said) fp += 1;
      else if (actual) fn += 1;
    }
    return { name, support, tp, fp, fn };
  });
  return { n: items.length, rows };
}

const pct = (a: number, b: number): string => (b === 0 ? '   –' : `${((100 * a) / b).toFixed(0).padStart(3)}%`);

export function formatScores(title: string, s: Scores): string {
  const lines = [`${title} (${s.n} criteria)`, '  class        support  precision  recall'];
  for (const r of s.rows) {
    lines.push(`  ${r.name.padEnd(12)} ${String(r.support).padStart(7)}  ${pct(r.tp, r.tp + r.fp).padStart(9)}  ${pct(r.tp, r.tp + r.fn).padStart(6)}`);
  }
  return lines.join('\n');
}

function main(): void {
  const items = loadCriteria();
  const predictions = new Map(items.map((item) => [item.id, predict(item.text)]));
  const out: string[] = [];
  for (const [title, subset] of [
    ['tune', items.filter((i) => i.split === 'tune')],
    ['held-out', items.filter((i) => i.split === 'heldout')],
    ['all', items],
  ] as const) {
    out.push(formatScores(title, score(subset, predictions)), '');
  }
  process.stdout.write(`${out.join('\n')}`);

  const errorsAt = process.argv.indexOf('--errors');
  if (errorsAt >= 0) {
    const which = process.argv[errorsAt + 1] ?? 'tune';
    const subset = items.filter((i) => which === 'all' || i.split === (which === 'heldout' ? 'heldout' : 'tune'));
    for (const item of subset) {
      const predicted = predictions.get(item.id)!;
      for (const name of CLASSES) {
        const actual = item.labels.includes(name);
        if (actual !== predicted.has(name)) process.stdout.write(`${actual ? 'MISS' : 'FALSE'} ${name.padEnd(10)} ${item.id} ${item.text.slice(0, 140)}\n`);
      }
    }
  }
}

if (require.main === module) main();
