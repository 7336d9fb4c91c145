import { randomUUID } from 'node:crypto';
import type { Actor } from '@vaxledger/domain';
import { uuidV5 } from './uuid-v5';

/** What travels beside every command, whatever the entry point (HTTP headers, a CLI run, a file import). */
export interface CommandMeta {
  readonly correlationId: string;
  /** The caller's retry key: the same key and command answer the same, once. */
  readonly idempotencyKey?: string;
  /** The stream revision the caller last saw (optimistic concurrency, HTTP If-Match). */
  readonly ifMatch?: number;
}

/**
 * Id of a resource the node names (shipment, recall): derived from the idempotency key
 * when there is one, so a retried command addresses the same resource.
 */
export const newResourceId = (kind: string, actor: Actor, meta: CommandMeta): string =>
  meta.idempotencyKey ? uuidV5(`${actor.orgCode}|${meta.idempotencyKey}|${kind}`) : randomUUID();
