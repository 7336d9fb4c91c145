import { type Branded, type ParseResult, fail, ok } from './normalise';

/** A manufacturer's lot (batch) number; with the product code it forms the batchId. */
export type LotNumber = Branded<string, 'LotNumber'>;

export type LotNumberReason = 'INVALID_LOT_NUMBER';

const LOT_NUMBER = /^[0-9A-Z]{1,20}$/;

/**
 * Only trimmed and upper-cased, unlike other identifiers. Inner spaces, slashes and hyphens are
 * not dropped but refused: `B2024/03` and `B202403` may both exist on the manufacturer's side,
 * so silently fusing them would merge two batches (and two recall scopes) into one batchId; the
 * hyphen is also the separator inside `{productCode}-{lotNumber}`. A refusal sends the user back
 * to the label instead.
 */
export const parseLotNumber = (raw: string): ParseResult<LotNumber, LotNumberReason> => {
  const lot = raw.trim().toUpperCase();
  return LOT_NUMBER.test(lot) ? ok(lot as LotNumber) : fail('INVALID_LOT_NUMBER');
};
