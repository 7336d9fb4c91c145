import type { EventStore } from '@vaxledger/event-store';
import { EnvelopeSigner, LogCheckpointer } from '@vaxledger/sync';
import type { LogVerifyKeys } from './log-verify';

/**
 * `log checkpoint`: signs everything this province originated since its last checkpoint now,
 * instead of waiting for the sync process (before an export, a backup or an audit). 0 when
 * done (also when there was nothing to sign), 2 without a signing key.
 */
export const runLogCheckpoint = async (
  store: EventStore,
  keys: LogVerifyKeys & { readonly everyEvents: number },
  out: (line: string) => void,
): Promise<number> => {
  if (!keys.syncSigningKey) {
    out('log checkpoint needs SYNC_SIGNING_KEY (the province key that signs its log)');
    return 2;
  }
  const checkpointer = new LogCheckpointer(store, {
    provinceCode: keys.provinceCode,
    signer: new EnvelopeSigner(keys.syncSigningKey),
    everyEvents: keys.everyEvents,
    everyMs: 0,
  });
  let written = 0;
  for (let c = await checkpointer.runOnce(true); c; c = await checkpointer.runOnce(true)) {
    written++;
    out(`checkpoint ${c.sequence} of ${c.origin}: ${c.count} event(s) up to position ${c.toPosition}, head ${c.head}`);
  }
  if (written === 0) out('nothing new to sign');
  return 0;
};
