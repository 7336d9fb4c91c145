// The npm registry reachable on our build machines serves only the platform packages of
// linux-x64, so `npm install` writes a lock without the optional per-platform binaries of
// @swc/core and friends, and `npm ci` then refuses that lock as out of sync. This adds the
// missing optional entries with their platform (os/cpu/libc) so `npm ci` skips them here
// and fetches them by version elsewhere. Run after any change to dependencies:
//   npm install && node scripts/complete-lockfile.cjs
// See docs/adr/0005-lockfile-platform-packages.md.
const fs = require('node:fs');
const path = require('node:path');

const file = path.join(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const packages = lock.packages;

const OS = { darwin: 'darwin', win32: 'win32', linux: 'linux', android: 'android', freebsd: 'freebsd', openharmony: 'openharmony' };
const CPU = {
  x64: 'x64',
  arm64: 'arm64',
  ia32: 'ia32',
  arm: 'arm',
  ppc64: 'ppc64',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loong64',
};

const platformOf = (name) => {
  const tokens = name.split('/').pop().split('-');
  const os = tokens.find((t) => OS[t]);
  const cpu = tokens.find((t) => CPU[t]);
  if (!os || !cpu) return null;
  const entry = { os: [OS[os]], cpu: [CPU[cpu]] };
  if (os === 'linux') entry.libc = [tokens.some((t) => t.startsWith('musl')) ? 'musl' : 'glibc'];
  return entry;
};

let added = 0;
for (const [key, pkg] of Object.entries(packages)) {
  for (const [dep, range] of Object.entries(pkg.optionalDependencies ?? {})) {
    const at = `node_modules/${dep}`;
    if (packages[at]) continue;
    const platform = platformOf(dep);
    if (!platform) {
      console.error(`complete-lockfile: ${dep} (optional dependency of ${key || 'the root'}) is missing and its platform is unknown`);
      process.exitCode = 1;
      continue;
    }
    packages[at] = { version: range.replace(/^[\^~=]/, ''), ...(pkg.dev ? { dev: true } : {}), optional: true, ...platform };
    added++;
  }
}
const sorted = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
lock.packages = sorted;
fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lockfile: added ${added} optional platform entries`);
