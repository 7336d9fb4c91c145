import { LEDGER_EVENT_TYPES } from '../index';
import { auditStream, isLocalOnlyStream, personStream, streamCategory } from '../streams';
import {
  ACCESS_EVENT_TYPES,
  isPurposeOfUse,
  personLookedUp,
  personRecordRead,
  PURPOSES_OF_USE,
  recallImpactExported,
} from './access.events';

const PERSON = 'p1tz62ri4byn76xi7ekedhqwttwe';
const AT = '2026-11-23T09:30:00+08:00';

describe('access events', () => {
  it('are explicit, versioned facts naming a pseudonym or a batch, a purpose and a time', () => {
    expect(personLookedUp({ personId: PERSON, purpose: 'treatment', accessedAt: AT })).toEqual({
      type: 'PersonLookedUp',
      schemaVersion: 1,
      data: { personId: PERSON, purpose: 'treatment', accessedAt: AT },
    });
    expect(personRecordRead({ personId: PERSON, purpose: 'subject_request', accessedAt: AT }).type).toBe('PersonRecordRead');
    expect(
      recallImpactExported({ batchId: '8696321-202611A017', purpose: 'recall_follow_up', accessedAt: AT, format: 'csv', persons: 3 }),
    ).toMatchObject({ type: 'RecallImpactExported', schemaVersion: 1, data: { persons: 3, format: 'csv' } });
  });

  it('are not ledger events, so the sync allow-list refuses them', () => {
    for (const type of ACCESS_EVENT_TYPES) expect(LEDGER_EVENT_TYPES as readonly string[]).not.toContain(type);
  });
});

describe('purpose of use', () => {
  it('accepts only the value set', () => {
    for (const purpose of PURPOSES_OF_USE) expect(isPurposeOfUse(purpose)).toBe(true);
    for (const other of ['', 'TREAT', 'curiosity', 'treatment ', 'marketing']) expect(isPurposeOfUse(other)).toBe(false);
  });
});

describe('audit streams', () => {
  it('are one per organisation and China-local day', () => {
    expect(auditStream('12440300MB1B2345QN', '2026-11-23')).toBe('audit-12440300MB1B2345QN-20261123');
    expect(auditStream('12440300MB1B2345QN-02', '2026-11-23')).toBe('audit-12440300MB1B2345QN-02-20261123');
    expect(streamCategory(auditStream('12440300MB1B2345QN', '2026-11-23'))).toBe('audit');
  });

  it('stay on their node while person streams travel', () => {
    expect(isLocalOnlyStream(auditStream('12440300MB1B2345QN', '2026-11-23'))).toBe(true);
    expect(isLocalOnlyStream(personStream('510000', PERSON))).toBe(false);
    expect(isLocalOnlyStream('auditor-x')).toBe(false);
  });
});
