// Compiles apps/ and libs/ into dist/ with swc, copies the wire contracts, and builds the web
// console (console/) into dist/console with Vite.
//   node scripts/build.cjs             build now
//   node scripts/build.cjs --if-stale  build only when a source is newer than the last build
// (`npm start`, `npm run cli` and `npm run worker` use --if-stale, so a built checkout starts
// at once.) The new tree is compiled beside dist/ and swapped in with two renames, never
// deleted in place, and builds are serialised with a lock (proper-lockfile), so two nodes
// started from one checkout never see a half-written or missing dist/.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const lockfile = require('proper-lockfile');

const root = path.join(__dirname, '..');
const dist = path.join(root, 'dist');
const stamp = path.join(dist, '.build-stamp');
const SOURCES = ['apps', 'libs', 'proto', 'console', '.swcrc', 'scripts/build.cjs'];

/** Newest modification time (ms) of what the build reads; spec files are not compiled. */
const newestSource = () => {
  let newest = 0;
  const visit = (file) => {
    let stat;
    try {
      stat = fs.statSync(file);
    } catch {
      return;
    }
    if (stat.isDirectory()) {
      for (const name of fs.readdirSync(file)) if (name !== 'node_modules') visit(path.join(file, name));
    } else if (!/\.spec\.ts$/.test(file)) newest = Math.max(newest, stat.mtimeMs);
  };
  for (const source of SOURCES) visit(path.join(root, source));
  return newest;
};

const builtAt = () => {
  try {
    return fs.statSync(stamp).mtimeMs;
  } catch {
    return 0;
  }
};

const isStale = () => builtAt() < newestSource();

const compile = (out) => {
  const swc = path.join(root, 'node_modules', '@swc', 'cli', 'bin', 'swc.js');
  for (const tree of ['apps', 'libs']) {
    const run = spawnSync(process.execPath, [swc, tree, '-d', path.join(out, tree), '--strip-leading-paths', '--copy-files', '--quiet'], {
      cwd: root,
      stdio: 'inherit',
    });
    if (run.status !== 0) throw new Error(`swc failed on ${tree}/`);
  }
  fs.cpSync(path.join(root, 'proto'), path.join(out, 'proto'), { recursive: true });
  // The web console (console/, React + Vite) is part of every build: the node serves it at /console.
  const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  const run = spawnSync(process.execPath, [vite, 'build', '--config', 'console/vite.config.mjs', '--outDir', path.join(out, 'console')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (run.status !== 0) throw new Error('vite failed on console/');
};

const build = () => {
  const started = Date.now();
  const next = path.join(root, `dist.next-${process.pid}`);
  const old = path.join(root, `dist.old-${process.pid}`);
  fs.rmSync(next, { recursive: true, force: true });
  compile(next);
  // The stamp carries the time the build started: a file saved during the build is newer.
  fs.writeFileSync(path.join(next, '.build-stamp'), `${new Date(started).toISOString()}\n`);
  fs.utimesSync(path.join(next, '.build-stamp'), started / 1000, started / 1000);
  if (fs.existsSync(dist)) fs.renameSync(dist, old);
  fs.renameSync(next, dist);
  fs.rmSync(old, { recursive: true, force: true });
  process.stderr.write(`vaxledger: built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
};

const main = async () => {
  const ifStale = process.argv.includes('--if-stale');
  if (ifStale && !isStale()) return;
  if (!fs.existsSync(path.join(root, 'node_modules', '@swc', 'cli'))) {
    // An install without dev dependencies (npm ci --omit=dev) cannot compile: run what was built.
    process.stderr.write('vaxledger: dist/ is older than the sources but swc is not installed (npm ci without dev dependencies?)\n');
    if (ifStale && fs.existsSync(dist)) return;
    process.exit(1);
  }
  // Another build from this checkout waits here, then finds dist/ fresh and does nothing.
  const release = await lockfile.lock(root, {
    lockfilePath: path.join(root, '.build.lock'),
    realpath: false,
    stale: 120_000,
    retries: { retries: 240, minTimeout: 250, maxTimeout: 500 },
  });
  try {
    if (!ifStale || isStale()) build();
  } finally {
    await release();
  }
};

main().catch((error) => {
  process.stderr.write(`vaxledger: build failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
