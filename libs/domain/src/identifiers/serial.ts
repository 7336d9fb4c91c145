import { type Branded, type ParseResult, fail, ok } from './normalise';

/** The serial part of a serialised unit's identity (GS1 application identifier 21). */
export type Serial = Branded<string, 'Serial'>;

export type SerialReason = 'INVALID_SERIAL';

const SERIAL = /^[0-9A-Za-z]{1,20}$/;

/**
 * Only trimmed: GS1 serials are case-sensitive, so `sn1` and `SN1` can be two different units;
 * upper-casing would let one unit's scan consume the other. Anything outside the v1 alphabet
 * (such as the `/` in `SN/0042`) is refused rather than stripped, for the same reason.
 */
export const parseSerial = (raw: string): ParseResult<Serial, SerialReason> => {
  const serial = raw.trim();
  return SERIAL.test(serial) ? ok(serial as Serial) : fail('INVALID_SERIAL');
};
