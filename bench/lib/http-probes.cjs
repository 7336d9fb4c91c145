'use strict';
/** What http-doses reads beside autocannon: CPU from /proc, pg_stat_database, the log, a CPU profile. */
const path = require('node:path');
const fs = require('node:fs');
const { REPO_DIR } = require('./env.cjs');
const { query } = require('./db.cjs');

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

/**
 * CPU seconds used so far by the server processes working for one database (its backends and
 * autovacuum workers, from pg_stat_activity and /proc): unlike cpuSnapshot's sum over every
 * postgres process, other databases' work on a shared server does not count, and a backend of
 * another database that exits during the window cannot pull the figure down. Shared processes
 * (WAL writer, checkpointer) are left out. Returns { seconds, pids } (null off Linux).
 */
const databaseCpu = async (url, database) => {
  try {
    const { rows } = await query(url, 'SELECT pid FROM pg_stat_activity WHERE datname = $1', [database]);
    const byPid = new Map();
    for (const { pid } of rows) {
      try {
        const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
        byPid.set(pid, (Number(fields[11]) + Number(fields[12])) / 100);
      } catch {
        // Ended meanwhile, or not on this machine.
      }
    }
    return byPid;
  } catch {
    return null;
  }
};

/** CPU seconds the database's server processes used between two databaseCpu readings (new ones count whole). */
const databaseCpuDelta = (before, after) => {
  if (!before || !after || after.size === 0) return null;
  let seconds = 0;
  for (const [pid, s] of after) seconds += s - (before.get(pid) ?? 0);
  return seconds;
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

module.exports = { cpuSnapshot, databaseCpu, databaseCpuDelta, dbStats, countDoses, topOfProfile };
