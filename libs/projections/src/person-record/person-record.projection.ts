import type { RecordedEvent } from '@vaxledger/event-store';
import { type Projection, type ProjectionTx, bulkUpsert, num, optStr, originOf, payload, str } from '../framework/projection';

/**
 * Every dose of every person this node knows, from every origin, keyed by event id: the
 * person record is their union, and re-delivery of a dose changes nothing. Series,
 * next-dose-due and conflicts are derived from these rows when the record is read.
 */
export const personRecordProjection: Projection = {
  name: 'person-record',
  version: 1,
  tables: ['rm_dose', 'rm_person'],
  async apply(tx: ProjectionTx, events: readonly RecordedEvent[]): Promise<void> {
    let doses: Record<string, unknown>[] = [];
    // New persons, first registration of each kept (a later one changes nothing: see below).
    let persons = new Map<string, Record<string, unknown>>();
    const flush = async (): Promise<void> => {
      if (persons.size > 0) {
        // The first key id a person was registered with stays; the residence is the first one's.
        await bulkUpsert(
          tx,
          'rm_person',
          { personId: 'text', keyId: 'text', residenceRegion: 'text' },
          [...persons.values()],
          `ON CONFLICT ("personId") DO UPDATE SET "keyId" = coalesce(${tx.table('rm_person')}."keyId", EXCLUDED."keyId")`,
        );
        persons = new Map();
      }
      if (doses.length === 0) return;
      await bulkUpsert(
        tx,
        'rm_dose',
        {
          eventId: 'uuid',
          personId: 'text',
          originProvince: 'text',
          siteCode: 'text',
          administeredAt: 'text',
          batchId: 'text',
          productCode: 'text',
          vaccineType: 'text',
          doseNumber: 'int',
          traceCode: 'text',
          position: 'bigint',
        },
        doses,
        'ON CONFLICT ("eventId") DO NOTHING',
      );
      doses = [];
    };
    for (const event of events) {
      const p = payload(event);
      if (event.type === 'DoseAdministered') {
        doses.push({
          eventId: event.eventId,
          personId: str(p, 'personId'),
          originProvince: originOf(event, ''),
          siteCode: str(p, 'siteCode'),
          administeredAt: str(p, 'administeredAt'),
          batchId: str(p, 'batchId'),
          productCode: str(p, 'productCode'),
          vaccineType: str(p, 'vaccineType'),
          doseNumber: num(p, 'doseNumber'),
          traceCode: optStr(p, 'traceCode'),
          position: event.position.toString(),
        });
        continue;
      }
      if (event.type === 'PersonRegistered') {
        // New persons come with their first doses: written in one statement with the others.
        const personId = str(p, 'personId');
        if (!persons.has(personId))
          persons.set(personId, { personId, keyId: optStr(p, 'keyId'), residenceRegion: optStr(p, 'residenceRegion') });
        continue;
      }
      if (event.type !== 'DoseEnteredInError' && event.type !== 'PersonDetailsErased') continue;
      await flush();
      switch (event.type) {
        case 'DoseEnteredInError':
          await tx.query(`UPDATE ${tx.table('rm_dose')} SET status = 'voided' WHERE "eventId" = $1`, [str(p, 'doseEventId')]);
          break;
        case 'PersonDetailsErased':
          await tx.query(
            `INSERT INTO ${tx.table('rm_person')} ("personId", erased) VALUES ($1, true)
             ON CONFLICT ("personId") DO UPDATE SET erased = true`,
            [str(p, 'personId')],
          );
          break;
        default:
          break;
      }
    }
    await flush();
  },
};
