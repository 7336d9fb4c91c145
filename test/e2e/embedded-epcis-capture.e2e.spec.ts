import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AS, ORGS } from '../support/api-harness';
import { buildIfStale, type EmbeddedNode, startEmbeddedNode } from '../support/embedded-node';
import { type CaptureJob, captureAndWait, commissioningEvent, epcisDocument, serialCodes } from '../support/epcis-documents';

// EPCIS capture on the embedded default (PGlite serves every connection in one session, one
// transaction at a time). A document is appended all or nothing in one transaction with each
// item's idempotency answer; the first answer saved on a fresh node once created its table
// through the pool while that transaction was open, and on PGlite that statement waited for
// the transaction for ever: the capture job never ended and every later request hung. The
// suite's capture tests run on the machine's PostgreSQL under CI, where the two do not wait.

const PRODUCT = '8696399';
const LOT = 'EMBCAP1';

describe('EPCIS capture on the embedded default', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vx-epcis-'));
  let node: EmbeddedNode | null = null;

  const post = async (path: string, as: Record<string, string>, body: object): Promise<void> => {
    const res = await node!.http.post(path).set(as).send(body);
    if (res.status !== 201) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
  };
  const capture = (document: object): Promise<CaptureJob> => captureAndWait(node!.http, AS.maker, document, { timeoutMs: 30_000 });

  beforeAll(async () => {
    buildIfStale();
    node = await startEmbeddedNode(dataDir);
    await post('/v1/organisations', AS.regulator, { orgCode: ORGS.maker, name: 'Maker', kind: 'manufacturer', provinceCode: '320000' });
    await post('/v1/products', AS.maker, {
      productCode: PRODUCT,
      name: 'HepB 10 µg',
      vaccineType: 'HepB',
      approvalNo: 'S9',
      mahOrgCode: ORGS.maker,
      dosesPerUnit: 1,
      storageC: { min: 2, max: 8 },
      shelfLifeMonths: 24,
      programme: 'NIP',
      serialised: true,
    });
  }, 300_000);
  afterAll(async () => {
    await node?.stop('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('captures a commissioning document, appends nothing on the same document again, and keeps the batch across a restart', async () => {
    const document = epcisDocument([commissioningEvent(LOT, serialCodes(PRODUCT, 7, 20))]);
    const first = await capture(document);
    expect(first).toMatchObject({ success: true, errors: [] });
    expect(first.appendedEvents).toBeGreaterThanOrEqual(1);
    expect(await capture(document)).toMatchObject({ success: true, appendedEvents: 0 });
    await node!.settle(30_000);

    expect(await node!.stop('SIGTERM')).toBe(0);
    node = await startEmbeddedNode(dataDir);
    await node.settle(30_000);
    const trace = await node.http.get(`/v1/batches/${PRODUCT}-${LOT}/trace`).set(AS.regulator);
    expect(trace.status).toBe(200);
    expect(trace.body).toMatchObject({ batchId: `${PRODUCT}-${LOT}` });
  }, 180_000);
});
