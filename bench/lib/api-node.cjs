'use strict';
/**
 * A Vaxledger node for the HTTP benchmark, run as a child process of bench/suites/http-doses.cjs
 * (so the API and autocannon do not share one event loop). It opens the compiled runtime
 * (`openNodeRuntime`) on the bench database with the ordinary PostgreSQL store and starts the
 * compiled Nest app (`createApiApp(runtime, { logger: false })`) on 127.0.0.1:<free port>.
 *
 * AUTH_MODE=dev (the X-Dev-Actor header) is only accepted by loadSettings() on the embedded
 * store, so the settings are loaded for the embedded default and then pointed at the bench
 * database: the API's code path is the production one, only the caller identity comes from the
 * header instead of a JWT.
 *
 * For diagnosis it wraps the runtime's methods the dose handler calls with timers (phase
 * timings: read-model catch-up, stream read, read-model lookups, vault, append) and reports
 * them over IPC. Messages: { type: 'phases', reset } → { type: 'phases', phases, elu, cpu };
 * { type: 'stop' } → closes and exits.
 */
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { REPO_DIR } = require('./env.cjs');

const distFile = (...parts) => path.join(REPO_DIR, 'dist', ...parts);

const timers = new Map();
let recording = false;
const record = (name, ms) => {
  if (!recording) return;
  let list = timers.get(name);
  if (!list) timers.set(name, (list = []));
  list.push(ms);
};

/**
 * Replaces obj[method] by a timed wrapper (the samples include any pool wait). A method the
 * node does not have (an older or newer version of the code) is skipped: its timer shows no
 * calls. `then` sees each resolved value (used to note the positions the writes returned).
 */
const wrap = (obj, method, name, then) => {
  const original = obj && obj[method];
  if (typeof original !== 'function') return;
  obj[method] = function timed(...args) {
    const t0 = performance.now();
    const result = original.apply(this, args);
    if (result && typeof result.then === 'function')
      return result.then(
        (value) => {
          record(name, performance.now() - t0);
          if (then) then(value);
          return value;
        },
        (error) => {
          record(name, performance.now() - t0);
          throw error;
        },
      );
    record(name, performance.now() - t0);
    return result;
  };
};

const summary = (samples) => {
  const sorted = Float64Array.from(samples).sort();
  const at = (p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] : NaN);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return { count: sorted.length, mean: sorted.length ? sum / sorted.length : NaN, p50: at(50), p99: at(99), totalMs: sum };
};

const main = async () => {
  const { loadSettings } = require(distFile('libs', 'config', 'src', 'settings.js'));
  const { openNodeRuntime } = require(distFile('apps', 'api', 'src', 'infrastructure', 'node-runtime.js'));
  const { createApiApp } = require(distFile('apps', 'api', 'src', 'app.js'));
  const embeddedDefaults = loadSettings({
    PSEUDONYM_SECRET: 'vaxledger-bench-pseudonym-secret',
    VAULT_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
    LOG_LEVEL: 'silent',
    PROVINCE_CODE: '510000',
    PORT: '0',
  });
  const settings = { ...embeddedDefaults, databaseUrl: process.env.BENCH_API_DATABASE_URL, embedded: false };
  // The projector thread loads its settings from this process's environment: with the caller's
  // DATABASE_URL there it would validate them for a PostgreSQL node (no dev callers, secrets
  // required) and refuse, where these settings are the embedded defaults aimed at the bench
  // database. The thread gets the database from its workerData, not from DATABASE_URL.
  delete process.env.DATABASE_URL;
  // The projector where an API node on PostgreSQL runs it by default (PROJECTOR=thread: a worker
  // thread of this process, so its CPU counts in the node's). `settings.projector` cannot say so
  // here: the settings were loaded for the embedded default, whose projector runs inline.
  // BENCH_API_PROJECTOR=inline puts it back on the API's event loop, where it falls behind under
  // this load (read models tens of seconds late) and so also defers its cost past the window.
  const projector = (process.env.BENCH_API_PROJECTOR ?? 'thread') === 'thread' ? 'thread' : true;
  const runtime = await openNodeRuntime(settings, { projector });
  const { store, readModels, vault } = runtime;
  // Time to visibility: from the moment a write returned its position until every read model
  // has applied it (what a read that passes that position waits for), for one write in ten.
  const waitFor = readModels.runner.waitFor.bind(readModels.runner);
  let writes = 0;
  const noteWrite = (position) => {
    if (!recording || position === undefined || position === null || writes++ % 10 !== 0) return;
    const at = performance.now();
    waitFor(BigInt(position), 60_000).then(
      () => record('visibility: write returned → read models at its position (1 in 10 writes)', performance.now() - at),
      () => record('visibility: not reached within 60 s (count)', 1),
    );
  };
  wrap(store, 'latestPosition', 'catch-up: latestPosition()');
  wrap(store, 'headPosition', 'catch-up: headPosition()');
  wrap(readModels.runner, 'waitFor', 'catch-up: runner.waitFor() (projector wait on the write path)');
  wrap(runtime.siteLocks, 'run', 'site lock: wait + whole command under it');
  wrap(store, 'transaction', 'store.transaction() (whole dose, one commit)', (value) =>
    noteWrite(value && value.answer && value.answer.position),
  );
  wrap(store, 'readStream', 'store.readStream(person)');
  wrap(readModels, 'batch', 'readModels.batch()');
  wrap(readModels, 'stockAt', 'readModels.stockAt()');
  wrap(readModels, 'doses', 'readModels.doses(person)');
  wrap(readModels, 'product', 'readModels.product()');
  wrap(vault, 'ensureKey', 'vault.ensureKey() (decide + storeDetails)');
  wrap(store, 'append', 'store.append()', (value) => noteWrite(value && value.position));
  wrap(vault, 'storeDetails', 'vault.storeDetails()');
  // The projector, off the request path: how long a batch takes to apply and how big it is.
  wrap(readModels.runner, 'applyBatch', 'projector: runner.applyBatch() (not a request phase)');
  const applyBatch = readModels.runner.applyBatch;
  readModels.runner.applyBatch = function sized(events) {
    record('projector: events per batch (count, not ms)', events.length);
    return applyBatch.call(this, events);
  };

  // What-if switches for diagnosis only (BENCH_API_WHATIF=no-catchup,vault-pool-16): they
  // change the node's behaviour, so numbers measured with them are not the API's.
  // Applied on request, after seeding (the seeding needs the catch-up).
  const applyWhatIf = () => {
    const whatIf = new Set((process.env.BENCH_API_WHATIF ?? '').split(',').filter(Boolean));
    if (whatIf.has('no-catchup')) readModels.runner.waitFor = () => Promise.resolve();
    if (whatIf.has('vault-pool-16')) vault.pool.options.max = 16;
  };

  const app = await createApiApp(runtime, { logger: false });
  app.use((req, res, next) => {
    if (req.method === 'POST' && req.url.startsWith('/v1/doses')) {
      const t0 = performance.now();
      res.on('finish', () => record('whole request (middleware → finish)', performance.now() - t0));
    }
    next();
  });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address();
  let elu = performance.eventLoopUtilization();
  let cpu = process.cpuUsage();
  let since = performance.now();
  process.on('message', async (message) => {
    if (message.type === 'phases') {
      const phases = {};
      for (const [name, samples] of timers) phases[name] = summary(samples);
      const eluNow = performance.eventLoopUtilization(elu);
      const cpuNow = process.cpuUsage(cpu);
      const wallMs = performance.now() - since;
      process.send({
        type: 'phases',
        phases,
        elu: eluNow.utilization,
        cpuPercent: ((cpuNow.user + cpuNow.system) / 1000 / wallMs) * 100,
        cpuMs: (cpuNow.user + cpuNow.system) / 1000,
        wallMs,
      });
      if (message.reset) {
        timers.clear();
        elu = performance.eventLoopUtilization();
        cpu = process.cpuUsage();
        since = performance.now();
      }
      recording = message.record !== false;
    } else if (message.type === 'whatif') {
      applyWhatIf();
      process.send({ type: 'whatif' });
    } else if (message.type === 'stop') {
      await app.close();
      await runtime.close();
      process.send({ type: 'stopped' });
      // Let the IPC message and --cpu-prof's profile be written before exiting.
      setTimeout(() => process.exit(0), 50);
    }
  });
  process.send({ type: 'ready', port });
};

main().catch((error) => {
  process.stderr.write(`api-node: ${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
