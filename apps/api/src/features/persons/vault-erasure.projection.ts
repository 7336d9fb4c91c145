import { type ErasureBasis, erasureOnHold, localDateOf, retainUntilFor } from '@vaxledger/domain';
import type { RecordedEvent } from '@vaxledger/event-store';
import type { PersonVault } from '@vaxledger/privacy';
import { type Projection, type ProjectionTx, optStr, originOf, payload, str } from '@vaxledger/projections';

const BASES: readonly string[] = ['retention_expired', 'subject_request', 'duplicate_identity', 'court_order'];

/** When the erasure happened at its origin: the same day on every node and on every replay. */
const erasedOn = (event: RecordedEvent): string => {
  const at = event.metadata.originRecordedAt;
  return localDateOf(typeof at === 'string' ? at : event.recordedAt.toISOString());
};

/**
 * Applies PersonDetailsErased to this node's vault, whichever province appended it: the
 * person's data key is destroyed and a tombstone stops the details being stored again.
 * It runs with the projector, checkpointed like a read model, so an erasure received over
 * sync (or one whose key destruction was interrupted by a crash) is applied exactly when
 * the log holds it. Destroying twice is harmless, so a replay changes nothing.
 *
 * A receiving node keeps its own copy while its own doses of the person are within
 * retention (DOMAIN.md: "receivers erase their own vault entries unless on hold"); the
 * origin already checked retention for the doses it knew of. A court order erases at once.
 */
export const vaultErasureProjection = (vault: PersonVault, provinceCode: string): Projection => ({
  name: 'vault-erasure',
  version: 1,
  tables: [],
  async apply(tx: ProjectionTx, events: readonly RecordedEvent[]): Promise<void> {
    for (const event of events) {
      if (event.type !== 'PersonDetailsErased') continue;
      const p = payload(event);
      const personId = str(p, 'personId');
      const basis = str(p, 'legalBasis');
      if (originOf(event, provinceCode) !== provinceCode && BASES.includes(basis)) {
        const [own] = await tx.query<{ expiresOn: string | null }>(
          `SELECT max(b."expiresOn")::text AS "expiresOn"
             FROM ${tx.table('rm_dose')} d JOIN ${tx.table('rm_batch')} b ON b."batchId" = d."batchId"
            WHERE d."personId" = $1 AND d."originProvince" = $2 AND d.status = 'valid'`,
          [personId, provinceCode],
        );
        const retainUntil = own?.expiresOn ? retainUntilFor(own.expiresOn) : null;
        if (erasureOnHold(basis as ErasureBasis, retainUntil, erasedOn(event))) continue;
      }
      // In the projector's own transaction: with the checkpoint, and never waiting on it (PGlite).
      await vault.erase(personId, optStr(p, 'keyId') ?? undefined, {
        query: <R extends Record<string, unknown>>(sql: string, params?: readonly unknown[]) =>
          tx.query<R>(sql, params ? [...params] : undefined),
      });
    }
  },
});
