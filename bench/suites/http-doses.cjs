'use strict';
/**
 * 5. HTTP dose capture: POST /v1/doses against a real node (the compiled API on PostgreSQL,
 * in a child process: bench/lib/api-node.cjs), loaded with autocannon.
 *
 * Master data is seeded through the HTTP API first, the way a clinic system and an ERP would
 * (as apps/cli/src/demo/demo.ts does): 1 regulator, 1 manufacturer, 1 provincial CDC and 200
 * clinics, 5 non-serialised products × 4 released batches, manufacturer → CDC shipments and one
 * CDC → clinic shipment per clinic (4 batches × 2,000 doses each), all received. Then
 * autocannon sends dose 1 for a new person on every request: a valid 18-digit resident ID
 * (ISO 7064 MOD 11-2 check character), a clinic picked round-robin among the 200 (X-Dev-Actor
 * `clinic:<orgCode>:510000`), one of the 4 batches that clinic stocks, administeredAt a few
 * minutes to hours ago. So every request is a full command: pseudonym, read-model catch-up,
 * stream read, rule checks against the read models, vault key, append, vault details.
 */
const path = require('node:path');
const fs = require('node:fs');
const { fork } = require('node:child_process');
const autocannon = require('autocannon');
const { REPO_DIR, ensureTmp } = require('../lib/env.cjs');
const { loadLib } = require('../lib/load.cjs');
const { query } = require('../lib/db.cjs');
const { int, ms, fixed } = require('../lib/stats.cjs');
const { pacedLoad } = require('../lib/paced-load.cjs');
const { table } = require('../lib/results.cjs');
const { CLINICS, PRODUCTS, BATCHES_PER_PRODUCT, BATCHES_PER_CLINIC, STOCK_PER_LINE, seed, doseRequests } = require('../lib/dose-load.cjs');
const { prepareBaseline, phase, comparisonRows } = require('../lib/baseline.cjs');
const { cpuSnapshot, databaseCpu, databaseCpuDelta, dbStats, countDoses, topOfProfile } = require('../lib/http-probes.cjs');

const TARGET_RPS = 1500;
const TARGET_P99_MS = 100;
const r0ApiMs = (server, result) => (server.cpuMs ?? (server.cpuPercent * server.wallMs) / 100) / Math.max(1, result['2xx']);
const durationS = (seconds, scale) => Math.max(4, Math.round(seconds * Math.min(1, scale)));

// ---------------------------------------------------------------------------------------------
// The node

const startNode = (ctx, { cpuProfDir, variant } = {}) =>
  new Promise((resolve, reject) => {
    const dir = variant?.dir ?? REPO_DIR;
    const child = fork(path.join(dir, 'bench', 'lib', 'api-node.cjs'), [], {
      cwd: dir,
      env: { ...process.env, BENCH_API_DATABASE_URL: variant?.url ?? ctx.url, NODE_ENV: 'production' },
      execArgv: cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const pending = [];
    child.on('message', (message) => {
      if (message.type === 'ready') {
        resolve({
          child,
          port: message.port,
          baseUrl: `http://127.0.0.1:${message.port}`,
          ask: (msg, answerType) =>
            new Promise((res) => {
              pending.push({ answerType, res });
              child.send(msg);
            }),
        });
        return;
      }
      const i = pending.findIndex((p) => p.answerType === message.type);
      if (i >= 0) pending.splice(i, 1)[0].res(message);
    });
    child.once('exit', (code) => reject(new Error(`API node exited with code ${code} before it was ready`)));
  });

/**
 * Stops the node and waits for it to exit; a node that does not exit within 15 s (today's
 * code could hang in runtime.close() with commands in flight) is killed, so the bench ends.
 */
const stopNode = async (node) => {
  const exited = new Promise((resolve) => node.child.once('exit', resolve));
  const timeout = new Promise((resolve) => setTimeout(() => resolve('timeout'), 15_000).unref());
  const outcome = await Promise.race([node.ask({ type: 'stop' }, 'stopped').then(() => exited), timeout]);
  if (outcome === 'timeout') {
    node.child.kill('SIGKILL');
    await exited;
    return 'killed after 15 s';
  }
  return 'exited';
};
/**
 * Load of `connections` for `duration` s (autocannon, closed loop); with `rate`, that many
 * requests a second, evenly spaced (bench/lib/paced-load.cjs, open loop): `connections`
 * sockets are kept alive and up to four times as many opened when the node falls behind.
 */
const fire = (baseUrl, gen, { connections, duration, rate }) => {
  if (rate) {
    const statuses = {};
    const samples = [];
    return pacedLoad(baseUrl, gen, {
      rate,
      duration,
      maxSockets: connections * 4,
      onResponse: (status, body) => {
        statuses[status] = (statuses[status] ?? 0) + 1;
        if ((status < 200 || status > 299) && samples.length < 5) samples.push(`${status} ${String(body).slice(0, 300)}`);
      },
    }).then((result) => ({ result, statuses, samples }));
  }
  return new Promise((resolve, reject) => {
    const statuses = {};
    const samples = [];
    const instance = autocannon(
      {
        url: baseUrl,
        connections,
        duration,
        timeout: 30,
        requests: [
          {
            method: 'POST',
            path: '/v1/doses',
            setupRequest: (req) => {
              const { headers, body } = gen.next();
              return { ...req, headers, body };
            },
            onResponse: (status, body) => {
              statuses[status] = (statuses[status] ?? 0) + 1;
              if ((status < 200 || status > 299) && samples.length < 5) samples.push(`${status} ${String(body).slice(0, 300)}`);
            },
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve({ result, statuses, samples })),
    );
    void instance;
  });
};

// ---------------------------------------------------------------------------------------------

/** How a run is named in logs and tables: its connections, and its pace when it had one. */
const loadLabel = (r) => (r.rate ? `paced at ${int(r.rate)} req/s (open loop)` : `${r.connections} connections`);

/**
 * `paced`: after the runs at full load, one more at this many requests a second (open loop, 64
 * connections): the latency a clinic sees at a given load rather than at the node's saturation.
 */
const measure = async (ctx, variant, { paced } = {}) => {
  const domain = loadLib('domain');
  const profiling = process.env.BENCH_HTTP_CPU_PROF === '1' && !variant;
  const url = variant?.url ?? ctx.url;
  const database = variant?.database ?? ctx.database;
  const profDir = profiling ? fs.mkdtempSync(path.join(ensureTmp(), 'cpuprof-')) : null;
  const duration = durationS(20, ctx.scale);
  const warmup = durationS(5, ctx.scale);
  const connectionCounts = [32, 64];
  const whatIf = process.env.BENCH_API_WHATIF ?? '';
  ctx.log(
    `starting the API node (child process${profiling ? ', --cpu-prof' : ''}${whatIf ? `, WHAT-IF ${whatIf}` : ''}) on ${database}${variant ? ` (code from ${path.relative(REPO_DIR, variant.dir)})` : ''}`,
  );
  const node = await startNode(ctx, { cpuProfDir: profDir, variant });
  const runs = [];
  let seeded;
  let profileTop = null;
  try {
    seeded = await seed(ctx, node.baseUrl, domain);
    const gen = doseRequests(domain, seeded);
    if (whatIf) await node.ask({ type: 'whatif' }, 'whatif');
    ctx.log(`warm-up: ${warmup} s, 16 connections`);
    const warm = await fire(node.baseUrl, gen, { connections: 16, duration: warmup });
    if ((warm.result.non2xx ?? 0) > 0) ctx.log(`warm-up non-2xx: ${JSON.stringify(warm.statuses)} ${warm.samples.join(' | ')}`);
    await query(url, 'VACUUM (ANALYZE)');
    const loads = [...connectionCounts.map((connections) => ({ connections })), ...(paced ? [{ connections: 64, rate: paced }] : [])];
    for (const { connections, rate } of loads) {
      await new Promise((r) => setTimeout(r, 1000));
      await node.ask({ type: 'phases', reset: true, record: true }, 'phases');
      const before = await countDoses(url);
      const sentBefore = gen.count;
      const statsBefore = await dbStats(url, database);
      const cpuBefore = cpuSnapshot();
      const ownBefore = await databaseCpu(url, database);
      ctx.log(`POST /v1/doses: ${duration} s, ${loadLabel({ connections, rate })} …`);
      const { result, statuses, samples } = await fire(node.baseUrl, gen, { connections, duration, rate });
      const cpuAfter = cpuSnapshot();
      const ownSeconds = databaseCpuDelta(ownBefore, await databaseCpu(url, database));
      const server = await node.ask({ type: 'phases', reset: true, record: false }, 'phases');
      const statsAfter = await dbStats(url, database);
      const perOk = (key) => (Number(statsAfter[key]) - Number(statsBefore[key])) / Math.max(1, result['2xx']);
      const db = { commits: perOk('commits'), written: perOk('written'), fetched: perOk('fetched') };
      const cpu =
        cpuBefore && cpuAfter
          ? {
              cores: require('node:os').cpus().length,
              machineBusy: ((cpuAfter.busy - cpuBefore.busy) / (cpuAfter.total - cpuBefore.total)) * 100,
              postgres: ((cpuAfter.pg - cpuBefore.pg) / duration) * 100,
              pgMsPerDose: ((cpuAfter.pg - cpuBefore.pg) * 1000) / Math.max(1, result['2xx']),
              // Only this database's backends: what the figure above becomes on a shared server.
              pgOwnMsPerDose: ownSeconds === null ? null : (ownSeconds * 1000) / Math.max(1, result['2xx']),
              client: ((cpuAfter.bench - cpuBefore.bench) / duration) * 100,
            }
          : null;
      // Let the projector finish, then check that every 2xx is a DoseAdministered in the log.
      const appended = (await countDoses(url)) - before;
      const r = {
        connections,
        ...(rate ? { rate } : {}),
        duration,
        rps: result.requests.average,
        total: result.requests.total,
        ok: result['2xx'],
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
        latency: result.latency,
        statuses,
        samples,
        appended,
        bodiesBuilt: gen.count - sentBefore,
        server,
        db,
        cpu,
        apiCpuMsPerDose: (server.cpuMs ?? (server.cpuPercent * server.wallMs) / 100) / Math.max(1, result['2xx']),
      };
      runs.push(r);
      ctx.log(
        `${loadLabel(r)}: ${int(r.rps)} req/s, p50 ${ms(r.latency.p50)}, p97.5 ${ms(r.latency.p97_5)}, p99 ${ms(r.latency.p99)}, ` +
          `2xx ${int(r.ok)}, non-2xx ${int(r.non2xx)}, errors ${r.errors}, DoseAdministered appended ${int(appended)}; server CPU ${fixed(server.cpuPercent, 0)} %`,
      );
      ctx.log(
        `per 2xx: ${fixed(db.commits, 1)} PostgreSQL commits, ${fixed(db.written, 1)} rows written, ${fixed(db.fetched, 0)} rows fetched` +
          (cpu
            ? `; CPU (% of one core): API node ${fixed(server.cpuPercent, 0)}, PostgreSQL ${fixed(cpu.postgres, 0)}, autocannon ${fixed(cpu.client, 0)}; machine ${fixed(cpu.machineBusy, 0)} % busy of ${cpu.cores} cores` +
              `; CPU ms per 2xx: API node ${fixed(r0ApiMs(server, result), 2)}, this database's PostgreSQL backends ${cpu.pgOwnMsPerDose === null ? 'n/a' : fixed(cpu.pgOwnMsPerDose, 2)}`
            : ''),
      );
      if (samples.length) ctx.log(`non-2xx samples: ${samples.join(' | ')}`);
    }
  } finally {
    const stopped = await stopNode(node).catch((e) => `failed: ${e.message}`);
    ctx.log(`API node stop: ${stopped}`);
    runs.stopped = stopped;
  }
  if (profDir) {
    const file = fs.readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    if (file) {
      const kept = path.join(ensureTmp(), 'http-doses.cpuprofile');
      fs.renameSync(path.join(profDir, file), kept);
      profileTop = topOfProfile(kept);
      ctx.log(`CPU profile of the API node kept in ${path.relative(REPO_DIR, kept)}`);
    }
    fs.rmSync(profDir, { recursive: true, force: true });
  }

  const main = runs[0];
  const met = main.rps >= TARGET_RPS && main.latency.p99 < TARGET_P99_MS && main.non2xx === 0 && main.errors === 0;
  const phaseRows = [];
  for (const r of runs) {
    const phases = Object.entries(r.server.phases).sort((a, b) => b[1].totalMs - a[1].totalMs);
    for (const [name, s] of phases) phaseRows.push([loadLabel(r), name, int(s.count), ms(s.mean), ms(s.p50), ms(s.p99)]);
  }
  const limiter = (() => {
    const phases = main.server.phases;
    const whole = phases['whole request (middleware → finish)'];
    if (!whole) return '';
    const parts = Object.entries(phases)
      .filter(([name]) => !name.startsWith('whole') && !name.startsWith('projector') && name !== 'vault.storeDetails()')
      .map(([name, s]) => [name, (s.totalMs / whole.totalMs) * 100])
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([name, share]) => `${name} ${share.toFixed(0)} %`);
    const cpu = main.cpu
      ? `; CPU (% of one core): API node ${fixed(main.server.cpuPercent, 0)}, PostgreSQL ${fixed(main.cpu.postgres, 0)}, autocannon ${fixed(main.cpu.client, 0)} — machine ${fixed(main.cpu.machineBusy, 0)} % busy of ${main.cpu.cores} cores`
      : `; API node CPU ${fixed(main.server.cpuPercent, 0)} % of one core`;
    return `server time per request p50 ${ms(whole.p50)}; largest shares: ${parts.join(', ')}; per dose ${fixed(main.db.commits, 1)} PostgreSQL commits and ${fixed(main.db.written, 1)} rows written${cpu}`;
  })();
  const rows = runs.map((r, i) => ({
    metric: `POST /v1/doses, ${loadLabel(r)}, ${r.duration} s`,
    measured: `${int(r.rps)} req/s, p50 ${ms(r.latency.p50)}, p97.5 ${ms(r.latency.p97_5)}, p99 ${ms(r.latency.p99)}; non-2xx ${int(r.non2xx)}, errors ${r.errors}`,
    target: i === 0 ? `≥ ${int(TARGET_RPS)} req/s, p99 < ${TARGET_P99_MS} ms` : '—',
    status: i === 0 ? (met ? 'MET' : 'MISSED') : 'INFO',
    note:
      i === 0
        ? limiter
        : `${int(r.appended)} DoseAdministered appended for ${int(r.ok)} 2xx; API node CPU ${fixed(r.server.cpuPercent, 0)} %`,
  }));
  const details = [
    table(
      [
        'Connections',
        'req/s',
        'Requests',
        '2xx',
        'non-2xx',
        'errors / timeouts',
        'p50',
        'p90',
        'p97.5',
        'p99',
        'max',
        'DoseAdministered appended',
        'Status codes',
        'PG commits / rows written per 2xx',
        'CPU: API / PG / client (% of a core), machine busy',
      ],
      runs.map((r) => [
        loadLabel(r),
        int(r.rps),
        int(r.total),
        int(r.ok),
        int(r.non2xx),
        `${r.errors} / ${r.timeouts}`,
        ms(r.latency.p50),
        ms(r.latency.p90),
        ms(r.latency.p97_5),
        ms(r.latency.p99),
        ms(r.latency.max),
        int(r.appended),
        Object.entries(r.statuses)
          .map(([k, v]) => `${k}: ${int(v)}`)
          .join(', '),
        `${fixed(r.db.commits, 1)} / ${fixed(r.db.written, 1)}`,
        r.cpu
          ? `${fixed(r.server.cpuPercent, 0)} / ${fixed(r.cpu.postgres, 0)} / ${fixed(r.cpu.client, 0)}, ${fixed(r.cpu.machineBusy, 0)} %`
          : `${fixed(r.server.cpuPercent, 0)} / n/a / n/a`,
      ]),
    ),
    '',
    'Server-side phases (timers around the runtime methods the dose handler calls, in the API node; times include pool waits; `vault.ensureKey()` runs twice per request, once in decide and once inside `storeDetails()`):',
    '',
    table(['Connections', 'Phase', 'Calls', 'mean', 'p50', 'p99'], phaseRows),
  ];
  if (profileTop)
    details.push(
      '',
      'CPU profile of the API node (self time, top functions):',
      '',
      table(
        ['Function', 'Self time', 'Share'],
        profileTop.map((t) => [t.key, ms(t.ms), `${(t.share * 100).toFixed(1)} %`]),
      ),
    );
  return {
    runs,
    parameters: [
      ...(whatIf
        ? [`**WHAT-IF RUN (BENCH_API_WHATIF=${whatIf}): the node was modified for diagnosis; these are not the API's numbers.**`]
        : []),
      `API node: compiled \`createApiApp(openNodeRuntime(settings))\` in a child process (bench/lib/api-node.cjs) on the bench database (pools: store 16, read models 16, vault 4; projector in a worker thread of the node, as PROJECTOR=thread, the default on PostgreSQL, unless BENCH_API_PROJECTOR=inline), AUTH_MODE=dev callers from X-Dev-Actor, logger off. Client: autocannon ${require('autocannon/package.json').version} in the bench process; both share the ${require('node:os').cpus().length} cores with PostgreSQL.`,
      `Seeded through the HTTP API in ${seeded ? seeded.seconds.toFixed(0) : '?'} s: 1 regulator, 1 manufacturer, 1 provincial CDC, ${CLINICS} clinics; ${PRODUCTS} non-serialised products × ${BATCHES_PER_PRODUCT} released batches; manufacturer → CDC and CDC → clinic shipments, received (each clinic stocks ${BATCHES_PER_CLINIC} batches × ${int(STOCK_PER_LINE)} doses).`,
      `Load: every request is dose 1 of a new person (valid 18-digit resident ID, ISO 7064 MOD 11-2 check character), at clinic n mod ${CLINICS} (X-Dev-Actor \`clinic:<orgCode>:510000\`), one of the clinic's batches, administeredAt 1–600 min ago; body ~400 B. Warm-up ${warmup} s at 16 connections (not counted), VACUUM ANALYZE, then ${duration} s at ${connectionCounts.join(' and ')} connections. Latency is autocannon's (request written → response read).`,
      'Check: the DoseAdministered events appended during each run are counted in the log and compared with the 2xx answers (the count also includes the requests still in flight when autocannon stops, at most one per connection).',
      "Diagnostics: timers around the runtime methods the handler calls (in the API node), PostgreSQL commits and rows written per dose (pg_stat_database deltas; these include the projector's work), CPU of the API node, of all postgres processes and of the bench process (autocannon), from /proc.",
    ],
    rows,
    details: details.join('\n'),
  };
};

const run = async (ctx) => {
  const ref = process.env.BENCH_BASELINE;
  if (!ref) return measure(ctx, null);
  const base = prepareBaseline(ctx, ref);
  const database = `${ctx.database}_baseline`;
  await query(ctx.baseUrl, `CREATE DATABASE ${database}`);
  const baseUrl = new URL(ctx.url);
  baseUrl.pathname = `/${database}`;
  let baseline;
  try {
    ctx.log(`── baseline ${ref} (${base.sha.slice(0, 12)}) ──`);
    baseline = await measure(ctx, { url: baseUrl.toString(), database, dir: base.dir });
  } finally {
    await query(ctx.baseUrl, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch((e) =>
      ctx.log(`could not drop ${database}: ${e.message}`),
    );
  }
  ctx.log('── this tree ──');
  // Issue 13 asks for p99 < 100 ms "at that load", 3× the baseline's: this tree also runs paced
  // at exactly that rate, besides the runs at full load (where latency is the connections
  // divided by the throughput, whatever the code).
  const targetRate = Math.max(1, Math.round(3 * baseline.runs[0].rps));
  const current = await measure(ctx, null, { paced: targetRate });
  const label = `baseline ${ref} (${base.sha.slice(0, 7)})`;
  const ratio = (i) => current.runs[i].rps / Math.max(1, baseline.runs[i].rps);
  const main = current.runs[0];
  const atRate = current.runs.find((r) => r.rate);
  // The paced run counts only if the node kept the pace (autocannon cannot push harder than it answers).
  const heldRate = atRate ? atRate.rps >= 0.97 * targetRate : false;
  const met =
    ratio(0) >= 3 &&
    heldRate &&
    atRate.latency.p99 < TARGET_P99_MS &&
    atRate.non2xx === 0 &&
    main.db.commits <= 2 &&
    phase(main, 'catch-up: runner.waitFor()').count === 0;
  const rows = [
    {
      metric: `POST /v1/doses vs ${label}, ${main.connections} connections, same run`,
      measured:
        `${fixed(ratio(0), 2)}× (${int(main.rps)} vs ${int(baseline.runs[0].rps)} req/s); ` +
        `p99 at 3× the baseline's rate (${int(targetRate)} req/s asked, ${int(atRate?.rps ?? 0)} held, open loop) ${ms(atRate?.latency.p99 ?? NaN)}; ` +
        `p99 at full load ${ms(main.latency.p99)} vs ${ms(baseline.runs[0].latency.p99)}; ${fixed(main.db.commits, 2)} vs ${fixed(baseline.runs[0].db.commits, 1)} commits per dose`,
      target: `≥ 3×, p99 < ${TARGET_P99_MS} ms at 3× the baseline's rate, ≤ 2 commits per dose, 0 projector waits`,
      status: met ? 'MET' : 'MISSED',
      note: `API CPU per dose ${fixed(main.apiCpuMsPerDose, 2)} ms (baseline ${fixed(baseline.runs[0].apiCpuMsPerDose, 2)} ms); projector waits on the dose path: ${phase(main, 'catch-up: runner.waitFor()').count}${heldRate ? '' : '; the paced run did not hold its rate'}`,
    },
    ...current.rows,
  ];
  const details = [
    `Side by side in one run: first ${label} (built from \`git archive\` into bench/.tmp, its own fresh database), then this tree; same seeding, same load, same machine.`,
    '',
    table(
      [
        'Code',
        'Connections',
        'req/s',
        'p50',
        'p99',
        '2xx / non-2xx / errors',
        'PG commits per dose',
        'API CPU ms per dose',
        'PG CPU ms per dose',
        'projector waits on the write path',
        'visibility after the write',
        'machine busy',
      ],
      comparisonRows([
        { label, result: baseline },
        { label: 'this tree', result: current },
      ]),
    ),
    '',
    `### ${label}`,
    '',
    baseline.details,
    '',
    '### this tree',
    '',
    current.details,
  ].join('\n');
  return {
    parameters: [
      ...current.parameters,
      `Baseline: ${label}, node stop: ${baseline.runs.stopped}; this tree's node stop: ${current.runs.stopped}.`,
    ],
    rows,
    details,
  };
};

module.exports = { name: 'http-doses', title: 'HTTP dose capture', run };
