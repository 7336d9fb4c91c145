import { DOSE_DATE, DOSE_INSTANT } from '@vaxledger/application';
import { DATE, INSTANT } from './formats';

describe('formats', () => {
  it('are the ones a dose file row is checked against (POST /v1/doses/import checks as POST /v1/doses)', () => {
    expect([DOSE_INSTANT.source, DOSE_DATE.source]).toEqual([INSTANT.source, DATE.source]);
  });
});
