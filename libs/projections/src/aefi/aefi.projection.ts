import type { RecordedEvent } from '@vaxledger/event-store';
import { type Projection, type ProjectionTx, bool, list, num, originOf, payload, str } from '../framework/projection';

/**
 * AEFI reports by person, by batch and by deadline, and the signals raised on batches. The
 * report, its acknowledgement and its class come from up to two streams on two nodes and may
 * arrive in any order: each one fills its own columns of the report's row.
 */
export const aefiProjection: Projection = {
  name: 'aefi',
  version: 1,
  tables: ['rm_aefi_report', 'rm_aefi_report_batch', 'rm_aefi_signal'],
  async apply(tx: ProjectionTx, events: readonly RecordedEvent[]): Promise<void> {
    const reports = tx.table('rm_aefi_report');
    for (const event of events) {
      const p = payload(event);
      switch (event.type) {
        case 'AdverseEventReported': {
          const doses = list<{ batchId: string; productCode: string; province: string }>(p, 'doses');
          const origin = originOf(event, '');
          const provinces = [...new Set([origin, ...doses.map((d) => d.province)])].filter((x) => x !== '').sort();
          await tx.query(
            `INSERT INTO ${reports} ("reportId", reported, "reportProvince", "personId", "reporterSite", "discoveredAt", "onsetAt",
               "deadlineAt", urgent, serious, "seriousCriteria", cluster, "majorPublicImpact", outcome, signs, doses, provinces,
               "narrativeInVault", position)
             VALUES ($1, true, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
             ON CONFLICT ("reportId") DO UPDATE SET reported = true, "reportProvince" = EXCLUDED."reportProvince",
               "personId" = EXCLUDED."personId", "reporterSite" = EXCLUDED."reporterSite", "discoveredAt" = EXCLUDED."discoveredAt",
               "onsetAt" = EXCLUDED."onsetAt", "deadlineAt" = EXCLUDED."deadlineAt", urgent = EXCLUDED.urgent, serious = EXCLUDED.serious,
               "seriousCriteria" = EXCLUDED."seriousCriteria", cluster = EXCLUDED.cluster, "majorPublicImpact" = EXCLUDED."majorPublicImpact",
               outcome = EXCLUDED.outcome, signs = EXCLUDED.signs, doses = EXCLUDED.doses, provinces = EXCLUDED.provinces,
               "narrativeInVault" = EXCLUDED."narrativeInVault", position = EXCLUDED.position`,
            [
              str(p, 'reportId'),
              origin,
              str(p, 'personId'),
              str(p, 'reporterSite'),
              str(p, 'discoveredAt'),
              str(p, 'onsetAt'),
              str(p, 'deadlineAt'),
              bool(p, 'urgent'),
              bool(p, 'serious'),
              JSON.stringify(list(p, 'seriousCriteria')),
              bool(p, 'cluster'),
              bool(p, 'majorPublicImpact'),
              str(p, 'outcome'),
              JSON.stringify(list(p, 'signs')),
              JSON.stringify(doses),
              JSON.stringify(provinces),
              bool(p, 'narrativeInVault'),
              event.position.toString(),
            ],
          );
          for (const batch of new Map(doses.map((d) => [d.batchId, d.productCode]))) {
            await tx.query(
              `INSERT INTO ${tx.table('rm_aefi_report_batch')} ("batchId", "reportId", "productCode") VALUES ($1, $2, $3)
               ON CONFLICT DO NOTHING`,
              [batch[0], str(p, 'reportId'), batch[1]],
            );
          }
          break;
        }
        case 'AefiAcknowledged':
          // The first acknowledgement stops the clock; a later one (another CDC) does not move it.
          await tx.query(
            `INSERT INTO ${reports} ("reportId", "acknowledgedAt", "acknowledgedBy") VALUES ($1, $2, $3)
             ON CONFLICT ("reportId") DO UPDATE SET
               "acknowledgedAt" = coalesce(${reports}."acknowledgedAt", EXCLUDED."acknowledgedAt"),
               "acknowledgedBy" = coalesce(${reports}."acknowledgedBy", EXCLUDED."acknowledgedBy")`,
            [str(p, 'reportId'), str(p, 'acknowledgedAt'), str(p, 'cdcOrgCode')],
          );
          break;
        case 'AefiClassified':
          // The latest class wins, by classification time (arrival order must not matter).
          await tx.query(
            `INSERT INTO ${reports} ("reportId", "aefiClass", "classifiedAt") VALUES ($1, $2, $3)
             ON CONFLICT ("reportId") DO UPDATE SET "aefiClass" = EXCLUDED."aefiClass", "classifiedAt" = EXCLUDED."classifiedAt"
             WHERE ${reports}."classifiedAt" IS NULL OR ${reports}."classifiedAt"::timestamptz <= EXCLUDED."classifiedAt"::timestamptz`,
            [str(p, 'reportId'), str(p, 'aefiClass'), str(p, 'classifiedAt')],
          );
          break;
        case 'AefiSignalRaised':
          await tx.query(
            `INSERT INTO ${tx.table('rm_aefi_signal')} ("signalId", "batchId", "productCode", "originProvince", "raisedAt", statistics, position)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
            [
              str(p, 'signalId'),
              str(p, 'batchId'),
              str(p, 'productCode'),
              originOf(event, ''),
              str(p, 'raisedAt'),
              JSON.stringify({
                reports: num(p, 'reports'),
                doses: num(p, 'doses'),
                ratePer100k: num(p, 'ratePer100k'),
                baselineReports: num(p, 'baselineReports'),
                baselineDoses: num(p, 'baselineDoses'),
                baselineRatePer100k: num(p, 'baselineRatePer100k'),
                expected: num(p, 'expected'),
                pValue: num(p, 'pValue'),
                minReports: num(p, 'minReports'),
                alpha: num(p, 'alpha'),
              }),
              event.position.toString(),
            ],
          );
          break;
        default:
          break;
      }
    }
  },
};
