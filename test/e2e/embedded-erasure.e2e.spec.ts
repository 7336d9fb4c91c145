import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AS, type ApiHarness } from '../support/api-harness';
import { buildIfStale, type EmbeddedNode, startEmbeddedNode } from '../support/embedded-node';
import { HEPB_PRODUCT, stockClinic } from '../support/scenario';

// An erasure on the embedded default (PGlite runs one transaction at a time). The projector
// applies PersonDetailsErased to the vault; it once did so on a connection of its own while
// its own transaction was open, and on PGlite that statement waited for the transaction for
// ever: the projector stopped and every later read waited on it. The suite's other erasure
// tests run on the machine's PostgreSQL under CI, where the two connections do not wait.

const LOT = 'E2EERASE1';
const BATCH = `${HEPB_PRODUCT}-${LOT}`;
const PERSON = { idType: 'RESIDENT_ID', idNumber: '440305202101154566', name: '李四', birthDate: '2021-01-15', sex: 'F' };
const hoursAgo = (h: number): string => new Date(Date.now() - h * 3_600_000).toISOString();

describe('erasing a person’s details on the embedded default', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vx-erase-'));
  let node: EmbeddedNode | null = null;

  beforeAll(async () => {
    buildIfStale();
    node = await startEmbeddedNode(dataDir);
    const running = node;
    await stockClinic({ http: running.http, settle: () => running.settle() } as unknown as ApiHarness, { lot: LOT, quantity: 5 });
  }, 300_000);
  afterAll(async () => {
    await node?.stop('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('applies the erasure, keeps projecting afterwards, and the dose record survives a restart without the details', async () => {
    const dose = (doseNumber: number, hours: number) =>
      node!.http
        .post('/v1/doses')
        .set(AS.clinic)
        .send({ person: PERSON, batchId: BATCH, doseNumber, administeredAt: hoursAgo(hours), route: 'IM', vaccinatorRef: 'V-1' });
    const first = await dose(1, 24 * 60);
    expect(first.status).toBe(201);
    const personId = String(first.body.id);
    await node!.settle(30_000);
    // The CDC erasing has the person's case in front of it: it looked them up by document.
    const lookup = await node!.http.post('/v1/persons/lookup').set(AS.cdc).send({ idType: PERSON.idType, idNumber: PERSON.idNumber });
    expect(lookup.status).toBe(200);

    const erased = await node!.http.delete(`/v1/persons/${personId}/details`).set(AS.cdc).send({ legalBasis: 'court_order' });
    expect(erased.status).toBe(201);
    // The projector applies the erasure and reaches the head: it did not before the fix.
    await node!.settle(30_000);
    const later = await dose(2, 1);
    expect(later.status).toBe(201);
    await node!.settle(30_000);

    expect(await node!.stop('SIGTERM')).toBe(0);
    node = await startEmbeddedNode(dataDir);
    await node.settle(30_000);
    const record = await node.http.get(`/v1/persons/${personId}/record`).set(AS.cdc);
    expect(record.status).toBe(200);
    expect(record.body.details ?? null).toBeNull();
    expect(JSON.stringify(record.body)).not.toContain(PERSON.name);
    expect((record.body.doses as { doseNumber: number }[]).map((d) => d.doseNumber).sort()).toEqual([1, 2]);
  }, 180_000);
});
