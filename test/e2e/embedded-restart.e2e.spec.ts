import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { residentIdCheckChar } from '@vaxledger/domain';
import type { ApiHarness } from '../support/api-harness';
import { AS } from '../support/api-harness';
import { buildIfStale, CLI_PATH, type EmbeddedNode, startEmbeddedNode } from '../support/embedded-node';
import { HEPB_PRODUCT, stockClinic } from '../support/scenario';

// The embedded default as a clinic runs it (README: `node dist/apps/api/src/main.js`, data in
// DATA_DIR, no vault key set): doses recorded, the node stopped (SIGTERM, then SIGKILL right
// after a dose was answered), started again on the same folder. Every person's details and
// doses must still be there and the next dose must be accepted: the vault key is kept in
// DATA_DIR and the lock a killed node left behind does not block the next start.

const LOT = 'RST2026A';
const BATCH = `${HEPB_PRODUCT}-${LOT}`;
const daysAgo = (d: number): string => new Date(Date.now() - d * 86_400_000).toISOString();

const residentId = (n: number): string => {
  const first17 = `51010419900307${700 + n}`;
  return first17 + residentIdCheckChar(first17);
};
const PEOPLE = [1, 2, 3, 4].map((n) => {
  const idNumber = residentId(n);
  return {
    idType: 'RESIDENT_ID',
    idNumber,
    name: `测试${n}`,
    birthDate: '1990-03-07',
    sex: Number(idNumber.charAt(16)) % 2 === 1 ? 'M' : 'F',
  };
});

describe('the embedded default across restarts', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vx-restart-'));
  let node: EmbeddedNode | null = null;

  const recordDose = async (person: (typeof PEOPLE)[number], doseNumber: number, at: string): Promise<void> => {
    const res = await node!.http
      .post('/v1/doses')
      .set(AS.clinic)
      .send({ person, batchId: BATCH, doseNumber, administeredAt: at, route: 'IM', vaccinatorRef: 'V-1' });
    expect({ status: res.status, body: res.body as unknown }).toMatchObject({ status: 201 });
  };

  /** Every person's record as the clinic reads it: details from the vault, doses from the read model. */
  const records = async (): Promise<{ name: unknown; doses: number }[]> => {
    await node!.settle();
    const out: { name: unknown; doses: number }[] = [];
    for (const person of PEOPLE) {
      const lookup = await node!.http.post('/v1/persons/lookup').set(AS.clinic).send({ idType: 'RESIDENT_ID', idNumber: person.idNumber });
      expect(lookup.status).toBe(200);
      const record = await node!.http.get(`/v1/persons/${String(lookup.body.personId)}/record`).set(AS.clinic);
      expect(record.status).toBe(200);
      out.push({ name: (record.body.details as { name?: string } | null)?.name, doses: (record.body.doses as unknown[]).length });
    }
    return out;
  };

  beforeAll(() => buildIfStale(), 300_000);
  afterAll(async () => {
    await node?.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every record through a SIGTERM and a SIGKILL, and takes the next dose each time', async () => {
    node = await startEmbeddedNode(dataDir);
    await stockClinic(node as unknown as ApiHarness, { lot: LOT, quantity: 10 });
    for (const person of PEOPLE) await recordDose(person, 1, daysAgo(43));
    expect(await records()).toEqual(PEOPLE.map((p) => ({ name: p.name, doses: 1 })));
    const key = statSync(join(dataDir, 'vault.key'));
    expect(key.mode & 0o777).toBe(0o600);

    expect(await node.stop('SIGTERM')).toBe(0);
    // The operator is told the stop began and ended.
    expect(node.output.join('')).toMatch(/vaxledger: SIGTERM: stopping[^\n]*\n(.*\n)*vaxledger: stopped\n/);
    node = await startEmbeddedNode(dataDir);
    expect(await records()).toEqual(PEOPLE.map((p) => ({ name: p.name, doses: 1 })));
    await recordDose(PEOPLE[0]!, 2, daysAgo(10));
    await recordDose(PEOPLE[1]!, 2, daysAgo(10));

    // Killed the hard way right after a dose was answered: no shutdown, the lock left behind.
    expect(await node.stop('SIGKILL')).toBe('SIGKILL');
    node = await startEmbeddedNode(dataDir);
    expect(await records()).toEqual(PEOPLE.map((p, i) => ({ name: p.name, doses: i < 2 ? 2 : 1 })));
    await recordDose(PEOPLE[2]!, 2, daysAgo(10));
    await recordDose(PEOPLE[3]!, 2, daysAgo(10));
    expect(await records()).toEqual(PEOPLE.map((p) => ({ name: p.name, doses: 2 })));
    // The key file was read, never replaced.
    expect(statSync(join(dataDir, 'vault.key')).ino).toBe(key.ino);
    expect(await node.stop('SIGTERM')).toBe(0);
    node = null;

    // Stopped cleanly, the folder is free for a CLI command; its export survives a reader that leaves early.
    const pipe = spawnSync(
      'bash',
      ['-c', `"${process.execPath}" "${CLI_PATH}" store export | head -1; echo "status \${PIPESTATUS[0]}" >&2`],
      {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir },
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    expect(JSON.parse(pipe.stdout.trim())).toMatchObject({ kind: 'header' });
    expect(pipe.stderr).toContain('status 0');
    expect(pipe.stderr).not.toMatch(/EPIPE/);
  }, 600_000);
});
