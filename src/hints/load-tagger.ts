import type { PosEngine, Tagger, Token } from '../core/find-quality-hints';
import { createTagger } from '../core/find-quality-hints';

// The English model is about 4 MB of JavaScript: requiring it takes about 0.1 s and 50 MB, and
// building the engine another 0.2 s. Most invocations (a workflow validator, a webhook without a
// criteria change) never need parts of speech, so the model is required on the first tagging
// call, not when a module is imported. The core stays free of loading code (ADR 0002).
let tagger: Tagger | null = null;

function buildTagger(): Tagger {
  /* eslint-disable @typescript-eslint/no-require-imports -- deferred on purpose, see above */
  const winkNLP = require('wink-nlp') as (model: unknown, pipe: string[]) => PosEngine;
  const model: unknown = require('wink-eng-lite-web-model');
  /* eslint-enable @typescript-eslint/no-require-imports */
  return createTagger(winkNLP(model, ['pos']));
}

/** A tagger that loads the model the first time it tags something; every call shares one engine. */
export function loadTagger(): Tagger {
  return (text: string): Token[] => {
    tagger ??= buildTagger();
    return tagger(text);
  };
}
