import type { ReadAccessPolicy } from '@vaxledger/application';
import type { NodeRuntime } from '../infrastructure/node-runtime';
import { aefiScope } from '../features/aefi/aefi-scope';
import { batchScope, impactRowFilter, personScope } from './access';
import { canReadPersonRecord, canSeeAefi, canSeeRecipients } from './policy';

/**
 * The audited reads' questions (libs/application's ReadAccessPolicy), answered by the same policy
 * functions as every other read, over facts loaded from this node.
 */
export const readAccess = (runtime: NodeRuntime): ReadAccessPolicy => {
  const models = runtime.readModels;
  return {
    mayReadPersonRecord: async (actor, personId) => canReadPersonRecord(actor, await personScope(runtime, actor, personId)),
    maySeeAefiReport: async (actor, report) => canSeeAefi(actor, await aefiScope(models, report)),
    maySeeRecallImpact: async (actor, batchId) => {
      const scope = await batchScope(models, batchId);
      return scope ? canSeeRecipients(actor, scope) : 'not_found';
    },
    impactRowFilter: (actor, sites) => impactRowFilter(models, actor, sites),
  };
};
