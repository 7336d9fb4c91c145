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
const { table } = require('../lib/results.cjs');

const TARGET_RPS = 1500;
const TARGET_P99_MS = 100;
const CLINICS = 200;
const PRODUCTS = 5;
const BATCHES_PER_PRODUCT = 4;
const BATCHES_PER_CLINIC = 4;
const STOCK_PER_LINE = 2000;
const PROVINCE = '510000';
const CLINIC_REGIONS = ['510104', '510105', '510106', '510107', '510108', '510112', '510113', '510114'];
const ID_REGIONS = ['510104', '510107', '510108', '510112', '510623'];
const VACCINES = [
  { vaccineType: 'HepB', name: 'Hepatitis B vaccine (recombinant, yeast) 10 µg', route: 'IM', programme: 'NIP' },
  { vaccineType: 'MMR', name: 'Measles, mumps and rubella combined vaccine, live', route: 'SC', programme: 'NIP' },
  { vaccineType: 'DTaP', name: 'Diphtheria, tetanus and acellular pertussis vaccine, adsorbed', route: 'IM', programme: 'NIP' },
  { vaccineType: 'Influenza', name: 'Quadrivalent influenza vaccine (split virion), inactivated', route: 'IM', programme: 'nonNIP' },
  { vaccineType: 'HPV', name: 'Recombinant human papillomavirus bivalent (types 16, 18) vaccine', route: 'IM', programme: 'nonNIP' },
];
const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周'];
const GIVEN = ['伟', '芳', '娜', '敏', '静', '磊', '洋', '秀英', '子涵', '浩然'];

const pad = (n, width) => String(n).padStart(width, '0');
const durationS = (seconds, scale) => Math.max(4, Math.round(seconds * Math.min(1, scale)));
const CST = 8 * 3_600_000;
const cst = (msValue) => `${new Date(msValue + CST).toISOString().slice(0, 19)}+08:00`;

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
 * `--baseline <git-ref>` (BENCH_BASELINE): the ref's tree, from `git archive`, compiled with
 * this checkout's swc into bench/.tmp/baseline-<sha>/ (kept for the next run), measured in the
 * same run against its own fresh database, before this tree.
 */
const prepareBaseline = (ctx, ref) => {
  const { execFileSync, execSync } = require('node:child_process');
  const sha = execFileSync('git', ['rev-parse', '--verify', `${ref}^{commit}`], { cwd: REPO_DIR, encoding: 'utf8' }).trim();
  const dir = path.join(ensureTmp(), `baseline-${sha.slice(0, 12)}`);
  if (!fs.existsSync(path.join(dir, 'dist', 'apps', 'api', 'src', 'app.js'))) {
    ctx.log(`building baseline ${ref} (${sha.slice(0, 12)}) in ${path.relative(REPO_DIR, dir)}`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    execSync(`git archive ${sha} | tar -x -C ${JSON.stringify(dir)}`, { cwd: REPO_DIR });
    const swc = path.join(REPO_DIR, 'node_modules', '.bin', 'swc');
    for (const part of ['apps', 'libs'])
      execFileSync(swc, [part, '-d', `dist/${part}`, '--strip-leading-paths', '--copy-files', '--quiet'], { cwd: dir });
    execFileSync(process.execPath, ['scripts/copy-proto.cjs'], { cwd: dir });
  }
  return { ref, sha, dir };
};

// ---------------------------------------------------------------------------------------------
// Seeding through the API

const post = async (baseUrl, pathName, actor, body, method = 'POST') => {
  const res = await fetch(`${baseUrl}${pathName}`, {
    method,
    headers: { 'content-type': 'application/json', accept: 'application/json', 'x-dev-actor': actor },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status < 200 || res.status > 299) throw new Error(`${method} ${pathName} answered ${res.status}: ${text}`);
  return text ? JSON.parse(text) : {};
};

const inParallel = async (items, concurrency, fn) => {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    }),
  );
};

const seed = async (ctx, baseUrl, domain) => {
  const { usccCheckChar, allowedExpiryDates } = domain;
  const uscc = (head, region, body9) => `${head}${region}${body9}${usccCheckChar(`${head}${region}${body9}`)}`;
  const regulator = { code: '12110000450712347E', province: '110000', kind: 'regulator' };
  const maker = {
    code: uscc('91', '320100', 'MA900DM01'),
    province: '320000',
    kind: 'manufacturer',
    name: 'Jiangsu Biological Products Co.',
  };
  const cdc = { code: uscc('12', PROVINCE, 'MB900CD01'), province: PROVINCE, kind: 'cdc', name: 'Sichuan Provincial CDC' };
  const clinics = Array.from({ length: CLINICS }, (_, k) => ({
    code: uscc('12', CLINIC_REGIONS[k % CLINIC_REGIONS.length], `MC900${pad(k + 1, 4)}`),
    province: PROVINCE,
    kind: 'clinic',
    name: `Sichuan community vaccination clinic no. ${k + 1}`,
    parent: cdc.code,
  }));
  const actorOf = (org) => `${org.kind}:${org.code}:${org.province}`;
  // The national regulator (province 000000) may register organisations anywhere.
  const regulatorActor = `regulator:${regulator.code}:000000`;

  const t0 = Date.now();
  for (const org of [maker, cdc])
    await post(baseUrl, '/v1/organisations', regulatorActor, {
      orgCode: org.code,
      name: org.name,
      kind: org.kind,
      provinceCode: org.province,
    });
  await inParallel(clinics, 8, (org) =>
    post(baseUrl, '/v1/organisations', regulatorActor, {
      orgCode: org.code,
      name: org.name,
      kind: org.kind,
      provinceCode: org.province,
      parentOrgCode: org.parent,
    }),
  );
  const products = VACCINES.map((v, i) => ({ ...v, code: `86${pad(90017 + i * 1117, 5)}` }));
  for (const [i, p] of products.entries())
    await post(baseUrl, '/v1/products', actorOf(maker), {
      productCode: p.code,
      name: p.name,
      vaccineType: p.vaccineType,
      approvalNo: `S2025${pad(2000 + i, 4)}`,
      mahOrgCode: maker.code,
      dosesPerUnit: 1,
      storageC: { min: 2, max: 8 },
      shelfLifeMonths: 24,
      programme: p.programme,
      serialised: false,
    });
  // Clinic k stocks batches (3k + 5j) mod 20, j = 0..3: four different batches.
  const batchCount = PRODUCTS * BATCHES_PER_PRODUCT;
  const stockOf = (k) => Array.from({ length: BATCHES_PER_CLINIC }, (_, j) => (3 * k + 5 * j) % batchCount);
  const clinicsPerBatch = new Array(batchCount).fill(0);
  for (let k = 0; k < CLINICS; k++) for (const b of stockOf(k)) clinicsPerBatch[b]++;
  const batches = [];
  for (let pi = 0; pi < PRODUCTS; pi++)
    for (let j = 0; j < BATCHES_PER_PRODUCT; j++) {
      const b = pi * BATCHES_PER_PRODUCT + j;
      const producedOn = `2025-12-0${1 + ((pi + j) % 5)}`;
      const lot = `2512${pad(pi, 2)}${String.fromCharCode(65 + j)}900`;
      const toCdc = clinicsPerBatch[b] * STOCK_PER_LINE + 1000;
      batches.push({ id: `${products[pi].code}-${lot}`, product: products[pi], lot, producedOn, toCdc });
    }
  for (const b of batches) {
    const answer = await post(baseUrl, '/v1/batches', actorOf(maker), {
      productCode: b.product.code,
      lotNumber: b.lot,
      producedOn: b.producedOn,
      expiresOn: allowedExpiryDates(b.producedOn, 24)[0],
      quantity: b.toCdc + 5000,
    });
    if (answer.id && answer.id !== b.id) b.id = answer.id;
    await post(baseUrl, `/v1/batches/${b.id}/release`, regulatorActor, {
      certificateNo: `SJ${b.producedOn.slice(0, 4)}${b.lot}`,
      decidedOn: `2025-12-${pad(Number(b.producedOn.slice(8, 10)) + 4, 2)}`,
    });
  }
  let note = 0;
  // Dispatches from one site append to that site's stream, so they go one at a time; the
  // receipts (each on its clinic's stream) go in parallel.
  const dispatch = async (from, to, lines, dispatchedAt, hours) => {
    note++;
    const shipment = await post(baseUrl, '/v1/shipments', actorOf(from), {
      toSite: to.code,
      dispatchedAt: cst(dispatchedAt),
      deliveryNoteNo: `DN-BENCH-${pad(note, 5)}`,
      lines: lines.map(([batchId, quantity]) => ({ batchId, quantity })),
    });
    return { id: shipment.id, to, lines, dispatchedAt, hours };
  };
  const receive = async ({ id, to, lines, dispatchedAt, hours }) => {
    const receivedAt = dispatchedAt + hours * 3_600_000;
    const readings = [];
    for (let t = dispatchedAt + 1_800_000, k = 0; t < receivedAt; t += 3_600_000, k++)
      readings.push({ at: cst(t), celsius: Math.round((4.2 + ((k * 7) % 11) / 5) * 10) / 10 });
    await post(baseUrl, `/v1/shipments/${id}/receipt`, actorOf(to), {
      receivedAt: cst(receivedAt),
      lines: lines.map(([batchId, quantity]) => ({ batchId, accepted: quantity, rejected: 0 })),
      verification: { result: 'accepted', releaseCertificateChecked: true },
      temperatureLog: { deviceId: `TL-${to.code.slice(-6)}`, readings },
    });
  };
  await receive(
    await dispatch(
      maker,
      cdc,
      batches.map((b) => [b.id, b.toCdc]),
      Date.parse('2025-12-12T09:00:00+08:00'),
      30,
    ),
  );
  const toClinics = [];
  for (const [k, clinic] of clinics.entries())
    toClinics.push(
      await dispatch(
        cdc,
        clinic,
        stockOf(k).map((b) => [batches[b].id, STOCK_PER_LINE]),
        Date.parse('2025-12-15T08:00:00+08:00') + (k % 8) * 3_600_000,
        5,
      ),
    );
  await inParallel(toClinics, 8, receive);
  // Doses check stock on the read models: wait until the last clinic's receipt is visible.
  const last = clinics[clinics.length - 1];
  for (const deadline = Date.now() + 60_000; ;) {
    const inventory = await post(baseUrl, `/v1/sites/${last.code}/inventory`, actorOf(last), undefined, 'GET');
    if ((inventory.batches?.length ?? 0) > 0) break;
    if (Date.now() > deadline) throw new Error(`stock at ${last.code} did not show in the read models within 60 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const seconds = (Date.now() - t0) / 1000;
  ctx.log(
    `seeded through the API in ${seconds.toFixed(1)} s: 3 + ${CLINICS} organisations, ${PRODUCTS} products, ${batchCount} batches, ${CLINICS + 1} shipments + receipts`,
  );
  return {
    seconds,
    clinics: clinics.map((c, k) => ({ actor: actorOf(c), batches: stockOf(k).map((b) => batches[b]) })),
    batchCount,
  };
};

// ---------------------------------------------------------------------------------------------
// Load

/** Request number n → a dose-1 body for a new person at clinic n mod 200. */
const doseRequests = (domain, seeded) => {
  const { residentIdCheckChar } = domain;
  const birthBase = Date.parse('1960-01-01T00:00:00Z');
  const now = Date.now();
  let n = 0;
  const residentId = (i) => {
    const region = ID_REGIONS[Math.floor(i / 16_000_000) % ID_REGIONS.length];
    const birth = new Date(birthBase + (i % 16_000) * 86_400_000).toISOString().slice(0, 10);
    const sequence = Math.floor(i / 16_000) % 1000;
    const first17 = `${region}${birth.replaceAll('-', '')}${pad(sequence, 3)}`;
    return { idNumber: `${first17}${residentIdCheckChar(first17)}`, birthDate: birth, sex: sequence % 2 === 1 ? 'M' : 'F' };
  };
  const next = () => {
    const i = n++;
    const clinic = seeded.clinics[i % seeded.clinics.length];
    const batch = clinic.batches[Math.floor(i / seeded.clinics.length) % clinic.batches.length];
    const id = residentId(i);
    return {
      headers: { 'content-type': 'application/json', 'x-dev-actor': clinic.actor },
      body: JSON.stringify({
        person: {
          idType: 'RESIDENT_ID',
          idNumber: id.idNumber,
          name: `${SURNAMES[i % 10]}${GIVEN[Math.floor(i / 10) % 10]}`,
          birthDate: id.birthDate,
          sex: id.sex,
        },
        batchId: batch.id,
        doseNumber: 1,
        administeredAt: cst(now - 60_000 - (i % 600) * 60_000),
        route: batch.product.route,
        bodySite: 'left_deltoid',
        vaccinatorRef: `V-${clinic.actor.slice(-12, -7)}-0${(i % 4) + 1}`,
      }),
    };
  };
  return {
    next,
    get count() {
      return n;
    },
  };
};

const fire = (baseUrl, gen, { connections, duration }) =>
  new Promise((resolve, reject) => {
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

/** CPU seconds used so far by every postgres process, and by the whole machine (Linux /proc; null elsewhere). */
const cpuSnapshot = () => {
  try {
    const hz = 100;
    let pg = 0;
    for (const pid of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        if (fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
        const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
        pg += (Number(fields[11]) + Number(fields[12])) / hz;
      } catch {
        // The process ended meanwhile.
      }
    }
    const cpuLine = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = (cpuLine[3] ?? 0) + (cpuLine[4] ?? 0);
    const total = cpuLine.reduce((a, b) => a + b, 0);
    const self = process.cpuUsage();
    return { pg, busy: (total - idle) / hz, total: total / hz, bench: (self.user + self.system) / 1e6 };
  } catch {
    return null;
  }
};

/** Transactions and rows written in the bench database so far (pg_stat_database). */
const dbStats = async (url, database) =>
  (
    await query(
      url,
      `SELECT xact_commit::bigint AS commits, (tup_inserted + tup_updated + tup_deleted)::bigint AS written, tup_fetched::bigint AS fetched
         FROM pg_stat_database WHERE datname = $1`,
      [database],
    )
  ).rows[0];

const countDoses = async (url) =>
  (await query(url, `SELECT count(*)::int AS n FROM vaxledger.events WHERE type = 'DoseAdministered'`)).rows[0].n;

/** Top self-time functions of a .cpuprofile, aggregated by function and location. */
const topOfProfile = (file, top = 15) => {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const dt = new Map();
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) dt.set(samples[i], (dt.get(samples[i]) ?? 0) + (timeDeltas[i] ?? 0));
  const byKey = new Map();
  let total = 0;
  for (const node of profile.nodes) {
    const us = dt.get(node.id) ?? 0;
    total += us;
    const cf = node.callFrame;
    const where = cf.url ? `${path.relative(REPO_DIR, cf.url.replace(/^file:\/\//, ''))}:${cf.lineNumber + 1}` : '';
    const key = `${cf.functionName || '(anonymous)'} ${where}`.trim();
    byKey.set(key, (byKey.get(key) ?? 0) + us);
  }
  return [...byKey.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, us]) => ({ key, ms: us / 1000, share: us / total }));
};

// ---------------------------------------------------------------------------------------------

const measure = async (ctx, variant) => {
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
    `starting the API node (child process${profiling ? ', --cpu-prof' : ''}${whatIf ? `, WHAT-IF ${whatIf}` : ''}) on ${ctx.database}`,
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
    for (const connections of connectionCounts) {
      await new Promise((r) => setTimeout(r, 1000));
      await node.ask({ type: 'phases', reset: true, record: true }, 'phases');
      const before = await countDoses(url);
      const sentBefore = gen.count;
      const statsBefore = await dbStats(url, database);
      const cpuBefore = cpuSnapshot();
      ctx.log(`POST /v1/doses: ${duration} s, ${connections} connections …`);
      const { result, statuses, samples } = await fire(node.baseUrl, gen, { connections, duration });
      const cpuAfter = cpuSnapshot();
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
              client: ((cpuAfter.bench - cpuBefore.bench) / duration) * 100,
            }
          : null;
      // Let the projector finish, then check that every 2xx is a DoseAdministered in the log.
      const appended = (await countDoses(url)) - before;
      const r = {
        connections,
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
        apiCpuMsPerDose: server.cpuMs / Math.max(1, result['2xx']),
      };
      runs.push(r);
      ctx.log(
        `${connections} connections: ${int(r.rps)} req/s, p50 ${ms(r.latency.p50)}, p97.5 ${ms(r.latency.p97_5)}, p99 ${ms(r.latency.p99)}, ` +
          `2xx ${int(r.ok)}, non-2xx ${int(r.non2xx)}, errors ${r.errors}, DoseAdministered appended ${int(appended)}; server CPU ${fixed(server.cpuPercent, 0)} %`,
      );
      ctx.log(
        `per 2xx: ${fixed(db.commits, 1)} PostgreSQL commits, ${fixed(db.written, 1)} rows written, ${fixed(db.fetched, 0)} rows fetched` +
          (cpu
            ? `; CPU (% of one core): API node ${fixed(server.cpuPercent, 0)}, PostgreSQL ${fixed(cpu.postgres, 0)}, autocannon ${fixed(cpu.client, 0)}; machine ${fixed(cpu.machineBusy, 0)} % busy of ${cpu.cores} cores`
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
    for (const [name, s] of phases) phaseRows.push([String(r.connections), name, int(s.count), ms(s.mean), ms(s.p50), ms(s.p99)]);
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
    metric: `POST /v1/doses, ${r.connections} connections, ${r.duration} s`,
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
        String(r.connections),
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
      `API node: compiled \`createApiApp(openNodeRuntime(settings))\` in a child process (bench/lib/api-node.cjs) on the bench database (pools: store 16, read models 16, vault 4; projector running in the node), AUTH_MODE=dev callers from X-Dev-Actor, logger off. Client: autocannon ${require('autocannon/package.json').version} in the bench process; both share the ${require('node:os').cpus().length} cores with PostgreSQL.`,
      `Seeded through the HTTP API in ${seeded ? seeded.seconds.toFixed(0) : '?'} s: 1 regulator, 1 manufacturer, 1 provincial CDC, ${CLINICS} clinics; ${PRODUCTS} non-serialised products × ${BATCHES_PER_PRODUCT} released batches; manufacturer → CDC and CDC → clinic shipments, received (each clinic stocks ${BATCHES_PER_CLINIC} batches × ${int(STOCK_PER_LINE)} doses).`,
      `Load: every request is dose 1 of a new person (valid 18-digit resident ID, ISO 7064 MOD 11-2 check character), at clinic n mod ${CLINICS} (X-Dev-Actor \`clinic:<orgCode>:510000\`), one of the clinic's batches, administeredAt 1–600 min ago; body ~400 B. Warm-up ${warmup} s at 16 connections (not counted), VACUUM ANALYZE, then ${duration} s at ${connectionCounts.join(' and ')} connections. Latency is autocannon's (request written → response read).`,
      'Check: the DoseAdministered events appended during each run are counted in the log and compared with the 2xx answers (the count also includes the requests still in flight when autocannon stops, at most one per connection).',
      "Diagnostics: timers around the runtime methods the handler calls (in the API node), PostgreSQL commits and rows written per dose (pg_stat_database deltas; these include the projector's work), CPU of the API node, of all postgres processes and of the bench process (autocannon), from /proc.",
    ],
    rows,
    details: details.join('\n'),
  };
};

const phase = (r, prefix) => {
  const hit = Object.entries(r.server.phases).find(([name]) => name.startsWith(prefix));
  return hit ? hit[1] : { count: 0, mean: NaN, p50: NaN, p99: NaN };
};

/** One line per variant and connection count: what a user waits for, and what it costs. */
const comparisonRows = (variants) => {
  const rows = [];
  for (const { label, result } of variants)
    for (const r of result.runs) {
      const wait = phase(r, 'catch-up: runner.waitFor()');
      const visible = phase(r, 'visibility:');
      rows.push([
        label,
        String(r.connections),
        int(r.rps),
        ms(r.latency.p50),
        ms(r.latency.p99),
        `${int(r.ok)} / ${int(r.non2xx)} / ${r.errors}`,
        fixed(r.db.commits, 2),
        fixed(r.apiCpuMsPerDose, 2),
        r.cpu ? fixed(r.cpu.pgMsPerDose, 2) : 'n/a',
        `${int(wait.count)} calls${wait.count ? `, p50 ${ms(wait.p50)}` : ''}`,
        visible.count ? `p50 ${ms(visible.p50)}, p99 ${ms(visible.p99)}` : 'n/a',
        r.cpu ? `${fixed(r.cpu.machineBusy, 0)} %` : 'n/a',
      ]);
    }
  return rows;
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
  const current = await measure(ctx, null);
  const label = `baseline ${ref} (${base.sha.slice(0, 7)})`;
  const ratio = (i) => current.runs[i].rps / Math.max(1, baseline.runs[i].rps);
  const main = current.runs[0];
  const met =
    ratio(0) >= 3 && main.latency.p99 < TARGET_P99_MS && main.db.commits <= 2 && phase(main, 'catch-up: runner.waitFor()').count === 0;
  const rows = [
    {
      metric: `POST /v1/doses vs ${label}, ${main.connections} connections, same run`,
      measured: `${fixed(ratio(0), 2)}× (${int(main.rps)} vs ${int(baseline.runs[0].rps)} req/s); p99 ${ms(main.latency.p99)} vs ${ms(baseline.runs[0].latency.p99)}; ${fixed(main.db.commits, 2)} vs ${fixed(baseline.runs[0].db.commits, 1)} commits per dose`,
      target: `≥ 3×, p99 < ${TARGET_P99_MS} ms, ≤ 2 commits per dose, 0 projector waits`,
      status: met ? 'MET' : 'MISSED',
      note: `API CPU per dose ${fixed(main.apiCpuMsPerDose, 2)} ms (baseline ${fixed(baseline.runs[0].apiCpuMsPerDose, 2)} ms); projector waits on the dose path: ${phase(main, 'catch-up: runner.waitFor()').count}`,
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
