import { allowedExpiryDates, residentIdCheckChar, scheduleFor, usccCheckChar } from '@vaxledger/domain';

/**
 * Loads a realistic sample into a running node through its HTTP API, the same command path a
 * clinic system or a manufacturer's ERP would use: organisations, products, released batches,
 * cold-chain shipments down to clinics, doses for generated persons, and one recall.
 *
 * Everything is derived from a seeded pseudo-random generator, so two runs with the same seed
 * plan the same sample (the second run against the same node is refused: the codes exist).
 */

export interface DemoOptions {
  readonly baseUrl: string;
  readonly doses: number;
  readonly concurrency: number;
  readonly log: (line: string) => void;
  /** Seed of the generator (default 1). */
  readonly seed?: number;
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
}

/** A non-2xx answer: the demo stops on the first one. */
export class DemoRequestError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`${method} ${path} answered ${status}: ${body}`);
    this.name = 'DemoRequestError';
  }
}

// ---------------------------------------------------------------------------------------------
// Fixed master data

const REGULATOR = { code: '12110000450712347E', province: '110000' };
// The national regulator (province 000000) registers organisations in every province.
const REGULATOR_ACTOR = `regulator:${REGULATOR.code}:000000`;

interface Org {
  readonly code: string;
  readonly name: string;
  readonly kind: 'manufacturer' | 'cdc' | 'clinic';
  readonly province: string;
  readonly parent?: string;
}

const MAKER_SPECS = [
  { province: '320000', region: '320100', name: 'Jiangsu Biological Products Co.' },
  { province: '310000', region: '310100', name: 'Shanghai Vaccine Institute Co.' },
  { province: '440000', region: '440300', name: 'Shenzhen Bio-Pharma Co.' },
] as const;

const CDC_SPECS = [
  {
    province: '510000',
    name: 'Sichuan',
    clinicRegions: ['510104', '510105', '510106', '510107', '510108', '510112', '510113', '510114'],
    idRegions: ['510104', '510107', '510108', '510112', '510623'],
  },
  {
    province: '440000',
    name: 'Guangdong',
    clinicRegions: ['440103', '440104', '440105', '440106', '440303', '440304', '440305', '440306'],
    idRegions: ['440103', '440106', '440305', '440306', '441302'],
  },
] as const;
/** Regions of people vaccinated away from home (about one in ten). */
const TRAVELLER_ID_REGIONS = ['320102', '310115', '110105', '420106', '500103'];

interface ProductSpec {
  readonly vaccineType: string;
  readonly name: string;
  readonly route: 'IM' | 'SC';
  readonly programme: 'NIP' | 'nonNIP';
  /** Birth-year range of the usual recipients. */
  readonly born: readonly [number, number];
}

const PRODUCT_SPECS: readonly ProductSpec[] = [
  { vaccineType: 'HepB', name: 'Hepatitis B vaccine (recombinant, yeast) 10 µg', route: 'IM', programme: 'NIP', born: [2020, 2025] },
  { vaccineType: 'MMR', name: 'Measles, mumps and rubella combined vaccine, live', route: 'SC', programme: 'NIP', born: [2019, 2024] },
  {
    vaccineType: 'DTaP',
    name: 'Diphtheria, tetanus and acellular pertussis vaccine, adsorbed',
    route: 'IM',
    programme: 'NIP',
    born: [2020, 2025],
  },
  { vaccineType: 'IPV', name: 'Poliomyelitis vaccine (Vero cell), inactivated', route: 'IM', programme: 'NIP', born: [2020, 2025] },
  { vaccineType: 'Varicella', name: 'Varicella vaccine, live', route: 'SC', programme: 'nonNIP', born: [2015, 2024] },
  {
    vaccineType: 'Influenza',
    name: 'Quadrivalent influenza vaccine (split virion), inactivated',
    route: 'IM',
    programme: 'nonNIP',
    born: [1945, 2020],
  },
  {
    vaccineType: 'HPV',
    name: 'Recombinant human papillomavirus bivalent (types 16, 18) vaccine',
    route: 'IM',
    programme: 'nonNIP',
    born: [1985, 2014],
  },
  {
    vaccineType: 'Rabies',
    name: 'Rabies vaccine (Vero cell) for human use, freeze-dried',
    route: 'IM',
    programme: 'nonNIP',
    born: [1950, 2018],
  },
  {
    vaccineType: 'EV71',
    name: 'Enterovirus type 71 vaccine (Vero cell), inactivated',
    route: 'IM',
    programme: 'nonNIP',
    born: [2021, 2025],
  },
  { vaccineType: 'JE-L', name: 'Japanese encephalitis vaccine, live', route: 'SC', programme: 'NIP', born: [2019, 2025] },
];

const BATCHES_PER_PRODUCT = 5;
const CLINICS_PER_CDC = 50;
/** Second doses are planned only when the schedule's interval fits in the doses' window. */
const MAX_SECOND_DOSE_INTERVAL = 120;

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '林', '罗', '高'];
const GIVEN = [
  '伟',
  '芳',
  '娜',
  '敏',
  '静',
  '磊',
  '洋',
  '艳',
  '勇',
  '军',
  '杰',
  '娟',
  '涛',
  '明',
  '超',
  '秀英',
  '晓燕',
  '子涵',
  '欣怡',
  '浩然',
  '梓萱',
  '宇轩',
  '一诺',
  '思远',
];

const DAY = 86_400_000;
const CST = 8 * 3_600_000;
/** First day doses are given (local time), after every release and receipt. */
const DOSES_FROM = Date.parse('2025-12-18T08:00:00+08:00');

// ---------------------------------------------------------------------------------------------
// Small helpers

/** mulberry32: small, fast, good enough for sample data. */
const generator = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
};

/** An RFC 3339 instant in China Standard Time. */
const cst = (ms: number): string => `${new Date(ms + CST).toISOString().slice(0, 19)}+08:00`;
const plusDays = (date: string, days: number): string => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
const pad = (n: number, width: number): string => String(n).padStart(width, '0');

const uscc = (head: string, region: string, body9: string): string => {
  const first17 = `${head}${region}${body9}`;
  return `${first17}${usccCheckChar(first17)}`;
};

const residentId = (region: string, birth: string, sequence: number): string => {
  const first17 = `${region}${birth.replaceAll('-', '')}${pad(sequence, 3)}`;
  return `${first17}${residentIdCheckChar(first17)}`;
};

const formatSeconds = (s: number): string => (s >= 90 ? `${Math.floor(s / 60)}m${pad(Math.round(s % 60), 2)}s` : `${s.toFixed(0)}s`);

// ---------------------------------------------------------------------------------------------
// HTTP

class Client {
  constructor(private readonly baseUrl: string) {}

  async post<T = Record<string, unknown>>(path: string, actor: string, body: unknown): Promise<T> {
    return this.send<T>('POST', path, actor, body);
  }

  async send<T>(method: string, path: string, actor: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/json', accept: 'application/json', 'x-dev-actor': actor },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
      throw new DemoRequestError(method, path, 0, `no answer from ${this.baseUrl} (${cause})`);
    }
    const text = await res.text();
    if (res.status < 200 || res.status > 299) throw new DemoRequestError(method, path, res.status, text);
    return (text ? JSON.parse(text) : {}) as T;
  }
}

// ---------------------------------------------------------------------------------------------
// The plan

interface Batch {
  readonly id: string;
  readonly productIndex: number;
  readonly lot: string;
  readonly producedOn: string;
  readonly maker: Org;
}

interface PlannedDose {
  readonly person: { idType: 'RESIDENT_ID'; idNumber: string; name: string; birthDate: string; sex: 'M' | 'F' };
  readonly batch: Batch;
  readonly doseNumber: number;
  readonly at: number;
  readonly route: string;
}

interface Plan {
  readonly makers: Org[];
  readonly cdcs: Org[];
  readonly clinics: Org[];
  readonly products: { code: string; spec: ProductSpec; maker: Org }[];
  readonly batches: Batch[];
  /** Doses per clinic code, in time order. */
  readonly dosesByClinic: Map<string, PlannedDose[]>;
  readonly persons: number;
  readonly secondDoses: number;
}

const buildPlan = (doses: number, seed: number, now: number): Plan => {
  const random = generator(seed);
  const int = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

  const makers: Org[] = MAKER_SPECS.map((m, i) => ({
    code: uscc('91', m.region, `MA${pad(seed % 1000, 3)}DM${pad(i + 1, 2)}`),
    name: m.name,
    kind: 'manufacturer',
    province: m.province,
  }));
  const cdcs: Org[] = CDC_SPECS.map((c, i) => ({
    code: uscc('12', c.province, `MB${pad(seed % 1000, 3)}CD${pad(i + 1, 2)}`),
    name: `${c.name} Provincial Center for Disease Control and Prevention`,
    kind: 'cdc',
    province: c.province,
  }));
  const clinics: Org[] = [];
  CDC_SPECS.forEach((c, ci) => {
    for (let k = 0; k < CLINICS_PER_CDC; k += 1) {
      const region = c.clinicRegions[k % c.clinicRegions.length]!;
      clinics.push({
        code: uscc('12', region, `MC${pad(seed % 1000, 3)}${pad(ci * CLINICS_PER_CDC + k + 1, 4)}`),
        name: `${c.name} community vaccination clinic no. ${k + 1}`,
        kind: 'clinic',
        province: c.province,
        parent: cdcs[ci]!.code,
      });
    }
  });
  const products = PRODUCT_SPECS.map((spec, i) => ({
    code: `86${pad((seed * 37 + i * 1_117) % 100_000, 5)}`,
    spec,
    maker: makers[i % makers.length]!,
  }));
  const batches: Batch[] = [];
  products.forEach((p, pi) => {
    for (let b = 0; b < BATCHES_PER_PRODUCT; b += 1) {
      const producedOn = `2025-12-0${1 + ((pi + b) % 5)}`;
      const lot = `2512${pad(pi, 2)}${String.fromCharCode(65 + b)}${pad(seed % 1000, 3)}`;
      batches.push({ id: `${p.code}-${lot}`, productIndex: pi, lot, producedOn, maker: p.maker });
    }
  });

  const lastDay = Math.floor((now - 2 * DAY - DOSES_FROM) / DAY);
  if (lastDay < MAX_SECOND_DOSE_INTERVAL + 40) {
    throw new Error(`the demo dates doses from ${cst(DOSES_FROM)}; the clock (${new Date(now).toISOString()}) is too early`);
  }

  const dosesByClinic = new Map<string, PlannedDose[]>(clinics.map((c) => [c.code, []]));
  const usedIds = new Set<string>();
  let planned = 0;
  let persons = 0;
  let secondDoses = 0;
  while (planned < doses) {
    const clinicIndex = int(0, clinics.length - 1);
    const clinic = clinics[clinicIndex]!;
    const cdcSpec = CDC_SPECS[Math.floor(clinicIndex / CLINICS_PER_CDC)]!;
    const productIndex = int(0, products.length - 1);
    const spec = products[productIndex]!.spec;
    // Each clinic draws a product from one of its batches.
    const batch = batches[productIndex * BATCHES_PER_PRODUCT + ((clinicIndex + productIndex) % BATCHES_PER_PRODUCT)]!;

    const year = int(spec.born[0], spec.born[1]);
    let birth = `${year}-${pad(int(1, 12), 2)}-${pad(int(1, 28), 2)}`;
    if (Date.parse(`${birth}T00:00:00+08:00`) > DOSES_FROM - 240 * DAY) birth = plusDays(birth, -365);
    const region = random() < 0.1 ? pick(TRAVELLER_ID_REGIONS) : pick(cdcSpec.idRegions);
    const male = random() < 0.5;
    let idNumber = '';
    for (let attempt = 0; attempt < 20 && (idNumber === '' || usedIds.has(idNumber)); attempt += 1) {
      const sequence = int(0, 499) * 2 + (male ? 1 : 0);
      idNumber = residentId(region, birth, sequence);
    }
    if (usedIds.has(idNumber)) continue;
    usedIds.add(idNumber);
    const person = {
      idType: 'RESIDENT_ID' as const,
      idNumber,
      name: `${pick(SURNAMES)}${pick(GIVEN)}`,
      birthDate: birth,
      sex: male ? ('M' as const) : ('F' as const),
    };
    persons += 1;

    const interval = scheduleFor(spec.vaccineType)?.rules.find((r) => r.doseNumber === 2)?.minIntervalDays ?? null;
    const second = doses - planned >= 2 && interval !== null && interval <= MAX_SECOND_DOSE_INTERVAL && random() < 0.5;
    const firstDay = int(0, second ? lastDay - (interval ?? 0) - 32 : lastDay);
    const list = dosesByClinic.get(clinic.code)!;
    const at = (day: number): number => DOSES_FROM + day * DAY + int(0, 9 * 60) * 60_000;
    list.push({ person, batch, doseNumber: 1, at: at(firstDay), route: spec.route });
    planned += 1;
    if (second) {
      // More than the minimum interval: whole days past it, counted in the site's calendar.
      list.push({ person, batch, doseNumber: 2, at: at(firstDay + (interval ?? 0) + int(1, 30)), route: spec.route });
      planned += 1;
      secondDoses += 1;
    }
  }
  for (const list of dosesByClinic.values()) list.sort((a, b) => a.at - b.at);
  return { makers, cdcs, clinics, products, batches, dosesByClinic, persons, secondDoses };
};

// ---------------------------------------------------------------------------------------------
// The run

export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const { log } = options;
  const started = Date.now();
  const concurrency = Math.max(1, Math.floor(options.concurrency));
  const client = new Client(options.baseUrl.replace(/\/+$/, ''));
  const plan = buildPlan(Math.max(0, Math.floor(options.doses)), options.seed ?? 1, started);
  const actorOf = (org: Org): string => `${org.kind}:${org.code}:${org.province}`;
  let shipments = 0;
  let receipts = 0;

  try {
    // Organisations: manufacturers and CDCs first, clinics name their CDC.
    log(`demo: registering ${plan.makers.length + plan.cdcs.length + plan.clinics.length} organisations at ${options.baseUrl}`);
    for (const org of [...plan.makers, ...plan.cdcs, ...plan.clinics]) {
      await client.post('/v1/organisations', REGULATOR_ACTOR, {
        orgCode: org.code,
        name: org.name,
        kind: org.kind,
        provinceCode: org.province,
        ...(org.parent ? { parentOrgCode: org.parent } : {}),
      });
    }

    log(`demo: registering ${plan.products.length} products`);
    for (const [i, p] of plan.products.entries()) {
      await client.post('/v1/products', actorOf(p.maker), {
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
      await client.post('/v1/batches', actorOf(b.maker), {
        productCode: product.code,
        lotNumber: b.lot,
        producedOn: b.producedOn,
        expiresOn,
        quantity: batchQuantity(b.id),
      });
      await client.post(`/v1/batches/${b.id}/release`, REGULATOR_ACTOR, {
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
      const shipment = await client.post<{ id: string }>('/v1/shipments', actorOf(from), {
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
      await client.post(`/v1/shipments/${shipment.id}/receipt`, actorOf(to), {
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
    if (lastClinic) {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const inventory = await client.send<{ batches?: unknown[] }>('GET', `/v1/sites/${lastClinic.code}/inventory`, actorOf(lastClinic));
        if ((inventory.batches?.length ?? 0) > 0) break;
        if (Date.now() > deadline) throw new Error(`stock at ${lastClinic.code} did not show in the read models within 60 s`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }

    // Doses: workers take whole clinics, so each person's doses go in order.
    const total = [...plan.dosesByClinic.values()].reduce((n, list) => n + list.length, 0);
    log(`demo: recording ${total} doses for ${plan.persons} persons with ${concurrency} workers`);
    const doseStart = Date.now();
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
        for (const [i, d] of list.entries()) {
          if (failure !== null) return;
          const answer = await client.post<{ id: string }>('/v1/doses', actor, {
            person: d.person,
            batchId: d.batch.id,
            doseNumber: d.doseNumber,
            administeredAt: cst(d.at),
            route: d.route,
            vaccinatorRef: `V-${clinicCode.slice(-5)}-${pad(((i + n) % 4) + 1, 2)}`,
          });
          if (!samplePersonId) samplePersonId = answer.id;
          administered.set(d.batch.id, (administered.get(d.batch.id) ?? 0) + 1);
          done += 1;
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

    // One recall: the most used batch, by its manufacturer.
    let recalledBatchId = '';
    let dosesFromRecalledBatch = 0;
    for (const [batchId, n] of administered) if (n > dosesFromRecalledBatch) [recalledBatchId, dosesFromRecalledBatch] = [batchId, n];
    const recallBatch = plan.batches.find((b) => b.id === recalledBatchId) ?? plan.batches[0]!;
    recalledBatchId = recallBatch.id;
    log(`demo: recalling ${recalledBatchId} (${dosesFromRecalledBatch} doses given)`);
    await client.post('/v1/recalls', actorOf(recallBatch.maker), {
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
    };
    log(
      `demo: done in ${formatSeconds(elapsedSeconds)}: ${summary.organisations} organisations, ${summary.products} products, ` +
        `${summary.batches} batches, ${summary.shipments} shipments, ${summary.doses} doses for ${summary.persons} persons ` +
        `(${summary.dosesPerSecond.toFixed(0)}/s), recalled ${recalledBatchId}; sample person ${samplePersonId}`,
    );
    return summary;
  } catch (error) {
    if (error instanceof DemoRequestError) log(`demo: FAILED ${error.method} ${error.path} → ${error.status} ${error.body}`);
    else log(`demo: FAILED ${error instanceof Error ? error.message : String(error)}`);
    throw error;
  }
}
