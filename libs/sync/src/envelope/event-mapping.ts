import type { EventMetadata, NewEvent, RecordedEvent } from '@vaxledger/event-store';
import type { EnvelopeContent, WireEnvelope } from './envelope.codec';

const KNOWN_METADATA = new Set(['correlationId', 'causationId', 'actor', 'originProvince', 'originPosition', 'occurredAt']);

/** A local event as it goes on the wire. */
export const envelopeContentOf = (event: RecordedEvent, nodeProvince: string): EnvelopeContent => {
  const meta = event.metadata;
  const actor = meta.actor ?? { orgCode: 'unknown', role: 'unknown', provinceCode: nodeProvince };
  const rest = Object.fromEntries(Object.entries(meta).filter(([key]) => !KNOWN_METADATA.has(key)));
  const recordedAt = event.recordedAt.toISOString();
  return {
    eventId: event.eventId.toLowerCase(),
    type: event.type,
    schemaVersion: event.schemaVersion,
    streamId: event.streamId,
    streamRevision: event.revision,
    originProvince: meta.originProvince ?? nodeProvince,
    originPosition: meta.originPosition ?? event.position.toString(),
    recordedAt,
    occurredAt: typeof meta.occurredAt === 'string' ? meta.occurredAt : recordedAt,
    ...(meta.correlationId ? { correlationId: meta.correlationId } : {}),
    ...(meta.causationId ? { causationId: meta.causationId } : {}),
    actor: {
      orgCode: actor.orgCode,
      role: actor.role,
      provinceCode: actor.provinceCode,
      ...(actor.siteCode ? { siteCode: actor.siteCode } : {}),
      ...(actor.staffRef ? { staffRef: actor.staffRef } : {}),
    },
    payload: Buffer.from(JSON.stringify(event.data ?? {}), 'utf8'),
    metadataJson: Object.keys(rest).length > 0 ? Buffer.from(JSON.stringify(rest), 'utf8') : new Uint8Array(),
  };
};

/** A received envelope as a read-only copy in the local store: same id, origin kept. */
export const importedEventOf = (envelope: WireEnvelope): NewEvent => {
  const extra =
    envelope.metadataJson.length > 0 ? (JSON.parse(Buffer.from(envelope.metadataJson).toString('utf8')) as Record<string, unknown>) : {};
  const metadata: EventMetadata = {
    ...extra,
    ...(envelope.correlationId ? { correlationId: envelope.correlationId } : {}),
    ...(envelope.causationId ? { causationId: envelope.causationId } : {}),
    actor: { ...envelope.actor },
    originProvince: envelope.originProvince,
    originPosition: envelope.originPosition,
    occurredAt: envelope.occurredAt,
    originRecordedAt: envelope.recordedAt,
  };
  return {
    eventId: envelope.eventId,
    type: envelope.type,
    schemaVersion: envelope.schemaVersion,
    data: JSON.parse(Buffer.from(envelope.payload).toString('utf8')) as unknown,
    metadata,
  };
};
