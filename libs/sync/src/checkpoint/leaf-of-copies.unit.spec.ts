import { type EventMetadata, leafHashOf, type RecordedEvent } from '@vaxledger/event-store';
import { decodeEnvelope, encodeEnvelope, sealEnvelope } from '../envelope/envelope.codec';
import { envelopeContentOf, importedEventOf } from '../envelope/event-mapping';

// A province's checkpoints list the leaves of its own events; a receiver checks its copies
// against them. So the copy that comes off the wire must give the origin's leaf, whatever the
// origin's metadata looked like, and any change to what the event says must not.

const A = '510000';
const original = (
  metadata: EventMetadata,
  data: unknown = { quantity: 10, note: '冷链 2–8 °C', nested: { b: 1, a: [1, 2] } },
): RecordedEvent => ({
  eventId: '0B0F1D9E-8A39-4C4E-9F3B-7D1F2A3B4C5D',
  type: 'ShipmentDispatched',
  schemaVersion: 1,
  data,
  metadata,
  streamId: 'batch-8696321-L1',
  revision: 3,
  position: 123n << 20n,
  recordedAt: new Date('2026-12-06T01:02:03.456Z'),
});

const copyOf = (event: RecordedEvent): RecordedEvent => {
  const decoded = decodeEnvelope(encodeEnvelope(sealEnvelope(envelopeContentOf(event, A))));
  if (!decoded.ok) throw new Error(decoded.detail);
  return { ...importedEventOf(decoded.envelope), streamId: event.streamId, revision: event.revision, position: 7n, recordedAt: new Date() };
};

const actor = { orgCode: '12510000MB0A1234XJ', role: 'cdc', provinceCode: A };

describe('leaf hashes of copies', () => {
  it.each<[string, EventMetadata]>([
    ['as the application writes it', { correlationId: 'c1', actor, originProvince: A }],
    [
      'with a site, a staff ref and a causation id',
      { correlationId: 'c1', causationId: 'c0', actor: { ...actor, siteCode: 'S1', staffRef: 'N1' } },
    ],
    ['with its own occurredAt', { correlationId: 'c1', actor, occurredAt: '2026-12-01T08:00:00+08:00' }],
    ['with no actor, correlation id or origin', {}],
    ['with extra metadata', { actor, originProvince: A, importedFrom: 'legacy', tags: { z: 1, a: 2 } }],
  ])('a copy gives the origin’s leaf: metadata %s', (_name, metadata) => {
    const event = original(metadata);
    expect(leafHashOf(copyOf(event))).toBe(leafHashOf(event));
  });

  it('any change to what the event says changes the leaf', () => {
    const base = original({ correlationId: 'c1', actor, originProvince: A });
    const leaf = leafHashOf(base);
    const changed: RecordedEvent[] = [
      { ...base, data: { ...(base.data as object), quantity: 11 } },
      { ...base, type: 'ShipmentReceived' },
      { ...base, revision: 4 },
      { ...base, streamId: 'batch-8696321-L2' },
      { ...base, schemaVersion: 2 },
      { ...base, eventId: '1b0f1d9e-8a39-4c4e-9f3b-7d1f2a3b4c5d' },
      { ...base, metadata: { ...base.metadata, actor: { ...actor, role: 'clinic' } } },
      { ...base, metadata: { ...base.metadata, occurredAt: '2026-12-01T08:00:00+08:00' } },
    ];
    for (const e of changed) expect(leafHashOf(e)).not.toBe(leaf);
    // Key order and the case of the id are not content.
    expect(
      leafHashOf({
        ...base,
        eventId: base.eventId.toLowerCase(),
        data: { nested: { a: [1, 2], b: 1 }, note: '冷链 2–8 °C', quantity: 10 },
      }),
    ).toBe(leaf);
  });
});
