'use strict';
/**
 * 4. Queries at scale on the rebuilt read models: the recall list of the batch with 10,000
 * recipients (`models.recipients(batchId)`) and person records of random persons among
 * 1,000,000 (`models.doses(personId)`), called one after another through ReadModels as the
 * API calls them. EXPLAIN ANALYZE of the equivalent SQL and the same SQL through
 * dataSource.query (no entity mapping) show how much is PostgreSQL and how much TypeORM.
 */
const { ensureDataset, ensureReadModels } = require('../lib/dataset.cjs');
const { query } = require('../lib/db.cjs');
const { nowMs, summarise, int, ms } = require('../lib/stats.cjs');
const { table } = require('../lib/results.cjs');

const RECALL_CALLS = 200;
const PERSON_CALLS = 2000;
const RECALL_P99_MS = 50;
const PERSON_P99_MS = 10;

const sample = async (calls, warmup, fn) => {
  for (let i = 0; i < warmup; i++) await fn(i);
  const latencies = [];
  for (let i = 0; i < calls; i++) {
    const t0 = nowMs();
    await fn(i);
    latencies.push(nowMs() - t0);
  }
  return summarise(latencies);
};

/** Server-side execution time of one statement (EXPLAIN ANALYZE), and its plan's top node. */
const explain = async (dataSource, sql, params) => {
  const rows = await dataSource.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`, params);
  const plan = rows[0]['QUERY PLAN'][0];
  const nodes = [];
  const walk = (node) => {
    nodes.push(`${node['Node Type']}${node['Index Name'] ? ` using ${node['Index Name']}` : ''}`);
    for (const child of node.Plans ?? []) walk(child);
  };
  walk(plan.Plan);
  return { executionMs: plan['Execution Time'], planningMs: plan['Planning Time'], plan: nodes.join(' → ') };
};

const run = async (ctx) => {
  const dataset = await ensureDataset(ctx);
  const schema = await ensureReadModels(ctx);
  const { PostgresEventStore } = ctx.lib.eventStore();
  const { ReadModels } = ctx.lib.projections();
  await query(ctx.url, `VACUUM (ANALYZE) ${schema}.rm_dose, ${schema}.rm_recipient`);
  const store = await PostgresEventStore.connect({ connectionString: ctx.url, schema: dataset.schema, poolSize: 1 });
  const models = await ReadModels.open(store, { connectionString: ctx.url, schema });
  try {
    const t = (name) => `"${schema}"."${name}"`;
    const { rows: countRows } = await query(
      ctx.url,
      `SELECT count(*)::int AS doses, count(DISTINCT "personId")::int AS persons FROM ${t('rm_dose')}`,
    );
    const { doses, persons } = countRows[0];

    // Recall impact: the batch with exactly 10,000 recipients.
    const hot = dataset.hotBatchId;
    const first = await models.recipients(hot);
    if (first.length !== dataset.hotRecipients)
      throw new Error(`recipients(${hot}) returned ${first.length}, expected ${dataset.hotRecipients}`);
    ctx.log(`recipients(${hot}) × ${RECALL_CALLS} (${int(first.length)} rows each) …`);
    const recall = await sample(RECALL_CALLS, 10, () => models.recipients(hot));
    const recallSql = `SELECT * FROM ${t('rm_recipient')} WHERE "batchId" = $1 AND voided = false ORDER BY "administeredAt" ASC`;
    const recallRaw = await sample(Math.min(50, RECALL_CALLS), 5, () => models.dataSource.query(recallSql, [hot]));
    const recallPlan = await explain(models.dataSource, recallSql, [hot]);
    ctx.log(
      `recipients: p50 ${ms(recall.p50)}, p99 ${ms(recall.p99)}; raw SQL p50 ${ms(recallRaw.p50)}; server ${ms(recallPlan.executionMs)}`,
    );

    // Person record: random persons among all of them.
    let seed = 42;
    const randomPerson = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return dataset.personIdOf(seed % dataset.doses);
    };
    const probe = await models.doses(randomPerson());
    if (probe.length !== 1) throw new Error(`doses() returned ${probe.length} rows for a generated person, expected 1`);
    ctx.log(`doses(personId) × ${PERSON_CALLS} over ${int(persons)} persons …`);
    const ids = Array.from({ length: PERSON_CALLS + 100 }, randomPerson);
    const person = await sample(PERSON_CALLS, 100, (i) => models.doses(ids[(i + 100) % ids.length]));
    const personSql = `SELECT * FROM ${t('rm_dose')} WHERE "personId" = $1 ORDER BY "administeredAt" ASC, position ASC`;
    const personRaw = await sample(500, 20, (i) => models.dataSource.query(personSql, [ids[i % ids.length]]));
    const personPlan = await explain(models.dataSource, personSql, [ids[0]]);
    ctx.log(`doses: p50 ${ms(person.p50)}, p99 ${ms(person.p99)}; raw SQL p50 ${ms(personRaw.p50)}; server ${ms(personPlan.executionMs)}`);

    const recallMet = recall.p99 < RECALL_P99_MS;
    const personMet = person.p99 < PERSON_P99_MS;
    return {
      parameters: [
        `Read models rebuilt from the log of the rebuild suite: ${int(doses)} doses of ${int(persons)} persons; batch \`${hot}\` has exactly ${int(dataset.hotRecipients)} recipients; VACUUM ANALYZE before measuring.`,
        `recipients(): ${RECALL_CALLS} sequential calls after 10 warm-up calls. doses(): ${PERSON_CALLS} sequential calls for pseudo-random persons (fixed seed) after 100 warm-up calls. Latency = ReadModels method call to resolved promise (TypeORM find + entity mapping), one client, no concurrent load.`,
        'Diagnostics: the equivalent SQL through dataSource.query (raw rows, no entity mapping), and EXPLAIN ANALYZE of it (server execution only).',
      ],
      rows: [
        {
          metric: `recall impact: recipients(batch with ${int(dataset.hotRecipients)} recipients), p99`,
          measured: `${ms(recall.p99)} (p50 ${ms(recall.p50)})`,
          target: `p99 < ${RECALL_P99_MS} ms`,
          status: recallMet ? 'MET' : 'MISSED',
          note: `p50 split: server ≈ ${ms(recallPlan.executionMs)} (EXPLAIN ANALYZE: ${recallPlan.plan}), transfer + pg row parsing ≈ ${ms(Math.max(0, recallRaw.p50 - recallPlan.executionMs))}, TypeORM entity mapping ≈ ${ms(Math.max(0, recall.p50 - recallRaw.p50))} for ${int(first.length)} rows${recallMet ? '' : '; all three grow with the number of rows returned'}`,
        },
        {
          metric: `person record: doses(personId) among ${int(persons)} persons, p99`,
          measured: `${ms(person.p99)} (p50 ${ms(person.p50)})`,
          target: `p99 < ${PERSON_P99_MS} ms`,
          status: personMet ? 'MET' : 'MISSED',
          note: `server ${ms(personPlan.executionMs)} (${personPlan.plan}); raw SQL p50 ${ms(personRaw.p50)}${personMet ? '' : ''}`,
        },
      ],
      details: table(
        ['Query', 'Calls', 'p50', 'p90', 'p99', 'max', 'raw SQL p50 / p99', 'EXPLAIN ANALYZE execution', 'Plan'],
        [
          [
            'recipients(batchId)',
            String(recall.count),
            ms(recall.p50),
            ms(recall.p90),
            ms(recall.p99),
            ms(recall.max),
            `${ms(recallRaw.p50)} / ${ms(recallRaw.p99)}`,
            ms(recallPlan.executionMs),
            recallPlan.plan,
          ],
          [
            'doses(personId)',
            String(person.count),
            ms(person.p50),
            ms(person.p90),
            ms(person.p99),
            ms(person.max),
            `${ms(personRaw.p50)} / ${ms(personRaw.p99)}`,
            ms(personPlan.executionMs),
            personPlan.plan,
          ],
        ],
      ),
      data: { recall, person, recallRaw, personRaw },
    };
  } finally {
    await models.close();
    await store.close();
  }
};

module.exports = { name: 'queries', title: 'Queries at scale', run };
