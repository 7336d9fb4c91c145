import type { Actor } from '@vaxledger/domain';
import { type ReadModels, SupplyEventRow } from '@vaxledger/projections';
import { isNational } from '../../auth/policy';
import type { DocumentRef, EventCriteria } from './epcis-query';

/** A supply event found, with what other read models add to it. */
export interface FoundSupplyEvent {
  readonly row: SupplyEventRow;
  /** A receipt's: the delivery note of the dispatch it received, when known. */
  readonly deliveryNoteNo: string | null;
}

/**
 * Runs query criteria over the supply-events read model, inside the caller's reach:
 * national regulators see every event; a provincial regulator the events written in its
 * province; a manufacturer the events of its own batches (doses included, without persons);
 * a CDC or clinic the events its own sites took part in.
 */
export const findSupplyEvents = async (
  models: ReadModels,
  actor: Actor,
  criteria: EventCriteria,
): Promise<{ rows: FoundSupplyEvent[]; more: boolean }> => {
  const t = (name: string): string => `"${models.schema}"."${name}"`;
  const where: string[] = ['e.position > $1'];
  const params: unknown[] = [criteria.after.toString()];
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const hasKey = (condition: string): string =>
    `EXISTS (SELECT 1 FROM ${t('rm_supply_key')} k WHERE k."eventId" = e."eventId" AND (${condition}))`;

  if (criteria.bizSteps) where.push(`e."bizStep" = ANY(${param(criteria.bizSteps)}::text[])`);
  if (criteria.dispositions) where.push(`e.disposition = ANY(${param(criteria.dispositions)}::text[])`);
  if (criteria.epcs) where.push(hasKey(`k.kind = 'tc' AND k.key = ANY(${param(criteria.epcs)}::text[])`));
  if (criteria.anyEpcs) where.push(hasKey(`k.kind = 'tc' AND k.key = ANY(${param(criteria.anyEpcs)}::text[])`));
  if (criteria.batchIds || criteria.productCodes)
    where.push(
      hasKey(
        `(k.kind = 'batch' AND k.key = ANY(${param(criteria.batchIds ?? [])}::text[])) OR (k.kind = 'product' AND k.key = ANY(${param(criteria.productCodes ?? [])}::text[]))`,
      ),
    );
  if (criteria.from) where.push(`e."eventTime" >= ${param(criteria.from.toISOString())}`);
  if (criteria.before) where.push(`e."eventTime" < ${param(criteria.before.toISOString())}`);
  if (criteria.eventIds || criteria.epcisEventIds)
    where.push(
      `(e."eventId" = ANY(${param(criteria.eventIds ?? [])}::uuid[]) OR e."epcisEventId" = ANY(${param(criteria.epcisEventIds ?? [])}::text[]))`,
    );
  if (criteria.sites) where.push(`e.site = ANY(${param(criteria.sites)}::text[])`);
  const documents = (refs: readonly DocumentRef[], owner: string, number: string): string =>
    `EXISTS (SELECT 1 FROM unnest(${param(refs.map((r) => r.owner))}::text[], ${param(refs.map((r) => r.number))}::text[]) AS d(owner, number)
              WHERE d.owner = ${owner} AND d.number = ${number})`;
  // A receipt's delivery note is its dispatch's (the join below), as the answer serves it.
  if (criteria.desadvs)
    where.push(
      `((e.type = 'ShipmentDispatched' AND ${documents(criteria.desadvs, `e.data->>'fromSite'`, `e.data->>'deliveryNoteNo'`)})
        OR (e.type = 'ShipmentReceived' AND ${documents(criteria.desadvs, `e.data->>'fromSite'`, 's."deliveryNoteNo"')}))`,
    );
  if (criteria.orders)
    where.push(`(e.type = 'ShipmentDispatched' AND ${documents(criteria.orders, `e.data->>'toSite'`, `e.data->>'orderNo'`)})`);

  switch (actor.role) {
    case 'regulator':
      if (!isNational(actor)) where.push(`left(e."originProvince", 2) = ${param(actor.provinceCode.slice(0, 2))}`);
      break;
    case 'manufacturer':
      where.push(
        `EXISTS (SELECT 1 FROM ${t('rm_supply_key')} k JOIN ${t('rm_batch')} b ON b."batchId" = k.key
                  WHERE k."eventId" = e."eventId" AND k.kind = 'batch' AND b."mahOrgCode" = ${param(actor.orgCode)})`,
      );
      break;
    case 'hub':
    case 'healthcode':
      // The hub routes facts and queries none, a health-code platform asks for status only (the role gates say so too).
      where.push('false');
      break;
    case 'cdc':
    case 'clinic': {
      const org = param(actor.orgCode);
      where.push(hasKey(`k.kind = 'party' AND (k.key = ${org} OR k.key LIKE ${org} || '-%')`));
    }
  }

  // A receipt's delivery note is the one of the dispatch it received (when this node has that dispatch).
  const rows: Record<string, unknown>[] = await models.dataSource.query(
    `SELECT e.*, s."deliveryNoteNo" AS "dispatchDeliveryNoteNo"
       FROM ${t('rm_supply_event')} e
       LEFT JOIN ${t('rm_shipment')} s ON e.type = 'ShipmentReceived' AND s."shipmentId" = e.data->>'shipmentId'
      WHERE ${where.join(' AND ')} ORDER BY e.position LIMIT ${param(criteria.perPage + 1)}`,
    params,
  );
  const typed = rows.map((r) => {
    const { dispatchDeliveryNoteNo, ...row } = r;
    return {
      row: Object.assign(new SupplyEventRow(), row, { position: String(r.position) }),
      deliveryNoteNo: typeof dispatchDeliveryNoteNo === 'string' ? dispatchDeliveryNoteNo : null,
    };
  });
  return { rows: typed.slice(0, criteria.perPage), more: typed.length > criteria.perPage };
};
