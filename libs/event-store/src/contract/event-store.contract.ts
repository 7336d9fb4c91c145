import type { EventStore } from '../event-store.port';
import { appendContract } from './appends.contract';
import type { ContractHooks } from './contract-support';
import { globalLogContract } from './global-log.contract';
import { leafHashContract } from './leaf-hashes.contract';

export { anEvent, type ContractHooks, uniqueStream } from './contract-support';

/**
 * Runs the whole contract against one adapter (see ContractHooks): opens the store once, then
 * the parts by topic beside this file (leaf hashes, appends, the global log). Each part registers
 * its own beforeAll after the one here, so it reads the store this one opened.
 */
export const eventStoreContract = (name: string, hooks: ContractHooks): void => {
  describe(`${name} event store (contract)`, () => {
    let store: EventStore;
    beforeAll(async () => {
      store = await hooks.open();
    });
    afterAll(async () => {
      await store.close();
    });

    leafHashContract(() => store);
    appendContract(() => store);
    globalLogContract(() => store, hooks);
  });
};
