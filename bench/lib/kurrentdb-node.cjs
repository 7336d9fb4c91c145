'use strict';
/**
 * One Vaxledger node with its log in KurrentDB, run as a child process of
 * bench/suites/kurrentdb-doses.cjs, so that its process CPU is its own (the suite runs two of
 * them side by side, guard rows on and off, ADR 0029).
 *
 * The log is in the KurrentDB TEST DOUBLE (test/support/kurrentdb, compiled with swc), started
 * in this process: it answers at once, in memory, and its CPU counts in this process's. The read
 * models, vault, idempotency and guard rows are in PostgreSQL, in the database named by
 * BENCH_KDB_DATABASE_URL (one per node, so the suite can tell the two nodes' backends apart).
 * The compiled runtime (`openNodeRuntime`) with the projector in a worker thread, as a server
 * node runs it by default; the compiled Nest app on 127.0.0.1:<free port> is only used to seed
 * the master data through the HTTP API (bench/lib/stock-clinic.cjs, as test/support/scenario.ts does).
 * Doses are then recorded by calling the dose handler (`app.recordDose.handle`), as
 * POST /v1/doses does, without HTTP in between.
 *
 * Settings are loaded for the embedded default (AUTH_MODE=dev: the X-Dev-Actor header for the
 * seeding) and then pointed at PostgreSQL and KurrentDB, as test/support/api-harness.ts does.
 *
 * Messages: { type: 'seed', quantity } → { type: 'seeded' }; { type: 'round', from, count,
 * clients } → { type: 'round', ms, cpuMs, failures, phases }; { type: 'check' } →
 * { type: 'check', available }; { type: 'stop' } → { type: 'stopped' }, then exits.
 */
const path = require('node:path');
const { randomBytes } = require('node:crypto');
const { performance } = require('node:perf_hooks');
const { REPO_DIR } = require('./env.cjs');
const { loadKurrentDbDouble } = require('./kurrentdb-double.cjs');
const { ORGS, DEV_ACTORS, ACTORS, PRODUCT, routeOf, stockClinic } = require('./stock-clinic.cjs');

const distFile = (...parts) => path.join(REPO_DIR, 'dist', ...parts);

const LOT = 'KDBAB1';
const BATCH = `${PRODUCT}-${LOT}`;
const CLINIC_ACTOR = ACTORS.clinic;

/** A valid 18-digit resident ID (ISO 7064 MOD 11-2 check character), different for every n below 28,000. */
const residentId = (n) => {
  const body = `510104199005${String(1 + (n % 28)).padStart(2, '0')}${String(Math.floor(n / 28) % 1000).padStart(3, '0')}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((s, d, i) => s + Number(d) * weights[i], 0);
  return body + '10X98765432'[sum % 11];
};
/** The birth date and sex the number states (digits 7–14, the 17th odd for men). */
const detailsOf = (id) => ({
  birthDate: `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`,
  sex: Number(id.charAt(16)) % 2 === 1 ? 'M' : 'F',
});
const dose = (n) => ({
  person: { idType: 'RESIDENT_ID', idNumber: residentId(n), name: `受种者${n}`, ...detailsOf(residentId(n)) },
  batchId: BATCH,
  doseNumber: 1,
  administeredAt: new Date(Date.now() - 3_600_000).toISOString(),
  route: 'IM',
  vaccinatorRef: 'V',
});

// ---------------------------------------------------------------------------------------------
// Phase timers around the runtime methods the two dose paths call (samples include pool waits).

const timers = new Map();
const wrap = (obj, method, name) => {
  const original = obj && obj[method];
  if (typeof original !== 'function') return;
  obj[method] = function timed(...args) {
    const t0 = performance.now();
    const done = () => {
      const t = timers.get(name) ?? { count: 0, ms: 0 };
      t.count++;
      t.ms += performance.now() - t0;
      timers.set(name, t);
    };
    const result = original.apply(this, args);
    if (result && typeof result.then === 'function')
      return result.then(
        (value) => (done(), value),
        (error) => {
          done();
          throw error;
        },
      );
    done();
    return result;
  };
};

// ---------------------------------------------------------------------------------------------

const seed = async (baseUrl, quantity) => {
  const post = async (pathName, actor, body) => {
    const res = await fetch(`${baseUrl}${pathName}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-dev-actor': actor },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status !== 201) throw new Error(`POST ${pathName} answered ${res.status}: ${text}`);
    return JSON.parse(text);
  };
  await stockClinic(
    (step, as, command) => {
      const { path: pathName, body } = routeOf(step, command);
      return post(pathName, DEV_ACTORS[as], body);
    },
    { lot: LOT, quantity },
  );
};

const main = async () => {
  const guards = process.env.BENCH_KDB_GUARDS === 'on' ? 'on' : 'off';
  const { loadSettings } = require(distFile('libs', 'config', 'src', 'settings.js'));
  const { openNodeRuntime } = require(distFile('apps', 'api', 'src', 'infrastructure', 'node-runtime.js'));
  const { nodeApplication, nodeExecutor } = require(distFile('apps', 'api', 'src', 'infrastructure', 'application.js'));
  const { createApiApp } = require(distFile('apps', 'api', 'src', 'app.js'));
  const { startKurrentDbDouble } = loadKurrentDbDouble();

  const double = await startKurrentDbDouble();
  const pseudonymSecret = 'vaxledger-bench-pseudonym-secret';
  const vaultMasterKey = randomBytes(32);
  const settings = {
    ...loadSettings({ PSEUDONYM_SECRET: pseudonymSecret, LOG_LEVEL: 'silent', KURRENTDB_GUARDS: guards }),
    databaseUrl: process.env.BENCH_KDB_DATABASE_URL,
    embedded: false,
    vaultMasterKey,
    eventStore: 'kurrentdb',
    kurrentdbUrl: double.url,
  };
  // The projector thread loads its settings from the environment, as on a real server node:
  // it must find the same KurrentDB (and guards setting) there, and settings a non-embedded
  // node accepts (JWT verification is configured but never used: the thread serves no requests).
  for (const key of Object.keys(process.env)) if (/^(KAFKA_|SYNC_|OIDC_|JWT_|PROJECTOR$)/.test(key)) delete process.env[key];
  Object.assign(process.env, {
    DATABASE_URL: settings.databaseUrl,
    EVENT_STORE: 'kurrentdb',
    KURRENTDB_URL: double.url,
    KURRENTDB_GUARDS: guards,
    PSEUDONYM_SECRET: pseudonymSecret,
    VAULT_MASTER_KEY: vaultMasterKey.toString('base64'),
    AUTH_MODE: 'jwt',
    JWT_JWKS_URL: 'http://127.0.0.1:9/jwks.json',
    JWT_ISSUER: 'https://bench.invalid',
    JWT_AUDIENCE: 'vaxledger-bench',
    LOG_LEVEL: 'silent',
  });
  const runtime = await openNodeRuntime(settings, { projector: 'thread' });
  const { store, readModels, vault } = runtime;
  const app = await createApiApp(runtime, { logger: false });
  await app.listen(0, '127.0.0.1');
  const baseUrl = `http://127.0.0.1:${app.getHttpServer().address().port}`;
  const application = nodeApplication(runtime, nodeExecutor(runtime));

  // ADR 0004's path (guards off): the site lock, the projector wait, then the append.
  wrap(runtime.siteLocks, 'run', 'site lock: wait + whole command under it');
  wrap(readModels.runner, 'waitFor', 'projector wait (runner.waitFor)');
  // Both paths.
  wrap(store, 'readStream', 'store.readStream(person) (KurrentDB)');
  wrap(vault, 'storeDetails', 'vault.storeDetails()');
  wrap(store, 'append', 'store.append()');

  const stop = async () => {
    await app.close();
    await runtime.close();
    await double.stop();
  };
  process.on('disconnect', () => process.exit(1));
  process.on('message', async (message) => {
    try {
      if (message.type === 'seed') {
        await seed(baseUrl, message.quantity);
        await readModels.runner.waitFor(await store.latestPosition(), 60_000);
        process.send({ type: 'seeded' });
      } else if (message.type === 'round') {
        const { from, count, clients } = message;
        const failures = [];
        let cursor = from;
        timers.clear();
        const cpu = process.cpuUsage();
        const started = performance.now();
        await Promise.all(
          Array.from({ length: clients }, async () => {
            for (let n = cursor++; n < from + count; n = cursor++) {
              try {
                await application.recordDose.handle(dose(n), CLINIC_ACTOR, { correlationId: `kdb-doses-${n}` });
              } catch (error) {
                failures.push(`${error && error.code ? `${error.code}: ` : ''}${error && error.message ? error.message : error}`);
              }
            }
          }),
        );
        const ms = performance.now() - started;
        const used = process.cpuUsage(cpu);
        process.send({ type: 'round', ms, cpuMs: (used.user + used.system) / 1000, failures, phases: Object.fromEntries(timers) });
      } else if (message.type === 'check') {
        await readModels.runner.waitFor(await store.latestPosition(), 60_000);
        const stock = await readModels.stockAt(ORGS.clinic, BATCH);
        process.send({ type: 'check', available: stock ? stock.available : null, guards: store.capabilities.guards });
      } else if (message.type === 'stop') {
        await stop();
        process.send({ type: 'stopped' });
        setTimeout(() => process.exit(0), 50);
      }
    } catch (error) {
      process.send({ type: 'error', message: error && error.stack ? error.stack : String(error) });
    }
  });
  process.send({ type: 'ready', guards: store.capabilities.guards });
};

main().catch((error) => {
  process.stderr.write(`kurrentdb-node: ${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
