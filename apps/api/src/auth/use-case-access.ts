import type { AccessPolicy } from '@vaxledger/application';
import type { NodeRuntime } from '../infrastructure/node-runtime';
import { aefiScope } from '../features/aefi/aefi-scope';
import { batchScope, personScope, recallScope, siteScope } from './access';
import {
  canDecideRelease,
  canErasePersonDetails,
  canHandleAefi,
  canLiftRecall,
  canRecall,
  canReceive,
  canReadPersonRecord,
  canRegisterOrganisation,
  canVoidDose,
} from './policy';

/**
 * The use cases' object-level questions (libs/application's AccessPolicy), answered by the same
 * policy functions the read endpoints use, over facts loaded from this node's read models.
 */
export const useCaseAccess = (runtime: NodeRuntime): AccessPolicy => {
  const models = runtime.readModels;
  return {
    mayVoidDose: async (actor, site) => canVoidDose(actor, await siteScope(models, site)),
    mayReceiveShipment: (actor, dispatch) => Promise.resolve(canReceive(actor, dispatch)),
    mayDecideRelease: async (actor, batchId) => {
      const scope = await batchScope(models, batchId);
      return scope ? canDecideRelease(actor, scope) : 'not_found';
    },
    mayRecallBatch: async (actor, batchId) => canRecall(actor, [await batchScope(models, batchId)]),
    mayLiftRecall: async (actor, recall) => canLiftRecall(actor, await recallScope(models, recall)),
    mayRegisterOrganisation: (actor, provinceCode) => Promise.resolve(canRegisterOrganisation(actor, provinceCode)),
    mayErasePersonDetails: (actor) => Promise.resolve(canErasePersonDetails(actor, runtime.settings.provinceCode)),
    mayReadPersonRecord: async (actor, personId) => canReadPersonRecord(actor, await personScope(runtime, actor, personId)),
    mayHandleAefi: async (actor, report, act) => canHandleAefi(actor, await aefiScope(models, report), act),
  };
};
