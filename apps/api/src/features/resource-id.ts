import { randomUUID } from 'node:crypto';
import type { Actor } from '@vaxledger/domain';
import { uuidV5 } from '../infrastructure/uuid-v5';
import type { CommandMeta } from './command-meta';

/**
 * Id of a resource the node names (shipment, recall): derived from the Idempotency-Key
 * when there is one, so a retried request addresses the same resource.
 */
export const newResourceId = (kind: string, actor: Actor, meta: CommandMeta): string =>
  meta.idempotencyKey ? uuidV5(`${actor.orgCode}|${meta.idempotencyKey}|${kind}`) : randomUUID();
