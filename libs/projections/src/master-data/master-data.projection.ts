import type { RecordedEvent } from '@vaxledger/event-store';
import { type Projection, type ProjectionTx, num, optStr, payload, str } from '../framework/projection';

/** Organisations and products: who may ship to whom, and a product's rules (storage, doses per unit). */
export const masterDataProjection: Projection = {
  name: 'master-data',
  version: 1,
  tables: ['rm_organisation', 'rm_product', 'rm_product_code'],
  async apply(tx: ProjectionTx, events: readonly RecordedEvent[]): Promise<void> {
    for (const event of events) {
      const p = payload(event);
      if (event.type === 'OrganisationRegistered') {
        await tx.query(
          `INSERT INTO ${tx.table('rm_organisation')} ("orgCode", name, kind, "provinceCode", "parentOrgCode", position)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT ("orgCode") DO NOTHING`,
          [
            str(p, 'orgCode'),
            str(p, 'name'),
            str(p, 'kind'),
            str(p, 'provinceCode'),
            optStr(p, 'parentOrgCode'),
            event.position.toString(),
          ],
        );
      } else if (event.type === 'ProductRegistered') {
        const storage = (p.storageC ?? {}) as { min?: number; max?: number };
        const levels = Array.isArray(p.levels) ? (p.levels as { code: string }[]) : [];
        await tx.query(
          `INSERT INTO ${tx.table('rm_product')} ("productCode", name, "vaccineType", "mahOrgCode", "dosesPerUnit", "storageMin",
             "storageMax", "shelfLifeMonths", programme, serialised, levels, "approvalNo", position)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT ("productCode") DO NOTHING`,
          [
            str(p, 'productCode'),
            str(p, 'name'),
            str(p, 'vaccineType'),
            str(p, 'mahOrgCode'),
            num(p, 'dosesPerUnit'),
            storage.min ?? 2,
            storage.max ?? 8,
            num(p, 'shelfLifeMonths'),
            str(p, 'programme'),
            p.serialised === true,
            JSON.stringify(levels),
            str(p, 'approvalNo'),
            event.position.toString(),
          ],
        );
        const codes = new Set([str(p, 'productCode'), ...levels.map((l) => l.code)]);
        for (const code of codes)
          await tx.query(`INSERT INTO ${tx.table('rm_product_code')} (code, "productCode") VALUES ($1, $2) ON CONFLICT (code) DO NOTHING`, [
            code,
            str(p, 'productCode'),
          ]);
      }
    }
  },
};
