import { firstDuplicate } from '../shared/assertions';
import { RuleViolation } from '../shared/rule-violation';
import type { BatchFacts } from '../batch/batch.facts';

// Checks every site command (dispatch, receipt, destruction) makes of its lines.

/** Per batch id; a batch missing from the map is unknown. */
export type BatchFactsById = Readonly<Record<string, BatchFacts>>;

export const checkLines = (lines: readonly { readonly batchId: string }[]): void => {
  if (lines.length === 0) throw new RuleViolation('INVALID_QUANTITY', 'at least one line is needed', 'lines');
  const repeated = firstDuplicate(lines.map((line) => line.batchId));
  if (repeated !== undefined) {
    throw new RuleViolation('DUPLICATE_LINE', `batch ${repeated} appears on two lines`, 'lines');
  }
};
