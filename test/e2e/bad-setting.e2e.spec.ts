import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';

// A bad setting stops the node before it opens anything: exit 2, one line per bad setting,
// naming it and why, never echoing the value.

const ROOT = join(__dirname, '..', '..');

describe('start-up with a bad setting', () => {
  beforeAll(() => {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'ignore' });
  }, 120_000);

  it.each([
    ['api', [join(ROOT, 'dist/apps/api/src/main.js')]],
    ['worker', [join(ROOT, 'dist/apps/worker/src/main.js'), '--role', 'projector']],
  ])('the %s exits 2 with one line naming each bad setting', (_name, args) => {
    const run = spawnSync(process.execPath, args, {
      env: { PATH: process.env.PATH, PORT: 'eighty', SYNC_IN_API: 'sometimes', PSEUDONYM_SECRET: 'short-secr' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/configuration: PORT must be an integer from 0 to 65535$/);
    expect(lines[1]).toMatch(/configuration: SYNC_IN_API must be one of on, off$/);
    expect(lines[2]).toMatch(/configuration: PSEUDONYM_SECRET must be at least 16 characters$/);
    expect(run.stderr).not.toContain('short-secr');
    expect(run.stdout).toBe('');
  });
});
