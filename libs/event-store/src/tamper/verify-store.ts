import type { EventStore, GlobalPosition, RecordedEvent } from '../event-store.port';
import { START } from '../event-store.port';
import { checkpointOf, type CheckpointSignatureCheck, isCheckpointStream, type LogCheckpoint } from './checkpoint';
import { leafHashOf } from './leaf-hash';
import { type ChainedEvent, type OriginVerification, verifyOrigin } from './verify-log';

/** What `log verify` and an import check: every origin's events against its checkpoints. */
export interface LogVerification {
  readonly origins: readonly OriginVerification[];
  readonly events: number;
  readonly ok: boolean;
}

/** Collects a log, origin by origin, and verifies each. Keeps one small record per event in memory. */
export class LogVerifier {
  private readonly events = new Map<string, ChainedEvent[]>();
  private readonly checkpoints = new Map<string, LogCheckpoint[]>();
  private seen = 0;

  /**
   * `localProvince`: this node's province (the origin of events that name none). Left out (an
   * export file), it is taken from the first event written where it is held (no `originPosition`).
   */
  constructor(private localProvince?: string) {}

  add(e: Pick<RecordedEvent, 'eventId' | 'streamId' | 'revision' | 'type' | 'schemaVersion' | 'data' | 'metadata' | 'position'>): void {
    this.seen++;
    const named = typeof e.metadata.originProvince === 'string' ? e.metadata.originProvince : undefined;
    if (this.localProvince === undefined && named !== undefined && e.metadata.originPosition === undefined) this.localProvince = named;
    const origin = named ?? this.localProvince ?? '';
    if (isCheckpointStream(e.streamId)) {
      const checkpoint = checkpointOf(e.data);
      const key = checkpoint?.origin ?? origin;
      this.checkpoints.set(key, [...(this.checkpoints.get(key) ?? []), ...(checkpoint ? [checkpoint] : [])]);
      return;
    }
    const own = origin === this.localProvince;
    const originPosition = typeof e.metadata.originPosition === 'string' ? BigInt(e.metadata.originPosition) : e.position;
    const list = this.events.get(origin) ?? [];
    list.push({
      eventId: e.eventId,
      leaf: leafHashOf(e),
      order: own ? e.position : originPosition,
      position: e.position,
    });
    this.events.set(origin, list);
  }

  verify(checkSignature?: CheckpointSignatureCheck): LogVerification {
    const origins = [...new Set([...this.events.keys(), ...this.checkpoints.keys()])].sort();
    const results = origins.map((origin) =>
      verifyOrigin({
        origin,
        events: this.events.get(origin) ?? [],
        checkpoints: this.checkpoints.get(origin) ?? [],
        complete: origin === this.localProvince,
        ...(checkSignature ? { checkSignature } : {}),
      }),
    );
    return { origins: results, events: this.seen, ok: results.every((r) => r.problems.length === 0) };
  }
}

/** Walks the whole log of `store` and verifies it. */
export const verifyStoreLog = async (
  store: EventStore,
  localProvince: string,
  checkSignature?: CheckpointSignatureCheck,
  pageSize = 1000,
): Promise<LogVerification> => {
  const verifier = new LogVerifier(localProvince);
  let after: GlobalPosition = START;
  for (;;) {
    const page = await store.readAll({ after, limit: pageSize });
    if (page.length === 0) break;
    for (const e of page) verifier.add(e);
    after = page[page.length - 1]!.position;
  }
  return verifier.verify(checkSignature);
};
