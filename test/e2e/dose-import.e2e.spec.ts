import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { residentIdCheckChar } from '@vaxledger/domain';
import { AS, ORGS, type ApiHarness } from '../support/api-harness';
import { buildIfStale, type EmbeddedNode, runCli, startEmbeddedNode } from '../support/embedded-node';
import { HEPB_PRODUCT, stockClinic } from '../support/scenario';

// Dose files on the embedded default (DATA_DIR, PGlite) as a clinic meets them: sent to the
// running node's POST /v1/doses/import, and given to `npm run cli -- doses import` once the
// node is stopped, with its summary, its exit status and its report of refusals (ADR 0030).

const LOT = 'E2ECSV01';
const BATCH = `${HEPB_PRODUCT}-${LOT}`;
const HEADER = '证件类型,证件号码,姓名,出生日期,性别,批次号,剂次,接种时间,接种途径,接种人员';
const residentId = (n: number): string => {
  const body = `44030520100307${String(n).padStart(3, '0')}`;
  return body + residentIdCheckChar(body);
};
const AT = new Date(Date.now() - 3 * 3_600_000).toISOString();
const row = (n: number, route = 'IM'): string =>
  `RESIDENT_ID,${residentId(n)},孩子${n},2010-03-07,${n % 2 === 1 ? '男' : '女'},${BATCH},1,${AT},${route},V-01`;
const file = (rows: readonly string[]): string => `\ufeff${HEADER}\r\n${rows.join('\r\n')}\r\n`;

describe('dose files on the embedded default', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vx-import-'));
  let node: EmbeddedNode | null = null;

  beforeAll(async () => {
    buildIfStale();
    node = await startEmbeddedNode(dataDir);
    // The supply chain through the node's API (the scenario only needs its HTTP client and a settle).
    const running = node;
    await stockClinic({ http: running.http, settle: () => running.settle() } as unknown as ApiHarness, { lot: LOT, quantity: 30 });
  }, 300_000);
  afterAll(async () => {
    await node?.stop('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('takes a file over HTTP on the running node, one outcome per row', async () => {
    const res = await node!.http
      .post('/v1/doses/import')
      .set(AS.clinic)
      .set('content-type', 'text/csv; charset=utf-8')
      .send(file([row(1), row(2), row(3, 'oral')]));
    expect(res.status).toBe(200);
    expect(res.body.outcomes.map((o: { status: string; code?: string }) => o.code ?? o.status)).toEqual([
      'recorded',
      'recorded',
      'VALIDATION_FAILED',
    ]);
    expect(await node!.stop('SIGTERM')).toBe(0);
    node = null;
  }, 60_000);

  it('imports with the CLI once the node is stopped: summary, exit status, report, and nothing twice', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vx-import-files-'));
    try {
      const env = { DATA_DIR: dataDir, PORT: '1' };
      const rows = Array.from({ length: 12 }, (_, n) => row(10 + n));
      writeFileSync(join(dir, 'good.csv'), file([row(1), ...rows]));
      const first = runCli(['doses', 'import', join(dir, 'good.csv'), '--site', ORGS.clinic], env, 120_000);
      expect({ status: first.status, stderr: first.stderr }).toMatchObject({ status: 0 });
      expect(first.stdout).toMatch(/13 rows in .* 12 recorded, 1 duplicates \(recorded before\), 0 refused/);

      const again = runCli(['doses', 'import', join(dir, 'good.csv'), '--site', ORGS.clinic], env, 120_000);
      expect(again.status).toBe(0);
      expect(again.stdout).toMatch(/0 recorded, 13 duplicates \(recorded before\), 0 refused/);

      // 30 units, 14 used: the first row takes one more, then a bad route and a bad ID number.
      const bad = `${residentId(40).slice(0, 17)}${residentId(40).endsWith('1') ? '2' : '1'}`;
      writeFileSync(join(dir, 'bad.csv'), file([row(30), row(31, 'oral'), row(40).replace(residentId(40), bad)]));
      const report = join(dir, 'refused.csv');
      const refused = runCli(['doses', 'import', join(dir, 'bad.csv'), '--site', ORGS.clinic, '--report', report], env, 120_000);
      expect(refused.status).toBe(1);
      expect(refused.stdout).toMatch(/1 recorded, 0 duplicates \(recorded before\), 2 refused/);
      expect(refused.stdout).toContain('refused VALIDATION_FAILED: 1');
      expect(refused.stdout).toContain('refused INVALID_PERSON_ID: 1');
      const text = readFileSync(report, 'utf8');
      expect(text.replace(/^\ufeff/, '').split('\r\n')).toEqual([
        'row,line,code,field,reason',
        '2,3,VALIDATION_FAILED,route,"route must be one of: IM, SC, ID, PO, IN"',
        '3,4,INVALID_PERSON_ID,idNumber,the RESIDENT_ID number has a wrong check character (last character): probably a typing error (INVALID_CHECK_CHARACTER)',
        '',
      ]);
      // Neither the output nor the report names a person.
      expect(`${refused.stdout}${refused.stderr}${text}`).not.toMatch(/孩子|4403052010030/);

      // A report that could not be written is found before anything is recorded; an unreadable file is a failure (1).
      const before = runCli(
        ['doses', 'import', join(dir, 'bad.csv'), '--site', ORGS.clinic, '--report', join(dir, 'no', 'r.csv')],
        env,
        120_000,
      );
      expect({ status: before.status, stdout: before.stdout }).toEqual({ status: 2, stdout: '' });
      expect(before.stderr).toContain(`the folder ${join(dir, 'no')} does not exist`);
      const folder = runCli(['doses', 'import', join(dir, 'bad.csv'), '--site', ORGS.clinic, '--report', dir], env, 120_000);
      expect(folder.status).toBe(2);
      expect(folder.stderr).toContain('is a folder');
      const missing = runCli(['doses', 'import', join(dir, 'none.csv'), '--site', ORGS.clinic], env, 120_000);
      expect(missing.status).toBe(1);
      expect(missing.stderr).toContain('cannot read');

      const unknown = runCli(['doses', 'import', join(dir, 'good.csv'), '--site', ORGS.cdc], env, 120_000);
      expect(unknown.status).toBe(2);
      expect(unknown.stderr).toContain('is a cdc, doses are recorded by clinics');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
