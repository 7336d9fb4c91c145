import type { EventStore, GlobalPosition } from '@vaxledger/event-store';
import { DataSource } from 'typeorm';
import { deferredIndexTableSql, restoreDeferredIndexes } from './framework/deferred-indexes';
import { schemaFingerprint, storedFingerprint, storeFingerprint } from './framework/schema-fingerprint';
import { accessLogProjection } from './access-log/access-log.projection';
import { aefiProjection } from './aefi/aefi.projection';
import { AefiQueries } from './aefi/aefi.queries';
import { batchTraceProjection } from './batch-trace/batch-trace.projection';
import { certificateRevocationsProjection } from './certificate-revocations/certificate-revocations.projection';
import {
  AccessRow,
  BatchRow,
  CertificateRevocationRow,
  BatchSiteDosesRow,
  CustodyRow,
  DoseRow,
  OrganisationRow,
  PersonRow,
  ProductRow,
  RecallRow,
  type RecipientRow,
  ShipmentRow,
  StockRow,
  TraceCodeRow,
  READ_MODEL_ENTITIES,
} from './entities';
import type { Projection } from './framework/projection';
import { ProjectionRunner } from './framework/projection-runner';
import { masterDataProjection } from './master-data/master-data.projection';
import { personRecordProjection } from './person-record/person-record.projection';
import { recallImpactProjection } from './recall-impact/recall-impact.projection';
import { siteInventoryProjection } from './site-inventory/site-inventory.projection';
import { traceCodesProjection } from './trace-codes/trace-codes.projection';
import { supplyEventsProjection } from './supply-events/supply-events.projection';

/** In application order: master data first, since trace-codes reads products. */
export const PROJECTIONS: readonly Projection[] = [
  masterDataProjection,
  batchTraceProjection,
  siteInventoryProjection,
  traceCodesProjection,
  personRecordProjection,
  recallImpactProjection,
  accessLogProjection,
  supplyEventsProjection,
  aefiProjection,
  certificateRevocationsProjection,
];

export const projectionNamed = (name: string): Projection | undefined => PROJECTIONS.find((p) => p.name === name);

export interface AccessFilter {
  readonly personId?: string;
  readonly batchId?: string;
  readonly orgCode?: string;
  /** Instants: `from` inclusive, `to` exclusive. */
  readonly from?: Date;
  readonly to?: Date;
  /** Positions, both exclusive. */
  readonly after?: GlobalPosition;
  readonly before?: GlobalPosition;
  /** Newest first instead of oldest first. */
  readonly newestFirst?: boolean;
  readonly limit: number;
}

export interface ReadModelOptions {
  readonly connectionString: string;
  /** PostgreSQL schema of the read models (default `readmodel`). */
  readonly schema?: string;
  readonly poolSize?: number;
  readonly batchSize?: number;
}

/**
 * The read side of a node: TypeORM over the read-model schema, the projection runner that
 * keeps it current, and the queries the API and the command handlers ask.
 */
export class ReadModels {
  readonly runner: ProjectionRunner;
  /** AEFI reports, clocks, per-batch counts and signals. */
  readonly aefi: AefiQueries;

  private constructor(
    readonly dataSource: DataSource,
    readonly schema: string,
    store: EventStore,
    projections: readonly Projection[],
    batchSize: number,
  ) {
    this.runner = new ProjectionRunner(dataSource, store, projections, schema, { batchSize });
    this.aefi = new AefiQueries(dataSource, schema);
  }

  static async open(store: EventStore, options: ReadModelOptions, projections: readonly Projection[] = PROJECTIONS): Promise<ReadModels> {
    const schema = options.schema ?? 'readmodel';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid read-model schema ${schema}`);
    const dataSource = new DataSource({
      type: 'postgres',
      url: options.connectionString,
      schema,
      entities: READ_MODEL_ENTITIES,
      synchronize: false,
      extra: { max: options.poolSize ?? 10 },
      logging: false,
    });
    await dataSource.initialize();
    // Several processes may start together: one creates the tables, the others wait.
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('SELECT pg_advisory_lock(hashtext($1))', [`vaxledger-readmodel-${schema}`]);
      await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      // A recall list is one index-only scan (TypeORM's @Index cannot say INCLUDE).
      const extraSql = [
        `CREATE INDEX IF NOT EXISTS rm_recipient_batch_covering ON "${schema}".rm_recipient ("batchId", "administeredAt")
           INCLUDE ("eventId", "personId", "siteCode", "originProvince", voided)`,
        // Indexes a rebuild set aside until its end (see framework/deferred-indexes.ts).
        deferredIndexTableSql(schema),
      ];
      // Tables already as the entities describe them (same fingerprint): nothing to synchronize.
      const fingerprint = schemaFingerprint(dataSource, extraSql);
      if ((await storedFingerprint(runner, schema)) !== fingerprint) {
        await dataSource.synchronize();
        for (const sql of extraSql) await runner.query(sql);
        await storeFingerprint(runner, schema, fingerprint);
      }
      // A rebuild that stopped half-way left its tables without some indexes: build them now.
      await restoreDeferredIndexes(dataSource, schema);
      await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [`vaxledger-readmodel-${schema}`]);
    } finally {
      await runner.release();
    }
    const models = new ReadModels(dataSource, schema, store, projections, options.batchSize ?? 5000);
    // PGlite's socket may serve several connections on one session: its statements stay unnamed.
    const server: { version: string }[] = await dataSource.query('SELECT version() AS version');
    models.runner.preparedStatements = !String(server[0]?.version ?? '').includes('PGlite');
    await models.runner.loadCheckpoints();
    return models;
  }

  private t(name: string): string {
    return `"${this.schema}"."${name}"`;
  }

  async close(): Promise<void> {
    await this.runner.stop();
    await this.dataSource.destroy();
  }

  organisation(orgCode: string): Promise<OrganisationRow | null> {
    return this.dataSource.getRepository(OrganisationRow).findOneBy({ orgCode });
  }

  product(productCode: string): Promise<ProductRow | null> {
    return this.dataSource.getRepository(ProductRow).findOneBy({ productCode });
  }

  /** Product codes already registered among `codes` (codes are unique across products). */
  async takenProductCodes(codes: readonly string[]): Promise<string[]> {
    const rows: { code: string }[] = await this.dataSource.query(
      `SELECT code FROM ${this.t('rm_product_code')} WHERE code = ANY($1::text[])`,
      [codes],
    );
    return rows.map((r) => r.code);
  }

  batch(batchId: string): Promise<BatchRow | null> {
    return this.dataSource.getRepository(BatchRow).findOneBy({ batchId });
  }

  async batches(batchIds: readonly string[]): Promise<BatchRow[]> {
    if (batchIds.length === 0) return [];
    return this.dataSource.getRepository(BatchRow).createQueryBuilder('b').where('b."batchId" = ANY(:ids)', { ids: batchIds }).getMany();
  }

  custody(batchId: string): Promise<CustodyRow[]> {
    return this.dataSource.getRepository(CustodyRow).find({ where: { batchId }, order: { position: 'ASC' } });
  }

  dosesBySite(batchId: string): Promise<BatchSiteDosesRow[]> {
    return this.dataSource.getRepository(BatchSiteDosesRow).find({ where: { batchId }, order: { siteCode: 'ASC' } });
  }

  stockOfBatch(batchId: string): Promise<StockRow[]> {
    return this.dataSource.getRepository(StockRow).find({ where: { batchId }, order: { site: 'ASC' } });
  }

  async stockAt(site: string, batchId: string): Promise<StockRow | null> {
    return this.dataSource.getRepository(StockRow).findOneBy({ site, batchId });
  }

  stockOfSite(site: string): Promise<StockRow[]> {
    return this.dataSource.getRepository(StockRow).find({ where: { site }, order: { batchId: 'ASC' } });
  }

  shipment(shipmentId: string): Promise<ShipmentRow | null> {
    return this.dataSource.getRepository(ShipmentRow).findOneBy({ shipmentId });
  }

  /** Dispatched lines not yet received, by batch (for in-transit figures). */
  async inTransit(filter: { batchId?: string; toSite?: string }): Promise<{ batchId: string; toSite: string; quantity: number }[]> {
    const rows: { batchId: string; toSite: string; quantity: string }[] = await this.dataSource.query(
      `SELECT l."batchId", s."toSite", sum(l.quantity)::text AS quantity
         FROM ${this.t('rm_shipment')} s, jsonb_to_recordset(s.lines) AS l("batchId" text, quantity int)
        WHERE NOT s.received AND ($1::text IS NULL OR l."batchId" = $1) AND ($2::text IS NULL OR s."toSite" = $2)
        GROUP BY l."batchId", s."toSite"`,
      [filter.batchId ?? null, filter.toSite ?? null],
    );
    return rows.map((r) => ({ batchId: r.batchId, toSite: r.toSite, quantity: Number(r.quantity) }));
  }

  recall(recallId: string): Promise<RecallRow | null> {
    return this.dataSource.getRepository(RecallRow).findOneBy({ recallId });
  }

  recallsOf(batchId: string): Promise<RecallRow[]> {
    return this.dataSource
      .getRepository(RecallRow)
      .createQueryBuilder('r')
      .where(`r."batchIds" ? :batchId`, { batchId })
      .orderBy('r.position', 'ASC')
      .getMany();
  }

  traceCode(code: string): Promise<TraceCodeRow | null> {
    return this.dataSource.getRepository(TraceCodeRow).findOneBy({ code });
  }

  async traceCodesOfBatch(batchId: string): Promise<string[]> {
    const rows: { code: string }[] = await this.dataSource.query(
      `SELECT code FROM ${this.t('rm_trace_code')} WHERE "batchId" = $1 ORDER BY code`,
      [batchId],
    );
    return rows.map((r) => r.code);
  }

  async knownTraceCodes(codes: readonly string[]): Promise<string[]> {
    if (codes.length === 0) return [];
    const rows: { code: string }[] = await this.dataSource.query(
      `SELECT code FROM ${this.t('rm_trace_code')} WHERE code = ANY($1::text[])`,
      [codes],
    );
    return rows.map((r) => r.code);
  }

  /** Trace codes among `codes` that are no longer simply on hand (drawn from, destroyed, in transit). */
  async usedTraceCodes(codes: readonly string[]): Promise<string[]> {
    if (codes.length === 0) return [];
    const rows: { code: string }[] = await this.dataSource.query(
      `SELECT code FROM ${this.t('rm_trace_code')} WHERE code = ANY($1::text[]) AND ("dosesDrawn" > 0 OR state <> 'in_stock')`,
      [codes],
    );
    return rows.map((r) => r.code);
  }

  async administeredAtSite(site: string, batchIds: readonly string[]): Promise<Record<string, number>> {
    const rows = await this.dataSource
      .getRepository(StockRow)
      .createQueryBuilder('s')
      .where('s.site = :site AND s."batchId" = ANY(:ids)', { site, ids: batchIds })
      .getMany();
    return Object.fromEntries(rows.map((r) => [r.batchId, r.administered]));
  }

  doses(personId: string): Promise<DoseRow[]> {
    return this.dataSource.getRepository(DoseRow).find({ where: { personId }, order: { administeredAt: 'ASC', position: 'ASC' } });
  }

  /**
   * A person's valid doses as a command's transaction reads them (`db`: its connection), so
   * the read commits with the command instead of costing a commit of its own.
   */
  async validDosesIn(
    db: { query(sql: string, params?: readonly unknown[]): Promise<unknown> },
    personId: string,
  ): Promise<{ eventId: string; vaccineType: string; doseNumber: number; administeredAt: string }[]> {
    return (await db.query(
      `SELECT "eventId", "vaccineType", "doseNumber", "administeredAt" FROM ${this.t('rm_dose')}
        WHERE "personId" = $1 AND status = 'valid' ORDER BY "administeredAt", position`,
      [personId],
    )) as { eventId: string; vaccineType: string; doseNumber: number; administeredAt: string }[];
  }

  /** `validDosesIn` for many persons in one query (bulk loads); every person asked has an entry. */
  async validDosesManyIn(
    db: { query(sql: string, params?: readonly unknown[]): Promise<unknown> },
    personIds: readonly string[],
  ): Promise<Map<string, { eventId: string; vaccineType: string; doseNumber: number; administeredAt: string }[]>> {
    type Row = { personId: string; eventId: string; vaccineType: string; doseNumber: number; administeredAt: string };
    const out = new Map<string, Omit<Row, 'personId'>[]>(personIds.map((id) => [id, []]));
    if (personIds.length === 0) return out;
    const rows = (await db.query(
      `SELECT "personId", "eventId", "vaccineType", "doseNumber", "administeredAt" FROM ${this.t('rm_dose')}
        WHERE "personId" = ANY($1::text[]) AND status = 'valid' ORDER BY "administeredAt", position`,
      [[...new Set(personIds)]],
    )) as Row[];
    for (const { personId, ...dose } of rows) out.get(personId)?.push(dose);
    return out;
  }

  dose(eventId: string): Promise<DoseRow | null> {
    return this.dataSource.getRepository(DoseRow).findOneBy({ eventId });
  }

  /** The latest time a person's cards were revoked (a dose entered in error, details erased), or null. */
  async latestCertificateRevocation(personId: string): Promise<Date | null> {
    const rows = (await this.dataSource.query(
      `SELECT max("revokedAt") AS at FROM ${this.t('rm_certificate_revocation')} WHERE "personId" = $1`,
      [personId],
    )) as { at: Date | string | null }[];
    const at = rows[0]?.at;
    return at === null || at === undefined ? null : new Date(at);
  }

  /** Every event that revokes certificates, oldest first (docs/adr/0018-signed-certificates.md). */
  certificateRevocations(): Promise<CertificateRevocationRow[]> {
    return this.dataSource.getRepository(CertificateRevocationRow).find({ order: { position: 'ASC' } });
  }

  person(personId: string): Promise<PersonRow | null> {
    return this.dataSource.getRepository(PersonRow).findOneBy({ personId });
  }

  /**
   * A recall's list, as plain rows straight from the covering index: TypeORM's entity mapping
   * was a third of the time for 10,000 rows (bench/RESULTS.md, queries).
   */
  recipients(batchId: string): Promise<RecipientRow[]> {
    return this.dataSource.query(
      `SELECT "eventId", "batchId", "personId", "siteCode", "administeredAt", "originProvince", voided
         FROM ${this.t('rm_recipient')} WHERE "batchId" = $1 AND voided = false ORDER BY "administeredAt"`,
      [batchId],
    );
  }

  /** Access events (the audit trail's index) between positions, oldest or newest first; filters optional. */
  accessEvents(filter: AccessFilter): Promise<AccessRow[]> {
    const query = this.dataSource
      .getRepository(AccessRow)
      .createQueryBuilder('a')
      .where('a.position > :after', { after: (filter.after ?? 0n).toString() });
    if (filter.before !== undefined) query.andWhere('a.position < :before', { before: filter.before.toString() });
    if (filter.personId) query.andWhere('a."personId" = :personId', { personId: filter.personId });
    if (filter.batchId) query.andWhere('a."batchId" = :batchId', { batchId: filter.batchId });
    if (filter.orgCode) query.andWhere('a."orgCode" = :orgCode', { orgCode: filter.orgCode });
    if (filter.from) query.andWhere('a."accessedAt" >= :from', { from: filter.from });
    if (filter.to) query.andWhere('a."accessedAt" < :to', { to: filter.to });
    return query
      .orderBy('a.position', filter.newestFirst ? 'DESC' : 'ASC')
      .limit(filter.limit)
      .getMany();
  }

  /** The position every read model has reached: the views reflect the log up to here. */
  get position(): GlobalPosition {
    return this.runner.lowestPosition;
  }
}
