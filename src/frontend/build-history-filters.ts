import type { HistoryFilters } from '../forge/resolvers/resolver-contract';

/** The timeline filters as the form holds them; dates are the DatePicker's YYYY-MM-DD. */
export interface HistoryFilterInput {
  deliverableId: string | null;
  kinds: string[];
  authorId: string | null;
  fromDate: string | null;
  toDate: string | null;
  undocumentedOnly: boolean;
}

export const emptyHistoryFilterInput: HistoryFilterInput = {
  deliverableId: null,
  kinds: [],
  authorId: null,
  fromDate: null,
  toDate: null,
  undocumentedOnly: false,
};

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The getHistoryPage filters for what the form holds. Only set filters are sent. A date range
 * covers whole days in UTC: from the start of the first day to the end of the last.
 */
export function buildHistoryFilters(input: HistoryFilterInput): { ok: true; filters: HistoryFilters } | { ok: false; message: string } {
  const filters: HistoryFilters = {};
  if (input.deliverableId) filters.deliverableId = input.deliverableId;
  if (input.kinds.length > 0) filters.kinds = [...input.kinds];
  if (input.authorId) filters.authorId = input.authorId;
  if (input.fromDate) {
    if (!DAY.test(input.fromDate)) return { ok: false, message: 'The start date is not a date.' };
    filters.from = `${input.fromDate}T00:00:00.000Z`;
  }
  if (input.toDate) {
    if (!DAY.test(input.toDate)) return { ok: false, message: 'The end date is not a date.' };
    filters.to = `${input.toDate}T23:59:59.999Z`;
  }
  if (input.fromDate && input.toDate && input.fromDate > input.toDate) {
    return { ok: false, message: 'The start date is after the end date.' };
  }
  if (input.undocumentedOnly) filters.undocumentedOnly = true;
  return { ok: true, filters };
}
