/**
 * English closed-class words (articles, pronouns, auxiliaries and modals, prepositions,
 * conjunctions, quantifiers, wh-words) and "given", the Given/When/Then keyword. They carry a
 * criterion's grammar, not what it asks for, so the matcher weighs them little and never pairs
 * one with another word by meaning; the word-vector table leaves them out.
 */
export const FUNCTION_WORDS: ReadonlySet<string> = new Set(
  (
    'a an the this that these those it its they them their theirs he him his she her hers we us our ours you your yours i me my mine ' +
    'is are was were be been being am do does did done has have had having can could may might must shall should will would ' +
    'of to in on at by for with from into onto over under about as and or but nor so than then if when while once after before until ' +
    'up out off per each every any all some only also just very more most less least no not there here ' +
    'which who whom whose what where how why given'
  ).split(' '),
);
