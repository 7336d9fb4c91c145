'use strict';
/**
 * http-doses against an older commit in the same run (`--baseline <git-ref>`): building the
 * ref's tree, and the comparison table.
 */
const path = require('node:path');
const fs = require('node:fs');
const { REPO_DIR, ensureTmp } = require('./env.cjs');
const { int, ms, fixed } = require('./stats.cjs');

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
    // The wire contracts beside the code: older trees had a script for it, newer ones copy proto/ in their build.
    if (fs.existsSync(path.join(dir, 'scripts', 'copy-proto.cjs')))
      execFileSync(process.execPath, ['scripts/copy-proto.cjs'], { cwd: dir });
    else fs.cpSync(path.join(dir, 'proto'), path.join(dir, 'dist', 'proto'), { recursive: true });
  }
  return { ref, sha, dir };
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
        r.rate ? `paced at ${Math.round(r.rate)} req/s` : String(r.connections),
        int(r.rps),
        ms(r.latency.p50),
        ms(r.latency.p99),
        `${int(r.ok)} / ${int(r.non2xx)} / ${r.errors}`,
        fixed(r.db.commits, 2),
        fixed(r.apiCpuMsPerDose, 2),
        r.cpu
          ? `${fixed(r.cpu.pgMsPerDose, 2)}${r.cpu.pgOwnMsPerDose == null ? '' : ` (own backends ${fixed(r.cpu.pgOwnMsPerDose, 2)})`}`
          : 'n/a',
        `${int(wait.count)} calls${wait.count ? `, p50 ${ms(wait.p50)}` : ''}`,
        visible.count ? `p50 ${ms(visible.p50)}, p99 ${ms(visible.p99)}` : 'n/a',
        r.cpu ? `${fixed(r.cpu.machineBusy, 0)} %` : 'n/a',
      ]);
    }
  return rows;
};

module.exports = { prepareBaseline, phase, comparisonRows };
