import type { RecordedEvent } from '@vaxledger/event-store';
import type { Actor } from '@vaxledger/domain';
import type { CommandAnswer, DecidedEvent } from '../../infrastructure/command-executor';
import type { CommandMeta } from '../command-meta';

/** The current instant as RFC 3339 (a fixed or stepping one in tests). */
export type Clock = () => string;
export const systemClock: Clock = () => new Date().toISOString();

/** What the AEFI use cases need of the command kernel (the executor satisfies it). */
export interface CommandRunner {
  run(request: {
    readonly command: string;
    readonly streamId: string;
    readonly resourceId: string;
    readonly actor: Actor;
    readonly correlationId: string;
    readonly idempotencyKey?: string | undefined;
    readonly ifMatch?: number | undefined;
    readonly body: unknown;
    readonly decide: (history: readonly RecordedEvent[]) => Promise<readonly DecidedEvent[]>;
  }): Promise<{ readonly answer: CommandAnswer }>;
  /** Resolves once the read models reflect the log (a signal counts the report just made). */
  catchUp(): Promise<void>;
}

export type { CommandAnswer, CommandMeta };
