'use strict';
/**
 * One dose-import measurement in its own process (suite dose-import): opens a node on the
 * embedded default (BENCH_IMPORT_DATA_DIR, PGlite in this process) or on PostgreSQL
 * (BENCH_IMPORT_DATABASE_URL, schemas of its own), stocks one clinic through the use-case
 * handlers, then imports a generated file of BENCH_IMPORT_ROWS distinct persons' doses through
 * ImportDoses (what the CLI and POST /v1/doses/import call) and the same file again (every row a
 * duplicate). Prints one JSON line: wall time and CPU time of this process per phase.
 */
const path = require('node:path');
const { randomBytes } = require('node:crypto');
const { REPO_DIR } = require('./env.cjs');
const { ACTORS, PRODUCT, stockClinic } = require('./stock-clinic.cjs');

const dist = (...parts) => require(path.join(REPO_DIR, 'dist', ...parts));

const LOT = 'IMPORT01';
const BATCH = `${PRODUCT}-${LOT}`;

const main = async () => {
  const rows = Number(process.env.BENCH_IMPORT_ROWS || 5000);
  // Stock for the file and, to compare, as many doses of other persons through the bulk path
  // without the file or idempotency keys (what the demo sends).
  const units = 2 * rows;
  const { loadSettings } = dist('libs', 'config', 'src', 'settings.js');
  const { openNodeRuntime } = dist('apps', 'api', 'src', 'infrastructure', 'node-runtime.js');
  const { nodeApplication, nodeExecutor } = dist('apps', 'api', 'src', 'infrastructure', 'application.js');
  const { residentIdCheckChar } = dist('libs', 'domain', 'src', 'index.js');
  const url = process.env.BENCH_IMPORT_DATABASE_URL;
  const base = loadSettings({
    PSEUDONYM_SECRET: 'vaxledger-bench-pseudonym-secret',
    VAULT_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
    LOG_LEVEL: 'silent',
    PORT: '0',
    ...(url ? {} : { DATA_DIR: process.env.BENCH_IMPORT_DATA_DIR }),
  });
  const settings = url ? { ...base, databaseUrl: url, embedded: false } : base;
  const suffix = randomBytes(4).toString('hex');
  const runtime = await openNodeRuntime(
    settings,
    url
      ? {
          eventSchema: `imp_es_${suffix}`,
          readSchema: `imp_rm_${suffix}`,
          vaultSchema: `imp_v_${suffix}`,
          authSchema: `imp_a_${suffix}`,
          syncSchema: `imp_s_${suffix}`,
          sync: false,
        }
      : { sync: false },
  );
  try {
    const app = nodeApplication(runtime, nodeExecutor(runtime));
    const settle = async () => runtime.readModels.runner.waitFor(await runtime.store.latestPosition(), 120_000);
    let n = 0;
    const run = async (useCase, as, command) => {
      const answer = await app[useCase].handle(command, ACTORS[as], { correlationId: `seed-${(n += 1)}` });
      await settle();
      return answer;
    };
    await stockClinic(run, { lot: LOT, quantity: units, cdcName: 'CDC', certificateNo: 'C-1', deliveryNotes: ['DN-1', 'DN-2'] });
    const clinic = ACTORS.clinic;

    // Distinct persons (a region, born on one of 28 days of 1990, sequence 0–999).
    const at = new Date(Date.now() - 3_600_000).toISOString();
    const person = (region, i) => {
      const day = String(1 + (i % 28)).padStart(2, '0');
      const body = `${region}199003${day}${String(Math.floor(i / 28) % 1000).padStart(3, '0')}`;
      return {
        idType: 'RESIDENT_ID',
        idNumber: `${body}${residentIdCheckChar(body)}`,
        name: `受种者${i}`,
        birthDate: `1990-03-${day}`,
        // The 17th digit (odd for men): the typed sex must agree with the number.
        sex: Number(body.charAt(16)) % 2 === 1 ? 'M' : 'F',
      };
    };
    const lines = ['idType,idNumber,name,birthDate,sex,batchId,doseNumber,administeredAt,route,vaccinatorRef'];
    for (let i = 0; i < rows; i += 1) {
      const p = person('440305', i);
      lines.push(`${p.idType},${p.idNumber},${p.name},${p.birthDate},${p.sex},${BATCH},1,${at},IM,V-${i % 7}`);
    }
    const file = Buffer.from(`\ufeff${lines.join('\r\n')}\r\n`, 'utf8');
    const measure = async (label) => {
      const cpu = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      const result = await app.importDoses.handleFile(file, clinic, { correlationId: `bench-${label}` });
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      const used = process.cpuUsage(cpu);
      return { label, wallMs, cpuMs: (used.user + used.system) / 1000, summary: result.summary };
    };
    const first = await measure('first');
    const again = await measure('again');
    // The same number of doses as commands, unkeyed, in chunks of 512 (the import's chunk).
    const cpu = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    let recorded = 0;
    for (let from = 0; from < rows; from += 512) {
      const items = [];
      for (let i = from; i < Math.min(rows, from + 512); i += 1)
        items.push({
          command: {
            person: person('440306', i),
            batchId: BATCH,
            doseNumber: 1,
            administeredAt: at,
            route: 'IM',
            vaccinatorRef: `V-${i % 7}`,
          },
          actor: clinic,
          meta: { correlationId: `bulk-${i}` },
        });
      recorded += (await app.recordDose.handleMany(items)).filter((r) => r.status === 'fulfilled').length;
    }
    const used = process.cpuUsage(cpu);
    const commands = {
      label: 'commands',
      wallMs: Number(process.hrtime.bigint() - t0) / 1e6,
      cpuMs: (used.user + used.system) / 1000,
      recorded,
    };
    process.stdout.write(`${JSON.stringify({ rows, bytes: file.length, adapter: url ? 'postgres' : 'pglite', first, again, commands })}\n`);
  } finally {
    await runtime.close();
  }
};

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error && error.stack ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
