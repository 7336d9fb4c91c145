import { randomUUID } from 'node:crypto';
import { PostgresEventStore, START, type NewEvent, type RecordedEvent } from '@vaxledger/event-store';
import { freshSchema, testDatabaseKind, testDatabaseUrl } from '../../../test/support/database';
import { PROJECTIONS, ReadModels } from './read-models';
import { ProjectionLagError } from './framework/position-waiters';
import { deferIndexes } from './framework/deferred-indexes';

/** Every row of every read-model table, in a stable order: what "the same read models" means. */
const tableRows = async (models: ReadModels): Promise<Record<string, string[]>> => {
  const out: Record<string, string[]> = {};
  for (const table of [...new Set(PROJECTIONS.flatMap((p) => p.tables))].sort()) {
    const rows: unknown[] = await models.dataSource.query(`SELECT * FROM "${models.schema}"."${table}"`);
    out[table] = rows.map((r) => JSON.stringify(r)).sort();
  }
  return out;
};

/** Index and key definitions of the read-model schema. */
const indexes = async (models: ReadModels): Promise<string[]> => {
  const rows: { def: string }[] = await models.dataSource.query(
    `SELECT indexname || ': ' || indexdef AS def FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname`,
    [models.schema],
  );
  return rows.map((r) => r.def);
};

const ev = (type: string, data: Record<string, unknown>, origin = '510000'): NewEvent => ({
  eventId: randomUUID(),
  type,
  schemaVersion: 1,
  data,
  metadata: { originProvince: origin },
});

const ORIGIN_RECORDED_AT = '2026-11-14T01:02:03.000Z';
const MAH = '91320000MA1X0Y2W3E';
const CDC = '12510000MB0A1234XJ';
const CLINIC = '12440300MB1B2345QN';
const BATCH = '8696321-202611A017';

/** A small supply chain and three doses, one voided, straight as events. */
const story = (): [string, NewEvent[]][] => {
  const dose1 = ev('DoseAdministered', {
    personId: 'p1aaaaaaaaaaaaaaaaaaaaaaaaaa',
    siteCode: CLINIC,
    administeredAt: '2026-11-20T10:00:00+08:00',
    batchId: BATCH,
    productCode: '8696321',
    traceCode: '86963210000000000017',
    vaccineType: 'HepB',
    doseNumber: 1,
  });
  const dose2 = ev(
    'DoseAdministered',
    {
      personId: 'p1bbbbbbbbbbbbbbbbbbbbbbbbbb',
      siteCode: CLINIC,
      administeredAt: '2026-11-20T10:05:00+08:00',
      batchId: BATCH,
      productCode: '8696321',
      traceCode: '86963210000000000024',
      vaccineType: 'HepB',
      doseNumber: 1,
    },
    '440000',
  );
  return [
    [`org-${CLINIC}`, [ev('OrganisationRegistered', { orgCode: CLINIC, name: 'Clinic', kind: 'clinic', provinceCode: '440000' })]],
    [
      'product-8696321',
      [
        ev('ProductRegistered', {
          productCode: '8696321',
          name: 'HepB 10',
          vaccineType: 'HepB',
          approvalNo: 'S1',
          mahOrgCode: MAH,
          dosesPerUnit: 1,
          storageC: { min: 2, max: 8 },
          shelfLifeMonths: 24,
          programme: 'NIP',
          serialised: true,
          levels: [{ level: 1, code: '8696321', childrenPerParent: 1 }],
        }),
      ],
    ],
    [
      `batch-${BATCH}`,
      [
        ev('BatchProduced', {
          batchId: BATCH,
          productCode: '8696321',
          lotNumber: '202611A017',
          producedOn: '2026-11-01',
          expiresOn: '2028-10-31',
          quantity: 3,
          mahOrgCode: MAH,
          traceCodes: ['86963210000000000017', '86963210000000000024', '86963210000000000031'],
        }),
      ],
    ],
    [
      `lotrelease-${BATCH}`,
      [ev('BatchReleased', { batchId: BATCH, certificateNo: 'C1', decidedOn: '2026-11-05', authorityOrgCode: '12110000450712347E' })],
    ],
    [
      `site-${MAH}`,
      [
        ev('ShipmentDispatched', {
          shipmentId: 'S1',
          fromSite: MAH,
          toSite: CDC,
          dispatchedAt: '2026-11-10T09:00:00+08:00',
          lines: [{ batchId: BATCH, quantity: 3, traceCodes: ['86963210000000000017', '86963210000000000024', '86963210000000000031'] }],
        }),
      ],
    ],
    [
      `site-${CDC}`,
      [
        ev('ShipmentReceived', {
          shipmentId: 'S1',
          fromSite: MAH,
          receivedAt: '2026-11-11T15:30:00+08:00',
          lines: [
            {
              batchId: BATCH,
              shipped: 3,
              accepted: 3,
              rejected: 0,
              traceCodes: ['86963210000000000017', '86963210000000000024', '86963210000000000031'],
            },
          ],
        }),
        ev('ShipmentDispatched', {
          shipmentId: 'S2',
          fromSite: CDC,
          toSite: CLINIC,
          dispatchedAt: '2026-11-12T09:00:00+08:00',
          lines: [{ batchId: BATCH, quantity: 2, traceCodes: ['86963210000000000017', '86963210000000000024'] }],
        }),
      ],
    ],
    [
      `site-${CLINIC}`,
      [
        ev('ShipmentReceived', {
          shipmentId: 'S2',
          fromSite: CDC,
          receivedAt: '2026-11-13T09:00:00+08:00',
          lines: [{ batchId: BATCH, shipped: 2, accepted: 2, rejected: 0, traceCodes: ['86963210000000000017', '86963210000000000024'] }],
        }),
      ],
    ],
    [
      'person-510000-p1aaaaaaaaaaaaaaaaaaaaaaaaaa',
      [ev('PersonRegistered', { personId: 'p1aaaaaaaaaaaaaaaaaaaaaaaaaa', keyId: randomUUID() }), dose1],
    ],
    [
      'person-440000-p1bbbbbbbbbbbbbbbbbbbbbbbbbb',
      [
        dose2,
        // Imported from 440000: the origin recorded it long before this node did.
        {
          ...ev('DoseEnteredInError', {
            doseEventId: dose2.eventId,
            reasonCode: 'wrong_person',
            batchId: BATCH,
            siteCode: CLINIC,
            traceCode: '86963210000000000024',
          }),
          metadata: { originProvince: '440000', originRecordedAt: ORIGIN_RECORDED_AT },
        },
      ],
    ],
    [
      'recall-R1',
      [ev('BatchRecalled', { recallId: 'R1', batchIds: [BATCH], kind: 'suspension', level: 2, effectiveAt: '2026-11-22T09:00:00+08:00' })],
    ],
  ];
};

const snapshot = async (models: ReadModels): Promise<unknown> => {
  const strip = <T extends object>(rows: T[]): unknown[] => rows.map((r) => ({ ...r, position: undefined }));
  return {
    batch: strip([(await models.batch(BATCH))!]),
    custody: (await models.custody(BATCH)).map((c) => [c.type, c.fromSite, c.toSite, c.quantity]),
    stock: (await models.stockOfBatch(BATCH)).map((s) => [s.site, s.available, s.quarantined, s.administered]),
    doses: strip(await models.dosesBySite(BATCH)),
    codes: await Promise.all(
      ['86963210000000000017', '86963210000000000024', '86963210000000000031'].map(async (c) => {
        const row = await models.traceCode(c);
        return [row?.state, row?.holderSite, row?.dosesDrawn];
      }),
    ),
    recipients: (await models.recipients(BATCH)).map((r) => [r.personId, r.originProvince]),
    personA: (await models.doses('p1aaaaaaaaaaaaaaaaaaaaaaaaaa')).map((d) => [d.doseNumber, d.status]),
    personB: (await models.doses('p1bbbbbbbbbbbbbbbbbbbbbbbbbb')).map((d) => [d.doseNumber, d.status, d.originProvince]),
  };
};

describe(`read models on ${testDatabaseKind()}`, () => {
  let store: PostgresEventStore;
  let models: ReadModels;
  let all: RecordedEvent[];

  beforeAll(async () => {
    store = await PostgresEventStore.connect({
      connectionString: testDatabaseUrl(),
      schema: freshSchema('rm_es'),
      engine: testDatabaseKind(),
    });
    models = await ReadModels.open(store, { connectionString: testDatabaseUrl(), schema: freshSchema('rm') });
    for (const [stream, events] of story()) await store.append(stream, events);
    all = await store.readAll({ after: START, limit: 1000 });
  });
  afterAll(async () => {
    await models.close();
    await store.close();
  });

  it('answers every question after one pass over the log', async () => {
    await models.runner.applyBatch(all);
    expect(models.position).toBe(all[all.length - 1]!.position);
    expect(await snapshot(models)).toMatchObject({
      batch: [{ releaseState: 'released', suspended: true, recalled: false, administered: 1, recallIds: ['R1'] }],
      custody: [
        ['produced', null, MAH, 3],
        ['released', null, null, 0],
        ['dispatched', MAH, CDC, 3],
        ['received', MAH, CDC, 3],
        ['dispatched', CDC, CLINIC, 2],
        ['received', CDC, CLINIC, 2],
        ['suspended', null, null, 0],
      ],
      stock: [
        [CLINIC, 1, 0, 1],
        [CDC, 1, 0, 0],
        [MAH, 0, 0, 0],
      ],
      doses: [{ siteCode: CLINIC, count: 1 }],
      codes: [
        ['administered', CLINIC, 1],
        ['in_stock', CLINIC, 0],
        ['in_stock', CDC, 0],
      ],
      recipients: [['p1aaaaaaaaaaaaaaaaaaaaaaaaaa', '510000']],
      personA: [[1, 'valid']],
      personB: [[1, 'voided', '440000']],
    });
    // Cards are revoked from when the origin voided the dose, the same on every node, not from when this one imported it.
    expect(await models.latestCertificateRevocation('p1bbbbbbbbbbbbbbbbbbbbbbbbbb')).toEqual(new Date(ORIGIN_RECORDED_AT));
    expect(await models.latestCertificateRevocation('p1aaaaaaaaaaaaaaaaaaaaaaaaaa')).toBeNull();
  });

  it('prepares the projector statements on PostgreSQL only (PGlite may share one session among connections)', async () => {
    const postgres = testDatabaseKind() === 'postgres';
    expect(models.runner.preparedStatements).toBe(postgres);
    // The pass above named its statements (the tests after this one run them prepared).
    const named = (models.runner as unknown as { statements: { prepared: Map<string, string> } }).statements.prepared;
    expect(named.size > 0).toBe(postgres);
  });

  it('changes nothing when every event is delivered again', async () => {
    const before = await snapshot(models);
    await models.runner.applyBatch(all);
    await models.runner.applyBatch(all.slice(3, 9));
    expect(await snapshot(models)).toEqual(before);
  });

  it('gives the same rows after a rebuild from position 0, in small batches', async () => {
    const before = await snapshot(models);
    for (const projection of PROJECTIONS) await models.runner.reset(projection);
    expect(models.position).toBe(0n);
    for (let i = 0; i < all.length; i += 2) await models.runner.applyBatch(all.slice(i, i + 2));
    expect(await snapshot(models)).toEqual(before);
  });

  it('gives the same rows and indexes after a replay from position 0 that set the indexes aside', async () => {
    const rowsBefore = await tableRows(models);
    const indexesBefore = await indexes(models);
    for (const projection of PROJECTIONS) await models.runner.reset(projection);
    // Small batches and two lanes: the first batch times the projections, later ones run in parallel.
    const batches: number[] = [];
    const stats = await models.runner.replay({ batchSize: 3, parallel: 2, onBatch: (n) => batches.push(n) });
    expect(stats.deferredIndexes).toBeGreaterThan(10);
    expect(stats.events).toBe(all.length);
    expect(batches.length).toBe(Math.ceil(all.length / 3));
    expect(stats.position).toBe(all[all.length - 1]!.position);
    expect(models.position).toBe(all[all.length - 1]!.position);
    expect(await tableRows(models)).toEqual(rowsBefore);
    expect(await indexes(models)).toEqual(indexesBefore);
    expect(await models.dataSource.query(`SELECT * FROM "${models.schema}".rm_deferred_index`)).toEqual([]);
  });

  it('sets nothing aside when the read models are not empty, and replays nothing when caught up', async () => {
    const stats = await models.runner.replay();
    expect(stats).toMatchObject({ events: 0, deferredIndexes: 0 });
  });

  it('builds indexes a replay left set aside when the read models are opened again', async () => {
    const indexesBefore = await indexes(models);
    const set = await deferIndexes(models.dataSource, models.schema, ['rm_supply_event', 'rm_supply_key', 'rm_dose'], ['rm_supply_key']);
    // rm_supply_event's 4 (position, eventTime, bizStep+position, epcisEventId), rm_supply_key's 2, rm_dose's 2.
    expect(set).toBe(8);
    expect((await indexes(models)).length).toBe(indexesBefore.length - 8);
    // A process that stopped here: the next open restores them before anything reads.
    const again = await ReadModels.open(store, { connectionString: testDatabaseUrl(), schema: models.schema });
    try {
      expect(await indexes(again)).toEqual(indexesBefore);
    } finally {
      await again.close();
    }
  });

  it('keeps up by itself once started, and lets a caller wait for a position', async () => {
    models.runner.start();
    const appended = await store.append(`org-91350100M000100Y43`, [
      ev('OrganisationRegistered', { orgCode: '91350100M000100Y43', name: 'Fujian maker', kind: 'manufacturer', provinceCode: '350000' }),
    ]);
    await models.runner.waitFor(appended.position, 10_000);
    expect((await models.organisation('91350100M000100Y43'))?.provinceCode).toBe('350000');
    // A command waiting when the node shuts down is answered at once, not after its timeout.
    const waiting = models.runner.waitFor(appended.position + 1_000_000n, 60_000);
    const stoppedAt = Date.now();
    await models.runner.stop();
    await expect(waiting).rejects.toThrow(ProjectionLagError);
    await expect(models.runner.waitFor(appended.position + 1_000_000n, 60_000)).rejects.toThrow(ProjectionLagError);
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);
  });

  it('quarantines goods whose dispatch has not arrived, and releases them when it does', async () => {
    const receipt = ev('ShipmentReceived', {
      shipmentId: 'S9',
      fromSite: CDC,
      receivedAt: '2026-11-14T09:00:00+08:00',
      lines: [{ batchId: BATCH, shipped: 1, accepted: 1, rejected: 0 }],
    });
    const r1 = await store.append(`site-${CLINIC}`, [receipt]);
    await models.runner.applyBatch(await store.readAll({ after: models.position, limit: 100 }));
    expect(await models.stockAt(CLINIC, BATCH)).toMatchObject({ available: 1, quarantined: 1 });
    await store.append(`site-${CDC}`, [
      ev('ShipmentDispatched', {
        shipmentId: 'S9',
        fromSite: CDC,
        toSite: CLINIC,
        dispatchedAt: '2026-11-13T09:00:00+08:00',
        lines: [{ batchId: BATCH, quantity: 1 }],
      }),
    ]);
    await models.runner.applyBatch(await store.readAll({ after: r1.position, limit: 100 }));
    expect(await models.stockAt(CLINIC, BATCH)).toMatchObject({ available: 2, quarantined: 0 });
    expect(await models.stockAt(CDC, BATCH)).toMatchObject({ available: 0 });
  });
});
