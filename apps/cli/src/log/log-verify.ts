import { createPublicKey, type KeyObject } from 'node:crypto';
import type { CheckpointSignatureCheck, EventStore, LogVerification } from '@vaxledger/event-store';
import { verifyStoreLog } from '@vaxledger/event-store';
import { TrustList } from '@vaxledger/sync';

export interface LogVerifyKeys {
  readonly provinceCode: string;
  readonly syncSigningKey: KeyObject | null;
  readonly syncTrustList: Readonly<Record<string, readonly KeyObject[]>> | null;
}

/** The trust list when there is one, else this node's own public key for its own checkpoints. */
export const signatureCheckOf = (keys: LogVerifyKeys): CheckpointSignatureCheck | undefined => {
  const list = keys.syncTrustList
    ? new TrustList(keys.syncTrustList)
    : keys.syncSigningKey
      ? new TrustList({ [keys.provinceCode]: [createPublicKey(keys.syncSigningKey)] })
      : null;
  return list ? (checkpoint) => list.checkCheckpoint(checkpoint) : undefined;
};

/** Human-readable lines for a verification, problems first named by event. */
export const describeVerification = (result: LogVerification, signaturesChecked: boolean): string[] => {
  const lines: string[] = [];
  for (const origin of result.origins) {
    lines.push(
      `origin ${origin.origin}: ${origin.checkpoints} checkpoint(s), ${origin.covered} event(s) checked, ${origin.uncovered} after the last checkpoint`,
    );
    for (const p of origin.problems)
      lines.push(
        `  ${p.kind.toUpperCase()}${p.eventId ? ` event ${p.eventId}` : ''}${p.position ? ` (position ${p.position})` : ''}: ${p.detail}`,
      );
  }
  if (!signaturesChecked) lines.push('warning: no SYNC_SIGNING_KEY or SYNC_TRUST_LIST, so checkpoint signatures were not checked');
  const problems = result.origins.reduce((n, o) => n + o.problems.length, 0);
  lines.push(result.ok ? `log verified: ${result.events} events, no problem` : `log verification FAILED: ${problems} problem(s)`);
  return lines;
};

/** `log verify`: 0 when every origin's events agree with its signed checkpoints, 1 otherwise. */
export const runLogVerify = async (store: EventStore, keys: LogVerifyKeys, out: (line: string) => void, json = false): Promise<number> => {
  const check = signatureCheckOf(keys);
  const result = await verifyStoreLog(store, keys.provinceCode, check);
  if (json) out(JSON.stringify({ ...result, signaturesChecked: check !== undefined }));
  else for (const line of describeVerification(result, check !== undefined)) out(line);
  return result.ok ? 0 : 1;
};
