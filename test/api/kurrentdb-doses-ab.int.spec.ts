import { readdirSync, readFileSync } from 'node:fs';
import type { RecordDoseCommand } from '@vaxledger/application';
import { nodeApplication, nodeExecutor } from '../../apps/api/src/infrastructure/application';
import { ORGS, startApi, type ApiHarness } from '../support/api-harness';
import { type KurrentDbDouble, startKurrentDbDouble } from '../support/kurrentdb/kurrentdb-double';
import { HEPB_PRODUCT, stockClinic } from '../support/scenario';

// A/B measurement, not a check (run with MEASURE_KDB_DOSES=1): doses per second and this
// process's CPU per dose on two KurrentDB nodes in one process, each on its own KurrentDB
// double: guard rows on (ADR 0029) and off (site lock + projector wait, ADR 0004). Rounds
// alternate between them so the shared machine's load falls on both alike. The double runs in
// this process too: its CPU is in the figures ("client overhead only", ADR 0007).

const ROUNDS = Number(process.env.MEASURE_KDB_ROUNDS ?? 4);
const PER_ROUND = Number(process.env.MEASURE_KDB_DOSES ?? 200);
const CLIENTS = Number(process.env.MEASURE_KDB_CLIENTS ?? 8);
const LOT = 'KDBAB1';
const BATCH = `${HEPB_PRODUCT}-${LOT}`;
const residentId = (n: number): string => {
  const body = `51010419900 5${String(1 + (n % 28)).padStart(2, '0')}${String(Math.floor(n / 28) % 1000).padStart(3, '0')}`.replace(
    ' ',
    '',
  );
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((s, d, i) => s + Number(d) * weights[i]!, 0);
  return body + '10X98765432'[sum % 11]!;
};
const dose = (n: number): RecordDoseCommand => ({
  person: { idType: 'RESIDENT_ID', idNumber: residentId(n), name: `受种者${n}`, birthDate: '1990-05-07', sex: 'M' },
  batchId: BATCH,
  doseNumber: 1,
  administeredAt: new Date(Date.now() - 3_600_000).toISOString(),
  route: 'IM',
  vaccinatorRef: 'V',
});
/**
 * CPU used so far by every PostgreSQL process on this machine, in ms (Linux /proc; 0 elsewhere).
 * The server is shared: other work on it shows up here too, on both sides of the A/B alike.
 */
const postgresCpuMs = (): number => {
  let ticks = 0;
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return 0;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      if (!stat.slice(stat.indexOf('(') + 1, close).startsWith('postgres')) continue;
      const fields = stat.slice(close + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone meanwhile
    }
  }
  return ticks * 10;
};

const actor = { orgCode: ORGS.clinic, role: 'clinic' as const, provinceCode: '440000', siteCode: ORGS.clinic };

(process.env.MEASURE_KDB_DOSES ? describe : describe.skip)('KurrentDB doses, guard rows on vs off (measurement)', () => {
  const nodes: {
    name: string;
    double: KurrentDbDouble;
    api: ApiHarness;
    next: number;
    ms: number;
    cpuUs: number;
    pgMs: number;
    doses: number;
  }[] = [];

  beforeAll(async () => {
    for (const [name, guards] of [
      ['guards on', 'on'],
      ['guards off', 'off'],
    ] as const) {
      const double = await startKurrentDbDouble();
      const api = await startApi({ KURRENTDB_GUARDS: guards }, { kurrentdbUrl: double.url });
      await stockClinic(api, { lot: LOT, quantity: ROUNDS * PER_ROUND + 100 });
      expect(api.runtime.store.capabilities.guards).toBe(guards === 'on');
      nodes.push({ name, double, api, next: 0, ms: 0, cpuUs: 0, pgMs: 0, doses: 0 });
    }
  }, 300_000);
  afterAll(async () => {
    for (const n of nodes) {
      await n.api.close();
      await n.double.stop();
    }
  });

  it('records the same doses on both and reports doses/s and CPU per dose', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      for (const node of round % 2 === 0 ? nodes : [...nodes].reverse()) {
        const app = nodeApplication(node.api.runtime, nodeExecutor(node.api.runtime));
        const from = node.next;
        node.next += PER_ROUND;
        let cursor = from;
        const pg = postgresCpuMs();
        const cpu = process.cpuUsage();
        const started = process.hrtime.bigint();
        await Promise.all(
          Array.from({ length: CLIENTS }, async () => {
            for (let n = cursor++; n < from + PER_ROUND; n = cursor++)
              await app.recordDose.handle(dose(n), actor, { correlationId: `ab-${n}` });
          }),
        );
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        const used = process.cpuUsage(cpu);
        const pgMs = postgresCpuMs() - pg;
        node.pgMs += pgMs;
        node.ms += ms;
        node.cpuUs += used.user + used.system;
        node.doses += PER_ROUND;
        console.log(
          `round ${round} ${node.name}: ${PER_ROUND} doses in ${ms.toFixed(0)} ms = ${((PER_ROUND * 1000) / ms).toFixed(0)}/s, ` +
            `process CPU ${((used.user + used.system) / 1000 / PER_ROUND).toFixed(2)} ms/dose, PostgreSQL CPU ${(pgMs / PER_ROUND).toFixed(2)} ms/dose`,
        );
      }
    }
    // Both recorded every dose: the same work on each side.
    for (const n of nodes) {
      await n.api.runtime.readModels.runner.waitFor(await n.api.runtime.store.latestPosition(), 30_000);
      expect((await n.api.runtime.readModels.stockAt(ORGS.clinic, BATCH))?.available).toBe(100);
    }
    for (const n of nodes)
      console.log(
        `TOTAL ${n.name}: ${n.doses} doses, ${((n.doses * 1000) / n.ms).toFixed(0)} doses/s, process CPU ${(n.cpuUs / 1000 / n.doses).toFixed(2)} ms/dose, PostgreSQL CPU ${(n.pgMs / n.doses).toFixed(2)} ms/dose`,
      );
  }, 600_000);
});
