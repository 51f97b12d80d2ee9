// The published rules the quality hints rest on. Each hint names one of these, so a team can
// look the rule up, and switch it off in its vocabulary settings when it does not suit them.
//
// INCOSE: Guide for Writing Requirements (INCOSE-TP-2010-006), rules R1-R42.
// ISO/IEC/IEEE 29148:2018 §5.2.5 characteristics of individual requirements and §5.2.7
// requirements language criteria.

export const qualityRuleIds = [
  'INCOSE-R7',
  'INCOSE-R8',
  'INCOSE-R9',
  'INCOSE-R16',
  'INCOSE-R17',
  'INCOSE-R18',
  'INCOSE-R19',
  'INCOSE-R30',
  'ISO29148-COMPLETE',
  'ISO29148-VERIFIABLE',
  'GHERKIN-THEN',
] as const;
export type QualityRuleId = (typeof qualityRuleIds)[number];

export interface QualityRule {
  id: QualityRuleId;
  /** How the hint cites the rule in its message. */
  cite: string;
  title: string;
  source: string;
}

const INCOSE = 'INCOSE Guide for Writing Requirements';
const ISO = 'ISO/IEC/IEEE 29148:2018';

export const qualityRules: Record<QualityRuleId, QualityRule> = {
  'INCOSE-R7': { id: 'INCOSE-R7', cite: 'INCOSE R7, vague terms', title: 'Avoid vague terms', source: INCOSE },
  'INCOSE-R8': { id: 'INCOSE-R8', cite: 'INCOSE R8, escape clause', title: 'Avoid escape clauses', source: INCOSE },
  'INCOSE-R9': { id: 'INCOSE-R9', cite: 'INCOSE R9, open-ended clause', title: 'Avoid open-ended clauses', source: INCOSE },
  'INCOSE-R16': { id: 'INCOSE-R16', cite: 'INCOSE R16, use of “not”', title: 'State what must happen, not what must not', source: INCOSE },
  'INCOSE-R17': { id: 'INCOSE-R17', cite: 'INCOSE R17, oblique symbol', title: 'Avoid “and/or” and other uses of “/”', source: INCOSE },
  'INCOSE-R18': { id: 'INCOSE-R18', cite: 'INCOSE R18, single thought', title: 'One sentence, one thought', source: INCOSE },
  'INCOSE-R19': { id: 'INCOSE-R19', cite: 'INCOSE R19, combinators', title: 'Avoid combinators that join several outcomes', source: INCOSE },
  'INCOSE-R30': { id: 'INCOSE-R30', cite: 'INCOSE R30, unique expression', title: 'Express each requirement once', source: INCOSE },
  'ISO29148-COMPLETE': { id: 'ISO29148-COMPLETE', cite: 'ISO/IEC/IEEE 29148, complete', title: 'Complete: nothing left to be decided', source: ISO },
  'ISO29148-VERIFIABLE': { id: 'ISO29148-VERIFIABLE', cite: 'ISO/IEC/IEEE 29148, verifiable', title: 'Verifiable: states a result someone can check', source: ISO },
  'GHERKIN-THEN': { id: 'GHERKIN-THEN', cite: 'Given/When/Then needs a Then; ISO/IEC/IEEE 29148, verifiable', title: 'A scenario states its outcome in a Then step', source: ISO },
};
