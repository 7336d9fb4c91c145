import { parseLotNumber } from './lot-number';

describe('parseLotNumber', () => {
  it.each([
    ['202403015', '202403015'],
    ['B20240312A', 'B20240312A'],
    ['A', 'A'],
    ['  b20240312a \n', 'B20240312A'],
    ['12345678901234567890', '12345678901234567890'],
  ])('accepts %j as %s', (raw, expected) => {
    expect(parseLotNumber(raw)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['21 characters', '123456789012345678901'],
    ['an inner space', '2024 03'],
    ['a slash', 'B2024/03'],
    ['a hyphen (the batchId separator)', 'B2024-03'],
    ['a group separator', 'B2024\u001d03'],
  ])('refuses %s', (_label, raw) => {
    expect(parseLotNumber(raw)).toEqual({ ok: false, reason: 'INVALID_LOT_NUMBER' });
  });
});
