import { canonicalJson, compareSummaries, LogDigest } from './store-transfer';

const event = (over: Partial<Parameters<LogDigest['add']>[0]> = {}): Parameters<LogDigest['add']>[0] => ({
  streamId: 'batch-1',
  revision: 0,
  eventId: '0b0f1d9e-8a39-4c4e-9f3b-7d1f2a3b4c5d',
  type: 'BatchProduced',
  schemaVersion: 1,
  data: { quantity: 10, lot: { a: 1, b: [1, 2] } },
  metadata: { correlationId: 'c', originProvince: '510000' },
  ...over,
});

const digestOf = (...events: Parameters<LogDigest['add']>[0][]): string => {
  const d = new LogDigest();
  for (const e of events) d.add(e);
  return d.summary().digest;
};

describe('the log digest of store export/import', () => {
  it('does not depend on key order (jsonb reorders keys) but on every value', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: [3, { f: 1, e: 2 }] } })).toBe('{"a":{"c":[3,{"e":2,"f":1}],"d":2},"b":1}');
    expect(digestOf(event({ data: { lot: { b: [1, 2], a: 1 }, quantity: 10 } }))).toBe(digestOf(event()));
    expect(digestOf(event({ data: { quantity: 11, lot: { a: 1, b: [1, 2] } } }))).not.toBe(digestOf(event()));
    expect(digestOf(event({ schemaVersion: 2 }))).not.toBe(digestOf(event()));
    expect(digestOf(event({ metadata: { correlationId: 'd', originProvince: '510000' } }))).not.toBe(digestOf(event()));
  });

  it('depends on the order of the events', () => {
    const a = event();
    const b = event({ streamId: 'batch-2', eventId: '1b0f1d9e-8a39-4c4e-9f3b-7d1f2a3b4c5d' });
    expect(digestOf(a, b)).not.toBe(digestOf(b, a));
  });

  it('names the first difference between two summaries', () => {
    const one = new LogDigest();
    one.add(event());
    const two = new LogDigest();
    two.add(event());
    two.add(event({ revision: 1, eventId: '2b0f1d9e-8a39-4c4e-9f3b-7d1f2a3b4c5d' }));
    expect(() => compareSummaries(two.summary(), one.summary())).toThrow(/stream batch-1 has 1 events in the target, 2 in the export/);
    expect(() => compareSummaries(one.summary(), one.summary())).not.toThrow();
  });
});
