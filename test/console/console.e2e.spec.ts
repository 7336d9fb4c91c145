import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { usccCheckChar } from '@vaxledger/domain';
import { createCertificateKeys } from '../../apps/api/src/infrastructure/certificate-keys';
import { AS, ORGS, startApi, type ApiHarness } from '../support/api-harness';
import { ensureConsoleBuilt, expectAccessible, launchChromium, residentId, screenshot, expectText, textWhen } from './browser';
import { buildScenario, type ConsoleScenario } from './console-scenario';

/**
 * The web console in a real browser (Debian's Chromium through playwright-core) against a real
 * node, from an empty state, through the public API only: each role's main flow, the dose
 * screen's refusals, and axe-core on every page.
 */
jest.setTimeout(120_000);

let api: ApiHarness;
let base: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let data: ConsoleScenario;
let keysDir: string;
/** The node's certificate issuer: a card the clinic issues must name it. */
const ISSUER = 'https://console-e2e.vaxledger.example';
/** The AEFI report the clinic makes in the browser (the CDC takes it, the regulator sees its class). */
let clinicReport = '';

const ROLE_LABEL = { regulator: '药品监管部门', cdc: '疾病预防控制中心', clinic: '接种单位', manufacturer: '疫苗生产企业' } as const;

const signInAs = async (role: keyof typeof ROLE_LABEL): Promise<void> => {
  await context.clearCookies();
  await page.goto(`${base}/console/`);
  await page.evaluate('sessionStorage.clear()');
  await page.goto(`${base}/console/`);
  await expectText(page.getByText('开发模式').first(), '开发模式');
  await page.getByText(ROLE_LABEL[role], { exact: true }).click();
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('button', { name: '退出' }).waitFor();
};

/** One form field (label, control, and the error antd shows under it). */
const field = (label: string) => page.locator('.ant-form-item', { has: page.getByLabel(label, { exact: true }) });
const fieldError = (label: string) => field(label).locator('.ant-form-item-explain-error');

beforeAll(async () => {
  ensureConsoleBuilt();
  browser = await launchChromium();
  keysDir = mkdtempSync(join(tmpdir(), 'vxl-console-cert-'));
  createCertificateKeys(join(keysDir, 'certificate-keys.json'), ISSUER);
  api = await startApi({ CERTIFICATE_KEYS_FILE: join(keysDir, 'certificate-keys.json') });
  const server = api.app.getHttpServer() as Server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  data = await buildScenario(api);
  context = await browser.newContext({
    viewport: { width: 1366, height: 900 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    acceptDownloads: true,
  });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
}, 180_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await api?.close();
  if (keysDir) rmSync(keysDir, { recursive: true, force: true });
});

const personA = residentId('510104', '1990-03-07', 21);
const personB = residentId('510104', '1988-06-01', 22);

const scanAndIdentify = async (traceCode: string | null, idNumber: string): Promise<void> => {
  if (traceCode) {
    await page.getByLabel('追溯码', { exact: true }).fill(traceCode);
    await page.getByLabel('追溯码', { exact: true }).press('Enter');
  }
  await page.getByLabel('证件号码', { exact: true }).fill(idNumber);
  await page.getByLabel('证件号码', { exact: true }).press('Enter');
  await page.getByTestId('person-record').waitFor();
  await page.getByLabel('姓名', { exact: true }).fill('王小明');
  await page.getByLabel('接种人员', { exact: true }).fill('V-0042');
};

describe('clinic: the dose screen', () => {
  it('records a scanned dose, shows the record from every province, and explains each refusal beside its field', async () => {
    await signInAs('clinic');
    await page.getByRole('heading', { name: '接种登记' }).waitFor();
    await expectAccessible(page);

    // A keyboard-wedge scanner types the digits and Enter: the batch follows from the unit.
    await scanAndIdentify(data.s.codes[0]!, personA);
    await expectText(page.getByTestId('unit-state'), '在库');
    await expectText(field('批次'), data.s.batchId);
    await expectText(page.getByTestId('person-record'), '尚无接种记录');
    await screenshot(page, 'clinic-dose-screen');
    await page.getByRole('button', { name: '登记接种' }).click();
    await page.getByText('接种已登记').waitFor();

    // The same unit again, for someone else: already used.
    await scanAndIdentify(data.s.codes[0]!, personB);
    await page.getByRole('button', { name: '登记接种' }).click();
    await expectText(fieldError('追溯码'), '该最小包装已使用 (TRACE_CODE_USED)');

    // The first person's second dose, today: too soon after the first (HepB: 28 days).
    await page.getByRole('button', { name: '下一位' }).click();
    await scanAndIdentify(data.s.codes[1]!, personA);
    await expectText(page.getByTestId('person-record'), data.s.batchId);
    await page.getByLabel('剂次', { exact: true }).fill('2');
    await page.getByRole('button', { name: '登记接种' }).click();
    await expectText(fieldError('接种时间'), '距上一剂间隔不足 (INTERVAL_TOO_SHORT)');
    // The record speaks Chinese: vaccine type and status are words, not the API's codes.
    const recordText = await textWhen(page.getByTestId('person-record'), '乙肝疫苗');
    expect(recordText).toContain('有效');
    expect(recordText).not.toMatch(/HepB|valid/);
    // Dose 2 is not due for four weeks: not flagged.
    await expect(page.getByTestId('series-HepB').textContent()).resolves.not.toContain('已到应种日期');

    // A unit of a batch that expired while at the clinic.
    await page.getByRole('button', { name: '下一位' }).click();
    await scanAndIdentify(data.e.codes[0]!, personB);
    await page.getByRole('button', { name: '登记接种' }).click();
    await expectText(fieldError('批次'), '该批次已过期 (BATCH_EXPIRED)');

    // A batch that is not serialised, whose stock here is used up.
    await page.getByRole('button', { name: '下一位' }).click();
    await scanAndIdentify(null, personB);
    await page.getByLabel('批次', { exact: true }).click();
    await page.getByTitle(new RegExp(`^${data.n.batchId}`)).click();
    await page.getByRole('button', { name: '登记接种' }).click();
    await expectText(fieldError('批次'), '本单位该批次已无库存 (INSUFFICIENT_STOCK)');

    // Someone whose second HepB dose has been due for weeks: flagged as due now.
    await page.getByRole('button', { name: '下一位' }).click();
    await page.getByLabel('证件号码', { exact: true }).fill(data.duePerson);
    await page.getByLabel('证件号码', { exact: true }).press('Enter');
    await expectText(page.getByTestId('series-HepB'), '已到应种日期');

    // Bad input never reaches the API: a short trace code is refused in the form.
    await page.getByRole('button', { name: '下一位' }).click();
    await page.getByLabel('追溯码', { exact: true }).fill('12345');
    await page.getByLabel('追溯码', { exact: true }).press('Enter');
    await expectText(fieldError('追溯码').first(), '追溯码为 20 位数字');
    // An ID number whose check character is wrong is refused by the ledger's own rule (libs/domain).
    const wrongCheck = `${personA.slice(0, 17)}${personA.endsWith('0') ? '1' : '0'}`;
    await page.getByLabel('证件号码', { exact: true }).fill(wrongCheck);
    await page.getByLabel('证件号码', { exact: true }).press('Enter');
    await expectText(fieldError('证件号码'), '证件号码无效：校验码不符');
  });

  it('reports an adverse event following a dose, and issues a signed certificate whose QR code names this node', async () => {
    await page.getByRole('button', { name: '下一位' }).click();
    await page.getByLabel('证件号码', { exact: true }).fill(personA);
    await page.getByLabel('证件号码', { exact: true }).press('Enter');
    const record = page.getByTestId('person-record');
    await expectText(record, data.s.batchId);
    // What the report sends is watched: the person's document from the lookup, the dose's event, codes chosen from words.
    const sent: Record<string, unknown>[] = [];
    const watch = (request: Request): void => {
      if (request.method() === 'POST' && request.url().endsWith('/v1/aefi')) sent.push(request.postDataJSON() as Record<string, unknown>);
    };
    page.on('request', watch);
    await record
      .getByRole('row', { name: new RegExp(data.s.batchId) })
      .getByRole('button', { name: '报告疑似异常反应' })
      .click();
    const dialog = page.getByRole('dialog');
    await expectText(dialog.getByTestId('aefi-dose'), `乙肝疫苗 第 1 剂`);
    await expectText(dialog.getByTestId('aefi-dose'), data.s.batchId);
    // No sign chosen and a phone number that is not one: stopped in the form.
    await dialog.getByLabel('联系电话', { exact: true }).fill('妈妈的电话');
    await dialog.getByRole('button', { name: '提交报告' }).click();
    await expectText(fieldError('主要临床表现'), '必填');
    await expectText(fieldError('联系电话'), '电话号码为 5 至 25 位数字');
    expect(sent).toEqual([]);
    await expectAccessible(page);
    await dialog.getByLabel('主要临床表现', { exact: true }).click();
    await page.getByTitle('发热（38.6–39.5 ℃）').click();
    await page.getByTitle('热性惊厥').click();
    await dialog.getByTestId('aefi-dose').click();
    await dialog.getByLabel('严重异常反应', { exact: true }).click();
    await dialog.getByLabel('住院或延长住院时间', { exact: true }).check();
    await dialog.getByLabel('病情描述', { exact: true }).fill('接种后当晚发热 38.8 ℃，抽搐一次，已住院观察');
    await dialog.getByLabel('联系电话', { exact: true }).fill('13912345678');
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/v1/aefi')),
      dialog.getByRole('button', { name: '提交报告' }).click(),
    ]);
    expect(answer.status()).toBe(201);
    clinicReport = String(((await answer.json()) as { id: string }).id);
    await page.getByText('报告已提交').waitFor();
    page.off('request', watch);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      person: { idType: 'RESIDENT_ID', idNumber: personA },
      signs: ['fever_38_5', 'seizure_febrile'],
      serious: true,
      seriousCriteria: ['hospitalisation'],
      cluster: false,
      outcome: 'recovering',
      contact: { phone: '13912345678' },
    });
    expect(sent[0]!.doseEventIds).toHaveLength(1);
    // The record lists the report beside its dose, in words.
    const listed = await textWhen(record.getByTestId('dose-aefi'), '热性惊厥');
    expect(listed).toContain('发热（38.6–39.5 ℃）');
    expect(listed).toContain('严重');
    expect(listed).toContain('未分类');

    // The certificate: a QR image the browser can draw, what it covers, and a card this node signed.
    await page.getByRole('button', { name: '出具电子接种证明' }).click();
    const card = page.getByTestId('certificate');
    await card.waitFor();
    const qr = page.getByTestId('certificate-qr');
    await expect(qr.getAttribute('src')).resolves.toMatch(/^data:image\/png;base64,/);
    await expect(
      qr.evaluate((img) => (img as unknown as { complete: boolean; naturalWidth: number }).naturalWidth),
    ).resolves.toBeGreaterThan(100);
    await expectText(page.getByTestId('certificate-doses'), '1');
    await expectText(card, '不设失效日期');
    await expectText(card, ISSUER);
    await expect(page.getByRole('button', { name: '打印' }).isEnabled()).resolves.toBe(true);
    await expectAccessible(page);
    await screenshot(page, 'clinic-certificate');
    await card.getByText('二维码内容').click();
    const text = (await page.getByTestId('certificate-qr-text').textContent()) ?? '';
    const numeric = /shc:\/(\d+)/.exec(text)?.[1] ?? '';
    expect(numeric.length % 2).toBe(0);
    const jws = (numeric.match(/\d\d/g) ?? []).map((pair) => String.fromCharCode(Number(pair) + 45)).join('');
    const payload = JSON.parse(inflateRawSync(Buffer.from(jws.split('.')[1] ?? '', 'base64url')).toString('utf8')) as {
      iss: string;
      vc: { credentialSubject: { fhirBundle: { entry: { resource: { resourceType: string; name?: { text: string }[] } }[] } } };
    };
    expect(payload.iss).toBe(ISSUER);
    const resources = payload.vc.credentialSubject.fhirBundle.entry.map((e) => e.resource);
    expect(resources.filter((r) => r.resourceType === 'Immunization')).toHaveLength(1);
    expect(resources.find((r) => r.resourceType === 'Patient')?.name?.[0]?.text).toBe('王小明');
    await page.locator('.ant-modal-footer').getByRole('button', { name: '关闭' }).click();
  });
});

describe('AEFI: the CDC takes the card and classifies it; the regulator and the manufacturer see the batch’s reports and signal', () => {
  const queue = () => page.getByTestId('aefi-queue');
  const queued = (): Promise<(string | null)[]> =>
    queue()
      .locator('tr.ant-table-row')
      .evaluateAll((rows) =>
        rows.map((row) => (row as unknown as { getAttribute(name: string): string | null }).getAttribute('data-row-key')),
      );
  const queueRow = (reportId: string) => queue().locator(`tr[data-row-key="${reportId}"]`);
  /** Waits until the queue shows these reports in this order (a page arrives after its request). */
  const queuedBecomes = async (expected: string[]): Promise<void> => {
    let last: (string | null)[] = [];
    for (const until = Date.now() + 10_000; Date.now() < until; await page.waitForTimeout(100)) {
      last = await queued();
      if (JSON.stringify(last) === JSON.stringify(expected)) break;
    }
    expect(last).toEqual(expected);
  };

  it('CDC: lists the reports earliest deadline first, the overdue one marked; acknowledges the clinic’s and classifies it', async () => {
    expect(clinicReport).not.toBe('');
    await signInAs('cdc');
    const cdcReads = async (): Promise<string[]> =>
      (await api.runtime.store.readAll({ after: 0n, limit: 100_000 }))
        .filter((e) => e.type === 'PersonRecordRead' && (e.metadata as { actor?: { orgCode?: string } }).actor?.orgCode === ORGS.cdc)
        .map((e) => (e.data as { personId: string }).personId);
    const readBefore = (await cdcReads()).length;
    const firstPage = page.waitForResponse((r) => r.request().method() === 'GET' && new URL(r.url()).pathname.endsWith('/v1/aefi'));
    await page.getByRole('menuitem', { name: '疑似异常反应' }).click();
    await page.getByRole('heading', { name: '疑似预防接种异常反应' }).waitFor();
    await queueRow(data.aefi.fresh).waitFor();
    // One page from the API, sorted there; each person it shows is in the CDC's access trail (the
    // page may be fetched again meanwhile, each fetch audited: the trail holds the shown persons only).
    const answer = await firstPage;
    expect(Object.fromEntries(new URL(answer.url()).searchParams)).toEqual({ page: '1', pageSize: '20', sort: 'deadlineAt', order: 'asc' });
    const shown = ((await answer.json()) as { items: { personId: string }[] }).items.map((r) => r.personId);
    expect(shown).toHaveLength(3);
    expect([...new Set((await cdcReads()).slice(readBefore))].sort()).toEqual([...new Set(shown)].sort());
    // Deadlines: the overdue one (48 h after three days ago), the clinic's serious one (2 h), the fresh one (48 h).
    await expect(queued()).resolves.toEqual([data.aefi.overdue, clinicReport, data.aefi.fresh]);
    await expect(queueRow(data.aefi.overdue).getAttribute('class')).resolves.toContain('aefi-overdue');
    await expectText(queueRow(data.aefi.overdue), /已超时 2[34] 小时/);
    await expectText(page.getByTestId('aefi-overdue-count'), '已超时 1 份');
    const clinicRow = await textWhen(queueRow(clinicReport), '深圳市南山区预防接种门诊');
    expect(clinicRow).toMatch(/剩余 1 小时 \d+ 分/);
    expect(clinicRow).toContain('发热（38.6–39.5 ℃）；热性惊厥');
    expect(clinicRow).toContain('严重');
    expect(clinicRow).toContain('未分类');
    await expect(queueRow(clinicReport).getAttribute('class')).resolves.not.toContain('aefi-overdue');
    expect(await queue().textContent()).not.toMatch(/fever_|seizure_|injection_site|unclassified/);
    await expectAccessible(page);
    await screenshot(page, 'cdc-aefi');

    await queueRow(clinicReport).getByRole('button', { name: '接收' }).click();
    const drawer = page.getByTestId('aefi-report');
    await expectText(drawer, '已接收报告');
    await expect(drawer.textContent()).resolves.not.toContain('尚未接收');
    expect(page.url()).toContain(`/aefi/${clinicReport}`);
    await expectText(drawer, '住院或延长住院时间');
    await expectText(drawer, '由报告单位保存');
    await page.getByRole('combobox', { name: '分类' }).click();
    await page.getByTitle('一般反应', { exact: true }).click();
    await page.getByRole('button', { name: '分类', exact: true }).click();
    await page.getByText('分类已保存').waitFor();
    await expectText(drawer.locator('.ant-tag', { hasText: '一般反应' }), '一般反应');
    await expectAccessible(page);
    await page.locator('.ant-drawer-close').click();
    // Acknowledged, it has left the queue.
    await expect(queueRow(clinicReport).waitFor({ state: 'detached' })).resolves.toBeUndefined();
    await expect(queued()).resolves.toEqual([data.aefi.overdue, data.aefi.fresh]);
  });

  it('regulator: sees the queue and the overdue report, the class the CDC gave, the signal and the batch’s summary', async () => {
    await signInAs('regulator');
    await page.getByRole('menuitem', { name: '疑似异常反应' }).click();
    await queueRow(data.aefi.fresh).waitFor();
    await expect(queued()).resolves.toEqual([data.aefi.overdue, data.aefi.fresh]);
    // Sorting is the API's: a column header asks for the order, it is not sorted in the browser.
    const sorted = (order: string) =>
      page.waitForResponse((r) => {
        const url = new URL(r.url());
        return (
          url.pathname.endsWith('/v1/aefi') && url.searchParams.get('sort') === 'discoveredAt' && url.searchParams.get('order') === order
        );
      });
    const discovered = queue().getByRole('columnheader', { name: '发现时间' });
    await Promise.all([sorted('asc'), discovered.click()]);
    await queuedBecomes([data.aefi.overdue, data.aefi.fresh]);
    await Promise.all([sorted('desc'), discovered.click()]);
    await queuedBecomes([data.aefi.fresh, data.aefi.overdue]);
    // The overdue reports are a list of their own: its first page, in the API's default order.
    await page.getByText('仅已超时', { exact: true }).click();
    await queueRow(data.aefi.fresh).waitFor({ state: 'detached' });
    await queuedBecomes([data.aefi.overdue]);
    // No acknowledging here: that is the CDC's.
    await expect(queueRow(data.aefi.overdue).getByRole('button', { name: '接收' }).count()).resolves.toBe(0);
    await expectAccessible(page);
    // A report no longer in the queue, opened by its number: the CDC's class.
    await page.getByLabel('报告编号', { exact: true }).fill(clinicReport);
    await page.getByLabel('报告编号', { exact: true }).press('Enter');
    const drawer = page.getByTestId('aefi-report');
    await expectText(drawer, '一般反应');
    await expectText(drawer, '已接收报告');
    await page.locator('.ant-drawer-close').click();

    await page.getByRole('menuitem', { name: '异常反应信号' }).click();
    const signal = page.getByTestId('aefi-signals').getByRole('row', { name: new RegExp(data.s.batchId) });
    const line = await textWhen(signal, '未召回');
    expect(line).toContain('未召回');
    await expectAccessible(page);
    await screenshot(page, 'regulator-aefi-signals');

    await signal.getByRole('link', { name: data.s.batchId }).click();
    await page.getByRole('heading', { name: `批次 ${data.s.batchId}` }).waitFor();
    const summary = page.getByTestId('batch-aefi');
    await expectText(summary, '报告数');
    await expectText(page.getByTestId('batch-aefi-classes'), '一般反应 1');
    await expectText(page.getByTestId('batch-aefi-classes'), '未分类 2');
    await expectText(page.getByTestId('batch-aefi-signals'), '3 剂中报告 3 例（每 10 万剂 100,000.0 例）');
    // Against E's four doses without a report (half a report, ADR 0037): expected 3 × 0.5 / 4 = 0.375.
    await expectText(page.getByTestId('batch-aefi-signals'), 'P = 0.0067');
    // Three reports, one serious, on three doses (two from the scenario, the clinic's today): 100,000 per 100,000.
    const stats = await summary.locator('.ant-statistic').allTextContents();
    expect(stats.join('|')).toMatch(/^报告数3\|严重1\|非严重2\|每 10 万剂报告数100,?000\.0$/);
    await expectText(page.getByTestId('batch-aefi-reports'), '热性惊厥');
    await expectAccessible(page);
  });
});

describe('regulator: audit a batch, recall it, download the impact', () => {
  it('finds the batch from a scanned trace code and shows its history, stock, doses and chart', async () => {
    await signInAs('regulator');
    await page.getByRole('heading', { name: '查找批次' }).waitFor();
    await page.getByTestId('batch-search').fill(data.s.codes[2]!);
    await page.getByTestId('batch-search').press('Enter');
    await page.getByRole('heading', { name: `批次 ${data.s.batchId}` }).waitFor();
    const timeline = await textWhen(page.getByTestId('timeline'), '深圳市南山区预防接种门诊');
    for (const step of ['生产', '批签发', '发货', '收货', '四川省疾病预防控制中心', '深圳市南山区预防接种门诊', '510000'])
      expect(timeline).toContain(step);
    // Two earlier days (5 and 3 days ago) and today's dose from the clinic screen; the days
    // between them are on the axis too, at 0: six days from the first dose to today.
    await expect(page.getByTestId('doses-chart').getAttribute('data-dose-days')).resolves.toBe(String(data.sDoseDays + 1));
    await expect(page.getByTestId('doses-chart').getAttribute('data-points')).resolves.toBe('6');
    await expect(page.getByTestId('doses-chart').locator('canvas').count()).resolves.toBeGreaterThan(0);
    await expectText(page.getByTestId('doses-by-site'), /深圳市南山区预防接种门诊.*3/);
    await expectAccessible(page);
    await screenshot(page, 'regulator-batch');

    await page.getByRole('button', { name: '发起召回' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('原因说明').fill('效价低于标准');
    await expectAccessible(page);
    await dialog.getByRole('button', { name: '发起召回' }).click();
    await page.getByText('召回已发起').waitFor();
    await expectText(page.getByRole('heading', { name: `批次 ${data.s.batchId}` }), '已召回');
    // Its kind and level in words (not "L1").
    await expectText(page.locator('.ant-descriptions'), '召回 一级（最严重）');
  });

  it('lists the recall impact by province and site and downloads it as a pseudonymous CSV', async () => {
    await page.getByRole('button', { name: '召回影响' }).click();
    await page.getByRole('heading', { name: `${data.s.batchId} 的召回影响` }).waitFor();
    await expectText(page.getByTestId('recipients-by-site'), /440000.*深圳市南山区预防接种门诊.*3/);
    await expectAccessible(page);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '下载 CSV（假名化）' }).click()]);
    const csv = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\n');
    expect(csv[0]).toBe('personId,siteCode,administeredAt,originProvince');
    expect(csv).toHaveLength(4);
    expect(csv.join('\n')).not.toContain(personA);
    expect(csv.slice(1).every((line) => line.includes(ORGS.clinic))).toBe(true);

    await page.getByRole('menuitem', { name: '访问审计' }).click();
    await page.getByText('导出召回影响').first().waitFor();
    await expect(page.getByText('查询受种者').count()).resolves.toBeGreaterThan(0);
    // Purposes and roles in words: the clinic looked people up for vaccination, the regulator exported for a recall.
    const audit = await textWhen(page.locator('.ant-table'), '召回随访');
    expect(audit).toContain('接种服务');
    expect(audit).toContain('接种单位');
    expect(audit).not.toMatch(/recall_follow_up|treatment|public_health|clinic|regulator/);
    await expectAccessible(page);
    await page.getByRole('menuitem', { name: '召回' }).click();
    await page.getByRole('link', { name: data.s.batchId }).waitFor();
    await expectText(page.getByRole('row', { name: new RegExp(data.s.batchId) }), '一级');
    await expectAccessible(page);
  });

  it('filters the access audit by person, batch, organisation and China-time days, the last seven by default', async () => {
    const chinaDay = (daysAgo: number): string => new Date(Date.now() + 8 * 3_600_000 - daysAgo * 86_400_000).toISOString().slice(0, 10);
    const rows = page.getByTestId('audit-trail').locator('tr.ant-table-row');
    const column = (n: number): Promise<string[]> => rows.locator(`td:nth-child(${n})`).allTextContents();
    /** The trail as the node answered the query holding this text (the filters and the cursor). */
    const loaded = (text: string) => page.locator(`[data-testid="audit-trail"][data-loaded*='${text}']`).waitFor();
    const search = () => page.getByRole('button', { name: '查询', exact: true }).click();

    await page.getByRole('menuitem', { name: '访问审计' }).click();
    await expect(page.getByLabel('起始日期').inputValue()).resolves.toBe(chinaDay(6));
    await expect(page.getByLabel('截止日期').inputValue()).resolves.toBe(chinaDay(0));
    await loaded(`"fromDate":"${chinaDay(6)}"`);
    await expectText(page.getByTestId('audit-window'), `${chinaDay(6)} 至 ${chinaDay(0)}`);
    // Newest first: the top row is the last read the trail lists oldest first.
    const oldestFirst = await api.http.get('/v1/audit/access?limit=1000').set(AS.regulator).expect(200);
    const trail = oldestFirst.body.events as { eventId: string }[];
    expect(trail.length).toBeGreaterThan(1);
    await expect(rows.first().getAttribute('data-row-key')).resolves.toBe(trail.at(-1)!.eventId);
    const times = await column(1);
    expect(times).toEqual([...times].sort().reverse());
    await expectAccessible(page);

    // One person: every read of them, and nothing else.
    const person = (await rows.filter({ hasText: '查询受种者' }).first().locator('td:nth-child(4)').textContent())!.trim();
    expect(person).toMatch(/^p1[a-z2-7]{26}$/);
    await page.getByLabel('受种者假名').fill(person);
    await search();
    await loaded(person);
    const subjects = await column(4);
    expect(subjects.length).toBeGreaterThan(0);
    expect(new Set(subjects)).toEqual(new Set([person]));

    // One batch: its recall-impact exports.
    await page.getByLabel('受种者假名').fill('');
    await page.getByLabel('批次号').fill(data.s.batchId);
    await search();
    await loaded(data.s.batchId);
    const what = await column(3);
    expect(what.length).toBeGreaterThan(0);
    expect(new Set(what)).toEqual(new Set(['导出召回影响']));

    // One organisation, picked by name: the clinic's lookups and reads.
    await page.getByLabel('批次号').fill('');
    const picker = page.getByRole('combobox', { name: '访问机构' });
    await picker.click();
    await picker.fill('南山');
    await page.getByTitle(/深圳市南山区预防接种门诊/).click();
    await search();
    await loaded(ORGS.clinic);
    const who = await column(2);
    expect(who.length).toBeGreaterThan(0);
    expect(new Set(who)).toEqual(new Set([`接种单位 ${ORGS.clinic}`]));

    // Days long past: nothing was read then. An end before the start, or a bad pseudonym, is stopped in the form.
    await page.getByRole('button', { name: '重置' }).click();
    await page.getByLabel('起始日期').fill(chinaDay(30));
    await page.getByLabel('起始日期').press('Enter');
    await page.getByLabel('截止日期').fill(chinaDay(40));
    await page.getByLabel('截止日期').press('Enter');
    await page.getByLabel('受种者假名').fill('p1abc');
    await search();
    await expectText(fieldError('截止日期'), '截止日期不能早于起始日期');
    await expectText(fieldError('受种者假名'), '假名为 p1');
    await page.getByLabel('受种者假名').fill('');
    await page.getByLabel('截止日期').fill(chinaDay(20));
    await page.getByLabel('截止日期').press('Enter');
    await search();
    await loaded(`"toDate":"${chinaDay(20)}"`);
    await expect(rows.count()).resolves.toBe(0);
    await expectText(page.getByTestId('audit-window'), `${chinaDay(30)} 至 ${chinaDay(20)}`);
    await expectAccessible(page);
  });

  it('switches to English', async () => {
    await page.getByRole('menuitem', { name: '批次' }).click();
    await page.getByText('English', { exact: true }).click();
    await page.getByRole('heading', { name: 'Find a batch' }).waitFor();
    await expect(page.getByRole('button', { name: 'Sign out' }).isVisible()).resolves.toBe(true);
    await page.getByText('中文', { exact: true }).click();
    await page.getByRole('heading', { name: '查找批次' }).waitFor();
  });

  it('the clinic is then refused a unit of the recalled batch', async () => {
    await signInAs('clinic');
    await scanAndIdentify(data.s.codes[2]!, personB);
    await page.getByRole('button', { name: '登记接种' }).click();
    await expectText(fieldError('批次'), '该批次已召回，禁止使用 (BATCH_RECALLED)');
  });
});

describe('CDC: shipments in and out, stock', () => {
  const row = (text: string) => page.getByRole('row', { name: new RegExp(text) });

  it('receives a shipment by its delivery note, dispatches part of it to a clinic, and sees stock with the recalled batch marked', async () => {
    await signInAs('cdc');
    await page.getByRole('heading', { name: '库存' }).waitFor();
    await expectText(row(data.s.batchId), '已召回');
    await expectAccessible(page);

    await page.getByRole('menuitem', { name: '发货与收货' }).click();
    await expectText(row('DN-CDC-IN'), '在途');
    await expectAccessible(page);
    // What the receipt sends is watched: it must carry only what the user typed or ticked.
    const receipts: unknown[] = [];
    const watch = (request: Request): void => {
      if (request.method() === 'POST' && request.url().endsWith('/receipt')) receipts.push(request.postDataJSON());
    };
    page.on('request', watch);
    await row('DN-CDC-IN').getByRole('button', { name: '收货' }).click();
    const receive = page.getByRole('dialog');
    await expectAccessible(page);
    // Nothing is filled in for the user: no temperature, no device, the certificate not ticked.
    await expect(receive.getByLabel('到货温度（°C）').inputValue()).resolves.toBe('');
    await expect(receive.getByLabel('温度记录仪或温度计编号').inputValue()).resolves.toBe('');
    await expect(receive.getByLabel('已核对批签发证明').isChecked()).resolves.toBe(false);
    // The hint about rejected doses is a line of its own, not squeezed beside a field.
    const hint = await receive.getByTestId('receive-hint').boundingBox();
    const form = await receive.locator('form').boundingBox();
    expect(hint!.width).toBeGreaterThan(form!.width * 0.9);
    // Accepting doses without a temperature is stopped in the form (the ledger would refuse it).
    await receive.getByRole('button', { name: '收货' }).click();
    await expectText(fieldError('到货温度（°C）'), '接收疫苗须填写到货温度');
    await receive.getByLabel('到货温度（°C）').fill('5.5');
    await receive.getByRole('button', { name: '收货' }).click();
    await expectText(fieldError('温度记录仪或温度计编号'), '请填写读取该温度的设备编号');
    expect(receipts).toEqual([]);
    await receive.getByLabel('温度记录仪或温度计编号').fill('TL-0815');
    await receive.getByRole('button', { name: '收货' }).click();
    await expectText(row('DN-CDC-IN'), '已收货');
    page.off('request', watch);
    expect(receipts).toHaveLength(1);
    expect(receipts[0]).toMatchObject({
      verification: { result: 'accepted', releaseCertificateChecked: false },
      temperatureLog: { deviceId: 'TL-0815', readings: [{ celsius: 5.5 }] },
    });

    await page.getByRole('button', { name: '发货', exact: true }).click();
    const dialog = page.getByRole('dialog');
    // Addressed to itself: the ledger's refusal is shown in Chinese (its detail is English).
    await dialog.getByLabel('收货单位（机构代码）').fill(ORGS.cdc);
    await dialog.getByLabel('随货同行单号').fill('DN-CDC-OUT');
    await dialog.getByLabel('批次').fill(data.c.batchId);
    await dialog.getByLabel('数量（剂）').fill('4');
    await dialog.getByRole('button', { name: '发货' }).click();
    await expectText(dialog.getByTestId('problem'), '不能向本单位发货 (SAME_SENDER_AND_RECEIVER)');
    await dialog.getByLabel('收货单位（机构代码）').fill(ORGS.clinic);
    await dialog.getByRole('button', { name: '发货' }).click();
    await page.getByText('已发货').waitFor();
    await page.getByRole('tab', { name: '发货' }).click();
    await expectText(row('DN-CDC-OUT'), '深圳市南山区预防接种门诊');

    await page.getByRole('menuitem', { name: '库存' }).click();
    await expectText(row(data.c.batchId), new RegExp(`${data.c.batchId}6`));
    await screenshot(page, 'cdc-stock');
  });

  it('picks the clinic it supervises in another province and sees that clinic’s stock', async () => {
    // The Sichuan CDC supervises a Shenzhen clinic (the scenario): the picker used to offer only Sichuan's clinics.
    const picker = page.getByRole('combobox', { name: '单位' });
    await picker.click();
    await picker.fill('南山');
    await page.getByTitle(/深圳市南山区预防接种门诊/).click();
    await expectText(page.locator('.ant-card-extra'), '深圳市南山区预防接种门诊');
    // The clinic's stock, not the CDC's: E expired there, and 4 doses of C are on their way to it.
    await expectText(row(data.e.batchId), '已过期');
    await expectText(row(data.c.batchId), new RegExp(`${data.c.batchId}004`));
    await expectAccessible(page);
  });

  it('finds any of more than a hundred supervised clinics in the site picker, by the node’s search, and no others', async () => {
    // 105 clinics the CDC supervises: the picker used to load the first 100 and filter them.
    const register = async (first17: string, name: string, parentOrgCode?: string): Promise<void> => {
      const res = await api.http
        .post('/v1/organisations')
        .set(AS.regulator)
        .send({
          orgCode: `${first17}${usccCheckChar(first17)}`,
          name,
          kind: 'clinic',
          provinceCode: '510000',
          ...(parentOrgCode ? { parentOrgCode } : {}),
        });
      expect(res.status).toBe(201);
    };
    for (let i = 1; i <= 105; i++)
      await register(`12510100MC${String(i).padStart(7, '0')}`, `成都市测试接种门诊${String(i).padStart(3, '0')}`, ORGS.cdc);
    // One in the same province that the CDC does not supervise: its stock is not the CDC's to see.
    await register('12510100MC0000999', '成都市他管接种门诊');
    await api.settle();
    await page.reload();
    await page.getByRole('heading', { name: '库存' }).waitFor();
    const picker = page.getByRole('combobox', { name: '单位' });
    await picker.click();
    // The 105 and the Shenzhen clinic.
    await expectText(page.getByTestId('org-picker-more'), '共 106 个');
    // Searched for, only the CDC's own site (always offered) is left.
    await picker.fill('他管');
    await page.locator('.ant-select-item-option').nth(1).waitFor({ state: 'detached' });
    await expect(page.locator('.ant-select-item-option').textContent()).resolves.toContain('本单位');
    await picker.fill('门诊105');
    await page.getByTitle(/成都市测试接种门诊105/).click();
    await expectText(page.locator('.ant-card-extra'), '成都市测试接种门诊105');
    await expectAccessible(page);

    // The development sign-in's organisation picker searches the same way.
    await context.clearCookies();
    await page.evaluate('sessionStorage.clear()');
    await page.goto(`${base}/console/`);
    await page.getByText('接种单位', { exact: true }).click();
    const orgPicker = page.getByRole('combobox', { name: '已登记的机构' });
    await orgPicker.click();
    await orgPicker.fill('门诊104');
    await page.getByTitle(/成都市测试接种门诊104/).click();
    const code104 = `12510100MC0000104${usccCheckChar('12510100MC0000104')}`;
    await expect(page.getByLabel('机构代码（统一社会信用代码）').inputValue()).resolves.toBe(code104);
    await expect(page.getByLabel('省级行政区划代码').inputValue()).resolves.toBe('510000');
  });
});

describe('manufacturer: products, batches, lot release', () => {
  const codes = [1, 2, 3].map((unit) => `869632100000${String(900 + unit)}00001`.slice(0, 20));

  it('lists its products and batches with their release status and registers a batch with trace codes from a file', async () => {
    await signInAs('manufacturer');
    await page.getByRole('heading', { name: '产品' }).waitFor();
    await expectText(page.locator('.ant-table'), '乙型肝炎疫苗（重组）10µg');
    await expectAccessible(page);
    await screenshot(page, 'manufacturer-products');

    await page.getByRole('menuitem', { name: '批次' }).click();
    await expectText(page.getByRole('row', { name: new RegExp(data.s.batchId) }), '已召回');
    await page.getByRole('button', { name: '登记批次' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('产品').click();
    await page.getByTitle(/10µg/).click();
    await dialog.getByLabel('批号').fill('CNEW1');
    await dialog.getByLabel('生产日期').fill('2026-11-01');
    await dialog.getByLabel('生产日期').press('Enter');
    await dialog.getByLabel('有效期至').fill('2028-10-31');
    await dialog.getByLabel('有效期至').press('Enter');
    const file = (lines: string[]) => ({ name: 'codes.csv', mimeType: 'text/csv', buffer: Buffer.from(`code\n${lines.join('\n')}\n`) });
    // A line that is not a code is shown, and nothing is sent until the file is right.
    await dialog.locator('input[type=file]').setInputFiles(file([...codes, '12345']));
    await expectText(dialog, '第 5 行：“12345”不是 20 位追溯码');
    await expectAccessible(page);
    await dialog.getByRole('button', { name: '登记批次' }).click();
    await page.getByText('文件中有不是追溯码的内容，请先更正').waitFor();
    await dialog.locator('input[type=file]').setInputFiles(file(codes));
    await expectText(dialog, '已读取 3 个追溯码');
    await dialog.getByRole('button', { name: '登记批次' }).click();
    await page.getByText('批次已登记').waitFor();
    await expectText(page.getByRole('row', { name: /8696321-CNEW1/ }), '待签发');
    await screenshot(page, 'manufacturer-batches');
  });

  it('sees the AEFI signal on its batch, with the recall the regulator launched since', async () => {
    await page.getByRole('menuitem', { name: '异常反应信号' }).click();
    const signal = page.getByTestId('aefi-signals').getByRole('row', { name: new RegExp(data.s.batchId) });
    await expectText(signal, '已召回');
    await expectAccessible(page);
    await signal.getByRole('link', { name: data.s.batchId }).click();
    // The batch's counts, but no report to open: that is for CDCs and regulators.
    await expectText(page.getByTestId('batch-aefi-classes'), '一般反应 1');
    await expect(page.getByTestId('batch-aefi-reports').getByRole('link').count()).resolves.toBe(0);
  });
});
