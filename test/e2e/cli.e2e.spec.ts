import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildIfStale, CLI_PATH, runCli } from '../support/embedded-node';

// The CLI as a user and a script meet it: help on every command (status 0), a usage error
// for an unknown command or option (message, status 2), and output into a pipe whose reader
// has gone away (`| head -1`) ending quietly instead of dying with EPIPE.

const COMMANDS = [
  [],
  ['status'],
  ['projections'],
  ['projections', 'status'],
  ['projections', 'rebuild'],
  ['demo'],
  ['doses'],
  ['doses', 'import'],
  ['store'],
  ['store', 'export'],
  ['store', 'import'],
  ['store', 'verify'],
  ['api-keys'],
  ['api-keys', 'issue'],
  ['api-keys', 'revoke'],
  ['api-keys', 'list'],
  ['vault'],
  ['vault', 'rotate-key'],
  ['jwt'],
  ['jwt', 'init'],
  ['jwt', 'token'],
];

describe('the CLI', () => {
  beforeAll(() => buildIfStale(), 300_000);

  it.each(COMMANDS.map((c) => [c.join(' ') || '(no command)', c]))('prints help for %s and exits 0', (_name, command) => {
    const run = runCli([...(command as string[]), '--help'], {});
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^Usage: npm run cli -- /);
    expect(run.status).toBe(0);
  });

  it('refuses an unknown command with a message and status 2', () => {
    const run = runCli(['projectoins', 'status'], {});
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("unknown command 'projectoins'");
  });

  it('refuses an unknown option with a message and status 2', () => {
    const run = runCli(['store', 'export', '--ot', 'x'], {});
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("unknown option '--ot'");
  });

  it('makes no token without the province of the caller (a forgotten one must not make a clinic national)', () => {
    const run = runCli(['jwt', 'token', '--role', 'clinic', '--org', '12440300MB1B2345QN', '--dir', '/nonexistent'], {});
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--province is required');
    expect(run.stdout).toBe('');
  });

  it('refuses an unknown projection name as a usage error, before opening any store', () => {
    const run = runCli(['projections', 'rebuild', 'nope'], { DATA_DIR: '/nonexistent/vx' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('unknown projection nope; known: all, ');
  });

  it('refuses a DATA_DIR that holds no node instead of creating an empty one there (a mistyped folder passed `log verify`)', () => {
    const parent = mkdtempSync(join(tmpdir(), 'vxl-cli-nonode-'));
    try {
      const dataDir = join(parent, 'typo');
      for (const command of [['log', 'verify'], ['store', 'export'], ['status'], ['projections', 'status'], ['api-keys', 'list']]) {
        const run = runCli(command, { DATA_DIR: dataDir, PORT: '1' });
        expect({ command, status: run.status, stdout: run.stdout }).toEqual({ command, status: 1, stdout: '' });
        expect(run.stderr).toContain(`DATA_DIR ${dataDir} holds no node yet`);
      }
      expect(existsSync(dataDir)).toBe(false);
      // An empty folder is no node either; it is left as it was.
      const empty = mkdtempSync(join(parent, 'empty-'));
      expect(runCli(['log', 'verify'], { DATA_DIR: empty }).status).toBe(1);
      expect(readdirSync(empty)).toEqual([]);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it('ends quietly when its output goes to `head -1`', () => {
    const run = spawnSync('bash', ['-c', `"${process.execPath}" "${CLI_PATH}" --help | head -1; echo "status \${PIPESTATUS[0]}" >&2`], {
      encoding: 'utf8',
    });
    expect(run.stdout).toBe('Usage: npm run cli -- [options] [command]\n');
    expect(run.stderr).toBe('status 0\n');
  });

  it('ends quietly when the reader closed the pipe before it wrote anything', async () => {
    const child = spawn(process.execPath, [CLI_PATH, 'jwt', 'token', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // every write now fails with EPIPE
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise((resolve) => child.once('exit', (c) => resolve(c)));
    expect(stderr).not.toMatch(/EPIPE|Error/);
    expect(code).toBe(0);
  });
});
