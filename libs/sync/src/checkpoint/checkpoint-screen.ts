import {
  CHECKPOINT_EVENT_TYPE,
  chainOver,
  checkpointOf,
  checkpointStream,
  type EventStore,
  leafHashOf,
  type LogCheckpoint,
} from '@vaxledger/event-store';
import type { WireEnvelope } from '../envelope/envelope.codec';
import { importedEventOf } from '../envelope/event-mapping';
import type { TrustList } from '../signing/envelope-signing';
import type { SyncStore } from '../sync-store';

/** The dead-letter reason for a copy that does not match its origin's signed checkpoint. */
export const CHECKPOINT_MISMATCH = 'CHECKPOINT_MISMATCH';

const leafOfEnvelope = (envelope: WireEnvelope): string =>
  leafHashOf({ ...importedEventOf(envelope), streamId: envelope.streamId, revision: envelope.streamRevision });

/**
 * The inbox's check of other provinces' events against their signed checkpoints (ADR 0019),
 * whichever arrives first:
 * - a checkpoint must be well formed, signed by a key of its origin (with a trust list), chain
 *   its leaves to its head, continue the origin's previous checkpoint held here, and agree with
 *   every copy of a listed event this node already holds;
 * - an event whose id a checkpoint held here lists must hash to that leaf.
 * Anything else is a mismatch, set aside as a dead letter, never imported in silence.
 */
export class CheckpointScreen {
  constructor(
    private readonly store: EventStore,
    private readonly syncStore: SyncStore,
    private readonly trustList: TrustList | undefined,
  ) {}

  /** Mismatch details by index into `envelopes` (accepted checkpoints' leaves are recorded). */
  async screen(envelopes: readonly WireEnvelope[]): Promise<Map<number, string>> {
    const mismatches = new Map<number, string>();
    for (const [index, envelope] of envelopes.entries()) {
      if (envelope.type !== CHECKPOINT_EVENT_TYPE) continue;
      const problem = await this.judgeCheckpoint(envelope);
      if (problem) mismatches.set(index, problem);
    }
    const events = envelopes.map((e, index) => ({ e, index })).filter(({ e }) => e.type !== CHECKPOINT_EVENT_TYPE);
    const listed = await this.syncStore.checkpointLeavesOf(events.map(({ e }) => e.eventId));
    for (const { e, index } of events) {
      const entry = listed.get(e.eventId.toLowerCase());
      if (entry && entry.leaf !== leafOfEnvelope(e))
        mismatches.set(index, `event ${e.eventId} does not hash to the leaf checkpoint ${entry.sequence} of ${entry.origin} signed`);
    }
    return mismatches;
  }

  private async judgeCheckpoint(envelope: WireEnvelope): Promise<string | null> {
    let data: unknown;
    try {
      data = JSON.parse(Buffer.from(envelope.payload).toString('utf8'));
    } catch {
      data = null;
    }
    const checkpoint = checkpointOf(data);
    if (!checkpoint) return 'not a well-formed log checkpoint';
    if (checkpoint.origin !== envelope.originProvince || envelope.streamId !== checkpointStream(checkpoint.origin))
      return `a checkpoint of ${checkpoint.origin} sent as ${envelope.originProvince} on ${envelope.streamId}`;
    if (this.trustList) {
      const signature = this.trustList.checkCheckpoint(checkpoint);
      if (!signature.ok) return signature.detail;
    }
    if (
      checkpoint.count !== checkpoint.leaves.length ||
      chainOver(
        checkpoint.previousHead,
        checkpoint.leaves.map(([, l]) => l),
      ) !== checkpoint.head
    )
      return `checkpoint ${checkpoint.sequence} of ${checkpoint.origin}: its leaves do not chain to its signed head`;
    const broken = await this.brokenLink(envelope, checkpoint);
    if (broken) return broken;
    const altered = await this.alteredCopies(checkpoint);
    if (altered.length > 0)
      return `checkpoint ${checkpoint.sequence} of ${checkpoint.origin} disagrees with the copies held of ${altered.slice(0, 20).join(', ')}${altered.length > 20 ? ` and ${altered.length - 20} more` : ''}`;
    await this.syncStore.recordCheckpointLeaves(checkpoint.origin, checkpoint.sequence, checkpoint.leaves);
    return null;
  }

  /** The previous checkpoint held here must end where this one starts (a fork otherwise). */
  private async brokenLink(envelope: WireEnvelope, checkpoint: LogCheckpoint): Promise<string | null> {
    if (envelope.streamRevision === 0) return null;
    const [previous] = await this.store.readStream(envelope.streamId, { fromRevision: envelope.streamRevision - 1, maxCount: 1 });
    const held = previous ? checkpointOf(previous.data) : null;
    if (!held || previous!.revision !== envelope.streamRevision - 1) return null;
    if (held.sequence + 1 !== checkpoint.sequence || held.head !== checkpoint.previousHead)
      return `checkpoint ${checkpoint.sequence} of ${checkpoint.origin} does not continue checkpoint ${held.sequence} held here`;
    return null;
  }

  /** Ids of held copies whose content does not give the listed leaf. */
  private async alteredCopies(checkpoint: LogCheckpoint): Promise<string[]> {
    if (!this.store.readEvents) return [];
    const listed = new Map(checkpoint.leaves.map(([id, leaf]) => [id.toLowerCase(), leaf]));
    const held = await this.store.readEvents([...listed.keys()]);
    return held.filter((e) => listed.get(e.eventId.toLowerCase()) !== leafHashOf(e)).map((e) => e.eventId);
  }
}
