import type { Actor } from '@vaxledger/domain';
import { allowedExpiryDates } from '@vaxledger/domain';
import { buildPlan, cst, formatSeconds, type Org, pad, plusDays, REGULATOR_ACTOR } from './plan';
import { DemoRequestError, type DemoTarget, httpTarget } from './targets';

export { DemoRequestError } from './targets';

/** Doses a worker hands the bulk path at once (it commits them in groups). */
const DOSE_CHUNK = 500;

/**
 * Loads a realistic sample into a node through its write use cases: organisations, products,
 * released batches, cold-chain shipments down to clinics, doses for generated persons, and one
 * recall. The commands go to the node's handlers in this process, or to a running node's HTTP
 * API (the path a clinic system or a manufacturer's ERP takes); either way the same handler
 * decides (libs/application).
 *
 * The sample is planned from a seed (plan.ts), so two runs with the same seed plan the same
 * sample (the second run against the same node is refused: the codes exist).
 */

export interface DemoOptions {
  /** Where the commands go; or give `baseUrl` for a node's HTTP API. */
  readonly target?: DemoTarget;
  readonly baseUrl?: string;
  readonly doses: number;
  readonly concurrency: number;
  readonly log: (line: string) => void;
  /** Seed of the generator (default 1). */
  readonly seed?: number;
  /** False: every dose alone even where the target has a bulk path (to compare the two). */
  readonly bulk?: boolean;
}

export interface DemoSummary {
  readonly organisations: number;
  readonly manufacturers: number;
  readonly cdcs: number;
  readonly clinics: number;
  readonly products: number;
  readonly batches: number;
  readonly shipments: number;
  readonly receipts: number;
  readonly persons: number;
  readonly doses: number;
  readonly secondDoses: number;
  readonly recalls: number;
  readonly recalledBatchId: string;
  readonly dosesFromRecalledBatch: number;
  readonly samplePersonId: string;
  readonly sampleClinicCode: string;
  readonly elapsedSeconds: number;
  readonly doseSeconds: number;
  readonly dosesPerSecond: number;
  /** CPU time of this process per dose while the doses were recorded (in process: PGlite's too). */
  readonly doseCpuMs: number;
}

export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const { log } = options;
  const started = Date.now();
  const concurrency = Math.max(1, Math.floor(options.concurrency));
  const target = options.target ?? (options.baseUrl !== undefined ? httpTarget(options.baseUrl) : null);
  if (!target) throw new Error('the demo needs a target: handlers in process or a base URL');
  const plan = buildPlan(Math.max(0, Math.floor(options.doses)), options.seed ?? 1, started);
  const actorOf = (org: Org): Actor => ({ orgCode: org.code, role: org.kind, provinceCode: org.province });
  let shipments = 0;
  let receipts = 0;

  try {
    // Organisations: manufacturers and CDCs first, clinics name their CDC.
    log(`demo: registering ${plan.makers.length + plan.cdcs.length + plan.clinics.length} organisations at ${target.description}`);
    for (const org of [...plan.makers, ...plan.cdcs, ...plan.clinics]) {
      await target.run('registerOrganisation', REGULATOR_ACTOR, {
        orgCode: org.code,
        name: org.name,
        kind: org.kind,
        provinceCode: org.province,
        ...(org.parent ? { parentOrgCode: org.parent } : {}),
      });
    }

    log(`demo: registering ${plan.products.length} products`);
    for (const [i, p] of plan.products.entries()) {
      await target.run('registerProduct', actorOf(p.maker), {
        productCode: p.code,
        name: p.spec.name,
        vaccineType: p.spec.vaccineType,
        approvalNo: `S2025${pad(1000 + i, 4)}`,
        mahOrgCode: p.maker.code,
        dosesPerUnit: 1,
        storageC: { min: 2, max: 8 },
        shelfLifeMonths: 24,
        programme: p.spec.programme,
        serialised: false,
      });
    }

    // Stock, bottom-up: each clinic gets what its doses need plus a little; each CDC what its
    // clinics get plus a little; each batch what both CDCs get plus a reserve at the maker.
    const clinicNeed = new Map<string, Map<string, number>>();
    for (const [clinic, list] of plan.dosesByClinic) {
      const need = new Map<string, number>();
      for (const d of list) need.set(d.batch.id, (need.get(d.batch.id) ?? 0) + 1);
      for (const [batchId, n] of need) need.set(batchId, n + 2 + Math.ceil(n * 0.05));
      clinicNeed.set(clinic, need);
    }
    const cdcNeed = new Map<string, Map<string, number>>(plan.cdcs.map((c) => [c.code, new Map()]));
    for (const clinic of plan.clinics) {
      const need = cdcNeed.get(clinic.parent!)!;
      for (const [batchId, n] of clinicNeed.get(clinic.code)!) need.set(batchId, (need.get(batchId) ?? 0) + n);
    }
    for (const need of cdcNeed.values()) for (const [batchId, n] of need) need.set(batchId, n + 10);
    const batchQuantity = (batchId: string): number => {
      let total = 0;
      for (const need of cdcNeed.values()) total += need.get(batchId) ?? 0;
      return Math.max(1_000, total + 200);
    };

    log(`demo: producing and releasing ${plan.batches.length} batches`);
    for (const b of plan.batches) {
      const product = plan.products[b.productIndex]!;
      const expiresOn = allowedExpiryDates(b.producedOn as never, 24)[0]!;
      await target.run('registerBatch', actorOf(b.maker), {
        productCode: product.code,
        lotNumber: b.lot,
        producedOn: b.producedOn,
        expiresOn,
        quantity: batchQuantity(b.id),
      });
      await target.run('releaseBatch', REGULATOR_ACTOR, {
        batchId: b.id,
        certificateNo: `SJ${b.producedOn.slice(0, 4)}${b.lot}`,
        decidedOn: plusDays(b.producedOn, 4),
      });
    }

    const ship = async (
      from: Org,
      to: Org,
      lines: [string, number][],
      dispatchedAt: number,
      hours: number,
      note: string,
    ): Promise<void> => {
      if (lines.length === 0) return;
      const shipment = await target.run('dispatchShipment', actorOf(from), {
        toSite: to.code,
        dispatchedAt: cst(dispatchedAt),
        deliveryNoteNo: note,
        lines: lines.map(([batchId, quantity]) => ({ batchId, quantity })),
      });
      shipments += 1;
      const receivedAt = dispatchedAt + hours * 3_600_000;
      const readings = [];
      for (let t = dispatchedAt + 1_800_000, k = 0; t < receivedAt; t += 3_600_000, k += 1) {
        readings.push({ at: cst(t), celsius: Math.round((4.2 + ((k * 7) % 11) / 5) * 10) / 10 });
      }
      await target.run('receiveShipment', actorOf(to), {
        shipmentId: shipment.id,
        receivedAt: cst(receivedAt),
        lines: lines.map(([batchId, quantity]) => ({ batchId, accepted: quantity, rejected: 0 })),
        verification: { result: 'accepted', releaseCertificateChecked: true },
        temperatureLog: { deviceId: `TL-${to.code.slice(-6)}`, readings },
      });
      receipts += 1;
    };

    log('demo: shipping manufacturers → provincial CDCs');
    let note = 0;
    for (const cdc of plan.cdcs) {
      for (const maker of plan.makers) {
        const lines = [...cdcNeed.get(cdc.code)!].filter(([batchId]) => plan.batches.find((b) => b.id === batchId)!.maker === maker);
        note += 1;
        await ship(maker, cdc, lines, Date.parse('2025-12-12T09:00:00+08:00'), 30, `DN-202512-${pad(note, 5)}`);
      }
    }
    log(`demo: shipping provincial CDCs → ${plan.clinics.length} clinics`);
    for (const [k, clinic] of plan.clinics.entries()) {
      const cdc = plan.cdcs.find((c) => c.code === clinic.parent)!;
      note += 1;
      await ship(
        cdc,
        clinic,
        [...clinicNeed.get(clinic.code)!],
        Date.parse('2025-12-15T08:00:00+08:00') + (k % 8) * 3_600_000,
        5,
        `DN-202512-${pad(note, 5)}`,
      );
    }

    // A dose checks stock on the read models, which follow the log a little behind: wait until
    // the last clinic's receipt is visible (the projector applies the log in order).
    const lastClinic = [...plan.clinics].reverse().find((c) => clinicNeed.get(c.code)!.size > 0);
    if (lastClinic) await target.settle(actorOf(lastClinic));

    // Doses: workers take whole clinics, so each person's doses go in order.
    const total = [...plan.dosesByClinic.values()].reduce((n, list) => n + list.length, 0);
    log(`demo: recording ${total} doses for ${plan.persons} persons with ${concurrency} workers`);
    const doseStart = Date.now();
    const doseCpu = process.cpuUsage();
    const recordDoses = options.bulk === false ? undefined : target.recordDoses?.bind(target);
    const queue = [...plan.dosesByClinic.entries()].filter(([, list]) => list.length > 0).sort((a, b) => b[1].length - a[1].length);
    const sampleClinicCode = queue[0]?.[0] ?? plan.clinics[0]!.code;
    const clinicByCode = new Map(plan.clinics.map((c) => [c.code, c]));
    const administered = new Map<string, number>();
    let done = 0;
    let lastLogAt = doseStart;
    let lastLogDone = 0;
    let failure: unknown = null;
    let samplePersonId = '';
    const progress = (force = false): void => {
      const now = Date.now();
      if (!force && now - lastLogAt < 2_000 && done - lastLogDone < 2_000) return;
      lastLogAt = now;
      lastLogDone = done;
      const seconds = (now - doseStart) / 1000;
      const rate = seconds > 0 ? done / seconds : 0;
      const eta = rate > 0 ? (total - done) / rate : 0;
      log(
        `demo: doses ${done}/${total} (${total ? ((100 * done) / total).toFixed(1) : '100.0'}%) ${rate.toFixed(0)}/s ETA ${formatSeconds(eta)}`,
      );
    };
    const worker = async (n: number): Promise<void> => {
      while (failure === null) {
        const next = queue.shift();
        if (!next) return;
        const [clinicCode, list] = next;
        const actor = actorOf(clinicByCode.get(clinicCode)!);
        const commandOf = (d: (typeof list)[number], i: number) => ({
          person: d.person,
          batchId: d.batch.id,
          doseNumber: d.doseNumber,
          administeredAt: cst(d.at),
          route: d.route,
          vaccinatorRef: `V-${clinicCode.slice(-5)}-${pad(((i + n) % 4) + 1, 2)}`,
        });
        // In process: the clinic's doses go in chunks through the bulk path (group commit).
        const chunk = recordDoses ? DOSE_CHUNK : 1;
        for (let at = 0; at < list.length; at += chunk) {
          if (failure !== null) return;
          const slice = list.slice(at, at + chunk);
          const commands = slice.map((d, k) => commandOf(d, at + k));
          const answers = recordDoses
            ? await recordDoses(actor, commands)
            : [{ status: 'fulfilled' as const, value: await target.run('recordDose', actor, commands[0]!) }];
          for (const [k, answer] of answers.entries()) {
            if (answer.status === 'rejected') throw answer.reason;
            if (!samplePersonId) samplePersonId = answer.value.id;
            const batchId = slice[k]!.batch.id;
            administered.set(batchId, (administered.get(batchId) ?? 0) + 1);
            done += 1;
          }
          progress();
        }
      }
    };
    await Promise.all(
      Array.from({ length: concurrency }, (_, n) =>
        worker(n).catch((error: unknown) => {
          if (failure === null) failure = error;
        }),
      ),
    );
    if (failure !== null) throw failure;
    progress(true);
    const doseSeconds = (Date.now() - doseStart) / 1000;
    const cpu = process.cpuUsage(doseCpu);
    const doseCpuMs = done > 0 ? (cpu.user + cpu.system) / 1000 / done : 0;

    // One recall: the most used batch, by its manufacturer.
    let recalledBatchId = '';
    let dosesFromRecalledBatch = 0;
    for (const [batchId, n] of administered) if (n > dosesFromRecalledBatch) [recalledBatchId, dosesFromRecalledBatch] = [batchId, n];
    const recallBatch = plan.batches.find((b) => b.id === recalledBatchId) ?? plan.batches[0]!;
    recalledBatchId = recallBatch.id;
    log(`demo: recalling ${recalledBatchId} (${dosesFromRecalledBatch} doses given)`);
    await target.run('launchRecall', actorOf(recallBatch.maker), {
      batchIds: [recalledBatchId],
      kind: 'recall',
      level: 2,
      initiation: 'voluntary',
      reasonCode: 'quality_defect',
      reasonText: 'potency test of retained samples below specification',
      effectiveAt: cst(Date.now() - 60_000),
      actions: ['stop_use', 'return'],
      personFollowUp: 'notify',
    });

    const elapsedSeconds = (Date.now() - started) / 1000;
    const summary: DemoSummary = {
      organisations: plan.makers.length + plan.cdcs.length + plan.clinics.length,
      manufacturers: plan.makers.length,
      cdcs: plan.cdcs.length,
      clinics: plan.clinics.length,
      products: plan.products.length,
      batches: plan.batches.length,
      shipments,
      receipts,
      persons: plan.persons,
      doses: done,
      secondDoses: plan.secondDoses,
      recalls: 1,
      recalledBatchId,
      dosesFromRecalledBatch,
      samplePersonId,
      sampleClinicCode,
      elapsedSeconds,
      doseSeconds,
      dosesPerSecond: doseSeconds > 0 ? done / doseSeconds : 0,
      doseCpuMs,
    };
    log(
      `demo: done in ${formatSeconds(elapsedSeconds)}: ${summary.organisations} organisations, ${summary.products} products, ` +
        `${summary.batches} batches, ${summary.shipments} shipments, ${summary.doses} doses for ${summary.persons} persons ` +
        `(${summary.dosesPerSecond.toFixed(0)}/s, ${doseCpuMs.toFixed(2)} ms CPU/dose${recordDoses ? ', bulk' : ''}), recalled ${recalledBatchId}; sample person ${samplePersonId}`,
    );
    return summary;
  } catch (error) {
    let code: unknown;
    if (error instanceof DemoRequestError) {
      log(`demo: FAILED ${error.method} ${error.path} → ${error.status} ${error.body}`);
      code = /"code":"([A-Z_]+)"/.exec(error.body)?.[1];
    } else {
      // A refusal from a handler carries its rule's code, as the HTTP problem would.
      code = (error as { code?: unknown }).code;
      log(`demo: FAILED ${typeof code === 'string' ? `${code} ` : ''}${error instanceof Error ? error.message : String(error)}`);
    }
    // The demo's organisations are its first writes: they exist when it already ran here.
    if (code === 'ORGANISATION_EXISTS')
      log('demo: this node already holds the demo (or organisations of the same codes): run it on a node with a new, empty DATA_DIR');
    throw error;
  }
}
