import { qualityRules, type QualityRuleId } from '../../core/hints/rules';

/** A hint rule as people read it on the settings page and in the history, e.g. "Avoid vague terms (INCOSE R7)". */
export function describeHintRule(id: string): string {
  const rule = qualityRules[id as QualityRuleId];
  if (!rule) return `“${id}”`;
  const standard = /INCOSE R\d+|ISO\/IEC\/IEEE 29148/.exec(rule.cite)?.[0];
  return standard ? `${rule.title} (${standard})` : rule.title;
}
