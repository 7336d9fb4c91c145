import { randomUUID } from 'node:crypto';
import { isRuleViolation } from '@vaxledger/domain';
import { type EventStore, MemoryEventStore } from '@vaxledger/event-store';
import { CommandExecutor } from '../kernel/command-executor';
import type { CommandAnswer, DecidedEvent } from '../kernel/command-answer';
import { isApplicationError } from '../kernel/errors';
import { MemoryIdempotencyStore } from '../kernel/idempotency';

/** The instant every handler test runs at. */
export const NOW = '2026-11-20T12:00:00+08:00';
export const PROVINCE = '440000';

/** A fact as a test states or expects it: the stream it is in, its type and (part of) its data. */
export interface StreamFact {
  readonly streamId: string;
  readonly type: string;
  readonly data: unknown;
}

/**
 * Given / When / Then for a use-case handler, on the in-memory event store:
 *
 *   const spec = handlerSpec();
 *   await spec.given(siteStream(CLINIC), [shipmentReceived(...)]);
 *   await spec.when(() => handler.handle(command, actor, meta));
 *   await spec.then([{ streamId, type: 'DoseAdministered', data: expect.objectContaining({...}) }]);
 *   // or: spec.thenRefuses('BATCH_RECALLED') and spec.thenAppendedNothing()
 *
 * (`given` resolves to nothing: the spec has a `then`, so awaiting the spec itself would hang.)
 * Given events go straight to the store (as if appended earlier); `then` compares what the
 * handler appended after them. Read-model facts are the test's own plain lookups.
 */
export class HandlerSpec {
  readonly store: EventStore = new MemoryEventStore(() => new Date(NOW));
  readonly executor = new CommandExecutor({
    store: this.store,
    provinceCode: PROVINCE,
    idempotency: new MemoryIdempotencyStore(),
    // Read models here are the test's fixed lookups: nothing to wait for.
    catchUp: () => Promise.resolve(),
  });
  readonly clock = (): string => NOW;
  private givenUpTo = 0n;
  private outcome: { answer?: unknown; error?: unknown } | null = null;

  /** Facts already in `streamId`; `eventIds` names them where a test refers to one (a dose to void). */
  async given(streamId: string, events: readonly DecidedEvent[], eventIds: readonly string[] = []): Promise<void> {
    const appended = await this.store.append(
      streamId,
      events.map((event, i) => ({ eventId: eventIds[i] ?? randomUUID(), ...event, metadata: { originProvince: PROVINCE } })),
    );
    this.givenUpTo = appended.position;
  }

  /** Runs the use case; its answer, or undefined when it threw (`thenRefuses` checks what). */
  async when<T = CommandAnswer>(run: () => Promise<T>): Promise<T | undefined> {
    try {
      const answer = await run();
      this.outcome = { answer };
      return answer;
    } catch (error) {
      this.outcome = { error };
      return undefined;
    }
  }

  /** Every fact appended since the givens, in log order. */
  async appended(): Promise<StreamFact[]> {
    const events = await this.store.readAll({ after: this.givenUpTo, limit: 10_000 });
    return events.map((e) => ({ streamId: e.streamId, type: e.type, data: e.data }));
  }

  async then(expected: readonly StreamFact[]): Promise<void> {
    if (this.outcome?.error) throw this.outcome.error;
    expect(await this.appended()).toEqual(expected);
  }

  /** The handler refused with this code (a rule's or the application layer's) and appended nothing. */
  async thenRefuses(code: string): Promise<void> {
    const error = this.outcome?.error;
    expect(isRuleViolation(error) || isApplicationError(error) ? error.code : error).toBe(code);
    expect(await this.appended()).toEqual([]);
  }
}

export const handlerSpec = (): HandlerSpec => new HandlerSpec();
