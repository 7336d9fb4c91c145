import { parseSerial } from './serial';

describe('parseSerial', () => {
  it.each([
    ['SN00042A', 'SN00042A'],
    [' 2018 ', '2018'],
    ['sn00042a', 'sn00042a'], // case is significant in GS1 serials
    ['12345678901234567890', '12345678901234567890'],
  ])('accepts %j as %s', (raw, expected) => {
    expect(parseSerial(raw)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['a slash', 'SN/0042'],
    ['empty', ''],
    ['21 characters', '123456789012345678901'],
    ['an inner space', 'SN 0042'],
    ['a hyphen', 'SN-0042'],
  ])('refuses %s', (_label, raw) => {
    expect(parseSerial(raw)).toEqual({ ok: false, reason: 'INVALID_SERIAL' });
  });
});
