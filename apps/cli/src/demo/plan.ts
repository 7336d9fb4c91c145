import { type Actor, residentIdCheckChar, scheduleFor, usccCheckChar } from '@vaxledger/domain';

/**
 * The demo's sample, planned before anything is sent: organisations, products, batches and
 * doses for generated persons, all derived from a seeded pseudo-random generator so two runs
 * with the same seed plan the same sample.
 */

// ---------------------------------------------------------------------------------------------
// Fixed master data

export const REGULATOR = { code: '12110000450712347E', province: '110000' };
// The national regulator (province 000000) registers organisations in every province.
export const REGULATOR_ACTOR: Actor = { orgCode: REGULATOR.code, role: 'regulator', provinceCode: '000000' };

export interface Org {
  readonly code: string;
  readonly name: string;
  readonly kind: 'manufacturer' | 'cdc' | 'clinic';
  readonly province: string;
  readonly parent?: string;
}

const MAKER_SPECS = [
  { province: '320000', region: '320100', name: '江苏生物制品有限公司' },
  { province: '310000', region: '310100', name: '上海疫苗研究所有限公司' },
  { province: '440000', region: '440300', name: '深圳生物医药有限公司' },
] as const;

const CDC_SPECS = [
  {
    province: '510000',
    name: '四川省',
    clinicRegions: ['510104', '510105', '510106', '510107', '510108', '510112', '510113', '510114'],
    idRegions: ['510104', '510107', '510108', '510112', '510623'],
  },
  {
    province: '440000',
    name: '广东省',
    clinicRegions: ['440103', '440104', '440105', '440106', '440303', '440304', '440305', '440306'],
    idRegions: ['440103', '440106', '440305', '440306', '441302'],
  },
] as const;
/**
 * The clinics' districts, named as the clinics' registered names begin (the demo's master data
 * is in Chinese, as a province's own system holds it; the console is Chinese first).
 */
const DISTRICT_NAMES: Readonly<Record<string, string>> = {
  '510104': '成都市锦江区',
  '510105': '成都市青羊区',
  '510106': '成都市金牛区',
  '510107': '成都市武侯区',
  '510108': '成都市成华区',
  '510112': '成都市龙泉驿区',
  '510113': '成都市青白江区',
  '510114': '成都市新都区',
  '440103': '广州市荔湾区',
  '440104': '广州市越秀区',
  '440105': '广州市海珠区',
  '440106': '广州市天河区',
  '440303': '深圳市罗湖区',
  '440304': '深圳市福田区',
  '440305': '深圳市南山区',
  '440306': '深圳市宝安区',
};
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
  { vaccineType: 'HepB', name: '重组乙型肝炎疫苗（酿酒酵母）10 µg', route: 'IM', programme: 'NIP', born: [2020, 2025] },
  { vaccineType: 'MMR', name: '麻腮风联合减毒活疫苗', route: 'SC', programme: 'NIP', born: [2019, 2024] },
  {
    vaccineType: 'DTaP',
    name: '吸附无细胞百白破联合疫苗',
    route: 'IM',
    programme: 'NIP',
    born: [2020, 2025],
  },
  { vaccineType: 'IPV', name: '脊髓灰质炎灭活疫苗（Vero 细胞）', route: 'IM', programme: 'NIP', born: [2020, 2025] },
  { vaccineType: 'Varicella', name: '水痘减毒活疫苗', route: 'SC', programme: 'nonNIP', born: [2015, 2024] },
  {
    vaccineType: 'Influenza',
    name: '四价流感病毒裂解疫苗',
    route: 'IM',
    programme: 'nonNIP',
    born: [1945, 2020],
  },
  {
    vaccineType: 'HPV',
    name: '双价人乳头瘤病毒（16/18 型）疫苗',
    route: 'IM',
    programme: 'nonNIP',
    born: [1985, 2014],
  },
  {
    vaccineType: 'Rabies',
    name: '冻干人用狂犬病疫苗（Vero 细胞）',
    route: 'IM',
    programme: 'nonNIP',
    born: [1950, 2018],
  },
  {
    vaccineType: 'EV71',
    name: '肠道病毒 71 型灭活疫苗（Vero 细胞）',
    route: 'IM',
    programme: 'nonNIP',
    born: [2021, 2025],
  },
  { vaccineType: 'JE-L', name: '乙型脑炎减毒活疫苗', route: 'SC', programme: 'NIP', born: [2019, 2025] },
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

export const DAY = 86_400_000;
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
export const cst = (ms: number): string => `${new Date(ms + CST).toISOString().slice(0, 19)}+08:00`;
export const plusDays = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
export const pad = (n: number, width: number): string => String(n).padStart(width, '0');

const uscc = (head: string, region: string, body9: string): string => {
  const first17 = `${head}${region}${body9}`;
  return `${first17}${usccCheckChar(first17)}`;
};

const residentId = (region: string, birth: string, sequence: number): string => {
  const first17 = `${region}${birth.replaceAll('-', '')}${pad(sequence, 3)}`;
  return `${first17}${residentIdCheckChar(first17)}`;
};

export const formatSeconds = (s: number): string => (s >= 90 ? `${Math.floor(s / 60)}m${pad(Math.round(s % 60), 2)}s` : `${s.toFixed(0)}s`);

// ---------------------------------------------------------------------------------------------
// The plan

export interface Batch {
  readonly id: string;
  readonly productIndex: number;
  readonly lot: string;
  readonly producedOn: string;
  readonly maker: Org;
}

export interface PlannedDose {
  readonly person: { idType: 'RESIDENT_ID'; idNumber: string; name: string; birthDate: string; sex: 'M' | 'F' };
  readonly batch: Batch;
  readonly doseNumber: number;
  readonly at: number;
  readonly route: 'IM' | 'SC';
}

export interface Plan {
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

export const buildPlan = (doses: number, seed: number, now: number): Plan => {
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
    name: `${c.name}疾病预防控制中心`,
    kind: 'cdc',
    province: c.province,
  }));
  const clinics: Org[] = [];
  CDC_SPECS.forEach((c, ci) => {
    for (let k = 0; k < CLINICS_PER_CDC; k += 1) {
      const region = c.clinicRegions[k % c.clinicRegions.length]!;
      clinics.push({
        code: uscc('12', region, `MC${pad(seed % 1000, 3)}${pad(ci * CLINICS_PER_CDC + k + 1, 4)}`),
        name: `${DISTRICT_NAMES[region] ?? c.name}第 ${Math.floor(k / c.clinicRegions.length) + 1} 社区卫生服务中心预防接种门诊`,
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
