'use strict';
/**
 * 9. The embedded default's start and idle memory (issue 11): what a clinic waits for when it
 * starts its node, and what the node keeps. Starts the built API (`dist/`) the way `npm start`
 * does after its staleness check — `node --max-semi-space-size=8 dist/apps/api/src/main.js`
 * with PORT and a DATA_DIR, nothing else — once on a new folder (the cluster is created) and
 * then RESTARTS times on the same folder. For each start: the wall time from spawning the
 * process to the first 200 of GET /health, the CPU time (user + system) the node had used by
 * then, and its resident memory after IDLE seconds with no request. The baseline, measured in
 * the same run on its own folder, is the plain production command without the V8 flag
 * (`node dist/apps/api/src/main.js`).
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { ensureTmp, REPO_DIR } = require('../lib/env.cjs');
const { nowMs, fixed } = require('../lib/stats.cjs');
const { table } = require('../lib/results.cjs');

const READY_TARGET_MS = 3000;
const RSS_TARGET_MB = 300;
const RESTARTS = 3;
const MAIN = path.join(REPO_DIR, 'dist', 'apps', 'api', 'src', 'main.js');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const ticks = 100; // USER_HZ on Linux
const cpuSeconds = (pid) => {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticks;
};
const rssMb = (pid) => {
  const line = fs
    .readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line.replace(/\D+/g, '')) / 1024;
};

const healthy = async (port) => {
  try {
    return (await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
};

/** One start: spawn, poll /health every 25 ms, read CPU, idle, read RSS, SIGTERM and wait. */
const startOnce = async ({ flags, dataDir, port, idleMs }) => {
  const env = { ...process.env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  for (const key of ['DATABASE_URL', 'KAFKA_BROKERS', 'EVENT_STORE', 'AUTH_MODE']) delete env[key];
  const started = nowMs();
  const child = spawn(process.execPath, [...flags, MAIN], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the node exited with ${child.exitCode}: ${stderr.slice(-400)}`);
      if (await healthy(port)) break;
      if (nowMs() - started > 120_000) throw new Error('the node did not answer /health within 120 s');
      await sleep(25);
    }
    const readyMs = nowMs() - started;
    const cpu = cpuSeconds(child.pid);
    await sleep(idleMs);
    return { readyMs, cpu, rss: rssMb(child.pid) };
  } finally {
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(killer);
  }
};

const series = async (ctx, label, flags, port, idleMs) => {
  const dataDir = fs.mkdtempSync(path.join(ensureTmp(), 'embedded-start-'));
  try {
    const first = await startOnce({ flags, dataDir, port, idleMs });
    ctx.log(`${label}: first start ready ${fixed(first.readyMs / 1000, 2)} s, CPU ${fixed(first.cpu, 2)} s, RSS ${fixed(first.rss, 0)} MB`);
    const restarts = [];
    for (let i = 0; i < RESTARTS; i++) {
      const r = await startOnce({ flags, dataDir, port, idleMs });
      ctx.log(`${label}: restart ${i + 1} ready ${fixed(r.readyMs / 1000, 2)} s, CPU ${fixed(r.cpu, 2)} s, RSS ${fixed(r.rss, 0)} MB`);
      restarts.push(r);
    }
    return { first, restarts };
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
};

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const range = (values, digits, unit) => {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return lo === hi ? `${fixed(lo, digits)} ${unit}` : `${fixed(lo, digits)}–${fixed(hi, digits)} ${unit}`;
};

const run = async (ctx) => {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: npm run build first`);
  const idleMs = Math.max(10_000, Math.round(30_000 * Math.min(ctx.scale, 1)));
  const ours = await series(ctx, 'npm start (V8 semi-spaces 8 MB)', ['--max-semi-space-size=8'], 39211, idleMs);
  const base = await series(ctx, 'baseline: node without the flag', [], 39212, idleMs);

  const restartReady = median(ours.restarts.map((r) => r.readyMs));
  const restartRss = median(ours.restarts.map((r) => r.rss));
  const rows = [
    {
      metric: `restart on an existing folder, ready (median of ${RESTARTS})`,
      measured: `${fixed(restartReady / 1000, 2)} s (${range(
        ours.restarts.map((r) => r.readyMs / 1000),
        2,
        's',
      )}; CPU to ready ${range(
        ours.restarts.map((r) => r.cpu),
        2,
        's',
      )})`,
      target: `< ${READY_TARGET_MS / 1000} s`,
      status: restartReady < READY_TARGET_MS ? 'MET' : 'MISSED',
    },
    {
      metric: `idle memory (RSS ${idleMs / 1000} s after ready), restart, median`,
      measured: `${fixed(restartRss, 0)} MB (${range(
        ours.restarts.map((r) => r.rss),
        0,
        'MB',
      )}; baseline without the flag ${range(
        base.restarts.map((r) => r.rss),
        0,
        'MB',
      )})`,
      target: `< ${RSS_TARGET_MB} MB`,
      status: restartRss < RSS_TARGET_MB ? 'MET' : 'MISSED',
    },
    {
      metric: 'first start on a new folder (cluster created), ready and RSS',
      measured: `${fixed(ours.first.readyMs / 1000, 2)} s, ${fixed(ours.first.rss, 0)} MB (baseline ${fixed(base.first.readyMs / 1000, 2)} s, ${fixed(base.first.rss, 0)} MB)`,
      target: '—',
      status: 'INFO',
    },
  ];
  const detail = (label, s) => [
    [label, 'first start', fixed(s.first.readyMs / 1000, 2), fixed(s.first.cpu, 2), fixed(s.first.rss, 0)],
    ...s.restarts.map((r, i) => [label, `restart ${i + 1}`, fixed(r.readyMs / 1000, 2), fixed(r.cpu, 2), fixed(r.rss, 0)]),
  ];
  return {
    parameters: [
      `The built API started as \`npm start\` starts it (\`node --max-semi-space-size=8 dist/apps/api/src/main.js\`) with only PORT and a new DATA_DIR; the baseline is the same without the flag. Ready = spawn to first 200 of GET /health (polled every 25 ms); CPU = user + system time of the node at that moment; RSS after ${idleMs / 1000} s idle.`,
    ],
    rows,
    details: table(
      ['Command', 'Start', 'Ready (s)', 'CPU to ready (s)', 'RSS idle (MB)'],
      [...detail('npm start', ours), ...detail('baseline', base)],
    ),
  };
};

module.exports = { name: 'embedded-start', title: 'The embedded default: start time and idle memory', run };
