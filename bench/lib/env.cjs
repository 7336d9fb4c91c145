'use strict';
/**
 * Settings every suite shares: where PostgreSQL is, how big the run is, where scratch files go.
 */
const path = require('node:path');
const fs = require('node:fs');

const BENCH_DIR = path.resolve(__dirname, '..');
const REPO_DIR = path.resolve(BENCH_DIR, '..');
/** Scratch files (CSV for COPY, pgbench scripts); git-ignored by the repo's .gitignore. */
const TMP_DIR = path.join(BENCH_DIR, '.tmp');

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/test';

const parseScale = (raw) => {
  if (raw === undefined || raw === '') return 1;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`BENCH_SCALE must be a positive number, got "${raw}"`);
  return value;
};

const settings = () => ({
  databaseUrl: process.env.DATABASE_URL || DEFAULT_URL,
  scale: parseScale(process.env.BENCH_SCALE),
  /** Keep the vx_bench_* database after the run (for poking at it with psql). */
  keepDatabase: process.env.BENCH_KEEP_DB === '1',
});

/** `n` scaled by BENCH_SCALE, never below `min`. */
const scaled = (n, scale, min = 1) => Math.max(min, Math.round(n * scale));

const ensureTmp = () => {
  fs.mkdirSync(TMP_DIR, { recursive: true });
  return TMP_DIR;
};

module.exports = { BENCH_DIR, REPO_DIR, TMP_DIR, DEFAULT_URL, settings, scaled, ensureTmp };
