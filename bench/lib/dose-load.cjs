'use strict';
/**
 * The http-doses bench's world and load (bench/suites/http-doses.cjs): master data seeded
 * through the HTTP API the way a clinic system and an ERP would, and one dose-1 body for a new
 * person per request.
 */
const CLINICS = 200;
const PRODUCTS = 5;
const BATCHES_PER_PRODUCT = 4;
const BATCHES_PER_CLINIC = 4;
const STOCK_PER_LINE = 2000;
const PROVINCE = '510000';
const CLINIC_REGIONS = ['510104', '510105', '510106', '510107', '510108', '510112', '510113', '510114'];
const ID_REGIONS = ['510104', '510107', '510108', '510112', '510623'];
const VACCINES = [
  { vaccineType: 'HepB', name: 'Hepatitis B vaccine (recombinant, yeast) 10 µg', route: 'IM', programme: 'NIP' },
  { vaccineType: 'MMR', name: 'Measles, mumps and rubella combined vaccine, live', route: 'SC', programme: 'NIP' },
  { vaccineType: 'DTaP', name: 'Diphtheria, tetanus and acellular pertussis vaccine, adsorbed', route: 'IM', programme: 'NIP' },
  { vaccineType: 'Influenza', name: 'Quadrivalent influenza vaccine (split virion), inactivated', route: 'IM', programme: 'nonNIP' },
  { vaccineType: 'HPV', name: 'Recombinant human papillomavirus bivalent (types 16, 18) vaccine', route: 'IM', programme: 'nonNIP' },
];
const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周'];
const GIVEN = ['伟', '芳', '娜', '敏', '静', '磊', '洋', '秀英', '子涵', '浩然'];

const pad = (n, width) => String(n).padStart(width, '0');
const CST = 8 * 3_600_000;
const cst = (msValue) => `${new Date(msValue + CST).toISOString().slice(0, 19)}+08:00`;

// ---------------------------------------------------------------------------------------------
// Seeding through the API

const post = async (baseUrl, pathName, actor, body, method = 'POST') => {
  const res = await fetch(`${baseUrl}${pathName}`, {
    method,
    headers: { 'content-type': 'application/json', accept: 'application/json', 'x-dev-actor': actor },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status < 200 || res.status > 299) throw new Error(`${method} ${pathName} answered ${res.status}: ${text}`);
  return text ? JSON.parse(text) : {};
};

const inParallel = async (items, concurrency, fn) => {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    }),
  );
};

const seed = async (ctx, baseUrl, domain) => {
  const { usccCheckChar, allowedExpiryDates } = domain;
  const uscc = (head, region, body9) => `${head}${region}${body9}${usccCheckChar(`${head}${region}${body9}`)}`;
  const regulator = { code: '12110000450712347E', province: '110000', kind: 'regulator' };
  const maker = {
    code: uscc('91', '320100', 'MA900DM01'),
    province: '320000',
    kind: 'manufacturer',
    name: 'Jiangsu Biological Products Co.',
  };
  const cdc = { code: uscc('12', PROVINCE, 'MB900CD01'), province: PROVINCE, kind: 'cdc', name: 'Sichuan Provincial CDC' };
  const clinics = Array.from({ length: CLINICS }, (_, k) => ({
    code: uscc('12', CLINIC_REGIONS[k % CLINIC_REGIONS.length], `MC900${pad(k + 1, 4)}`),
    province: PROVINCE,
    kind: 'clinic',
    name: `Sichuan community vaccination clinic no. ${k + 1}`,
    parent: cdc.code,
  }));
  const actorOf = (org) => `${org.kind}:${org.code}:${org.province}`;
  // The national regulator (province 000000) may register organisations anywhere.
  const regulatorActor = `regulator:${regulator.code}:000000`;

  const t0 = Date.now();
  for (const org of [maker, cdc])
    await post(baseUrl, '/v1/organisations', regulatorActor, {
      orgCode: org.code,
      name: org.name,
      kind: org.kind,
      provinceCode: org.province,
    });
  await inParallel(clinics, 8, (org) =>
    post(baseUrl, '/v1/organisations', regulatorActor, {
      orgCode: org.code,
      name: org.name,
      kind: org.kind,
      provinceCode: org.province,
      parentOrgCode: org.parent,
    }),
  );
  const products = VACCINES.map((v, i) => ({ ...v, code: `86${pad(90017 + i * 1117, 5)}` }));
  for (const [i, p] of products.entries())
    await post(baseUrl, '/v1/products', actorOf(maker), {
      productCode: p.code,
      name: p.name,
      vaccineType: p.vaccineType,
      approvalNo: `S2025${pad(2000 + i, 4)}`,
      mahOrgCode: maker.code,
      dosesPerUnit: 1,
      storageC: { min: 2, max: 8 },
      shelfLifeMonths: 24,
      programme: p.programme,
      serialised: false,
    });
  // Clinic k stocks batches (3k + 5j) mod 20, j = 0..3: four different batches.
  const batchCount = PRODUCTS * BATCHES_PER_PRODUCT;
  const stockOf = (k) => Array.from({ length: BATCHES_PER_CLINIC }, (_, j) => (3 * k + 5 * j) % batchCount);
  const clinicsPerBatch = new Array(batchCount).fill(0);
  for (let k = 0; k < CLINICS; k++) for (const b of stockOf(k)) clinicsPerBatch[b]++;
  const batches = [];
  for (let pi = 0; pi < PRODUCTS; pi++)
    for (let j = 0; j < BATCHES_PER_PRODUCT; j++) {
      const b = pi * BATCHES_PER_PRODUCT + j;
      const producedOn = `2025-12-0${1 + ((pi + j) % 5)}`;
      const lot = `2512${pad(pi, 2)}${String.fromCharCode(65 + j)}900`;
      const toCdc = clinicsPerBatch[b] * STOCK_PER_LINE + 1000;
      batches.push({ id: `${products[pi].code}-${lot}`, product: products[pi], lot, producedOn, toCdc });
    }
  for (const b of batches) {
    const answer = await post(baseUrl, '/v1/batches', actorOf(maker), {
      productCode: b.product.code,
      lotNumber: b.lot,
      producedOn: b.producedOn,
      expiresOn: allowedExpiryDates(b.producedOn, 24)[0],
      quantity: b.toCdc + 5000,
    });
    if (answer.id && answer.id !== b.id) b.id = answer.id;
    await post(baseUrl, `/v1/batches/${b.id}/release`, regulatorActor, {
      certificateNo: `SJ${b.producedOn.slice(0, 4)}${b.lot}`,
      decidedOn: `2025-12-${pad(Number(b.producedOn.slice(8, 10)) + 4, 2)}`,
    });
  }
  let note = 0;
  // Dispatches from one site append to that site's stream, so they go one at a time; the
  // receipts (each on its clinic's stream) go in parallel.
  const dispatch = async (from, to, lines, dispatchedAt, hours) => {
    note++;
    const shipment = await post(baseUrl, '/v1/shipments', actorOf(from), {
      toSite: to.code,
      dispatchedAt: cst(dispatchedAt),
      deliveryNoteNo: `DN-BENCH-${pad(note, 5)}`,
      lines: lines.map(([batchId, quantity]) => ({ batchId, quantity })),
    });
    return { id: shipment.id, to, lines, dispatchedAt, hours };
  };
  const receive = async ({ id, to, lines, dispatchedAt, hours }) => {
    const receivedAt = dispatchedAt + hours * 3_600_000;
    const readings = [];
    for (let t = dispatchedAt + 1_800_000, k = 0; t < receivedAt; t += 3_600_000, k++)
      readings.push({ at: cst(t), celsius: Math.round((4.2 + ((k * 7) % 11) / 5) * 10) / 10 });
    await post(baseUrl, `/v1/shipments/${id}/receipt`, actorOf(to), {
      receivedAt: cst(receivedAt),
      lines: lines.map(([batchId, quantity]) => ({ batchId, accepted: quantity, rejected: 0 })),
      verification: { result: 'accepted', releaseCertificateChecked: true },
      temperatureLog: { deviceId: `TL-${to.code.slice(-6)}`, readings },
    });
  };
  await receive(
    await dispatch(
      maker,
      cdc,
      batches.map((b) => [b.id, b.toCdc]),
      Date.parse('2025-12-12T09:00:00+08:00'),
      30,
    ),
  );
  const toClinics = [];
  for (const [k, clinic] of clinics.entries())
    toClinics.push(
      await dispatch(
        cdc,
        clinic,
        stockOf(k).map((b) => [batches[b].id, STOCK_PER_LINE]),
        Date.parse('2025-12-15T08:00:00+08:00') + (k % 8) * 3_600_000,
        5,
      ),
    );
  await inParallel(toClinics, 8, receive);
  // Doses check stock on the read models: wait until the last clinic's receipt is visible.
  const last = clinics[clinics.length - 1];
  for (const deadline = Date.now() + 60_000; ;) {
    const inventory = await post(baseUrl, `/v1/sites/${last.code}/inventory`, actorOf(last), undefined, 'GET');
    if ((inventory.batches?.length ?? 0) > 0) break;
    if (Date.now() > deadline) throw new Error(`stock at ${last.code} did not show in the read models within 60 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const seconds = (Date.now() - t0) / 1000;
  ctx.log(
    `seeded through the API in ${seconds.toFixed(1)} s: 3 + ${CLINICS} organisations, ${PRODUCTS} products, ${batchCount} batches, ${CLINICS + 1} shipments + receipts`,
  );
  return {
    seconds,
    clinics: clinics.map((c, k) => ({ actor: actorOf(c), batches: stockOf(k).map((b) => batches[b]) })),
    batchCount,
  };
};

// ---------------------------------------------------------------------------------------------
// Load

/** Request number n → a dose-1 body for a new person at clinic n mod 200. */
const doseRequests = (domain, seeded) => {
  const { residentIdCheckChar } = domain;
  const birthBase = Date.parse('1960-01-01T00:00:00Z');
  const now = Date.now();
  let n = 0;
  const residentId = (i) => {
    const region = ID_REGIONS[Math.floor(i / 16_000_000) % ID_REGIONS.length];
    const birth = new Date(birthBase + (i % 16_000) * 86_400_000).toISOString().slice(0, 10);
    const sequence = Math.floor(i / 16_000) % 1000;
    const first17 = `${region}${birth.replaceAll('-', '')}${pad(sequence, 3)}`;
    return { idNumber: `${first17}${residentIdCheckChar(first17)}`, birthDate: birth, sex: sequence % 2 === 1 ? 'M' : 'F' };
  };
  const next = () => {
    const i = n++;
    const clinic = seeded.clinics[i % seeded.clinics.length];
    const batch = clinic.batches[Math.floor(i / seeded.clinics.length) % clinic.batches.length];
    const id = residentId(i);
    return {
      headers: { 'content-type': 'application/json', 'x-dev-actor': clinic.actor },
      body: JSON.stringify({
        person: {
          idType: 'RESIDENT_ID',
          idNumber: id.idNumber,
          name: `${SURNAMES[i % 10]}${GIVEN[Math.floor(i / 10) % 10]}`,
          birthDate: id.birthDate,
          sex: id.sex,
        },
        batchId: batch.id,
        doseNumber: 1,
        administeredAt: cst(now - 60_000 - (i % 600) * 60_000),
        route: batch.product.route,
        bodySite: 'left_deltoid',
        vaccinatorRef: `V-${clinic.actor.slice(-12, -7)}-0${(i % 4) + 1}`,
      }),
    };
  };
  return {
    next,
    get count() {
      return n;
    },
  };
};

module.exports = { CLINICS, PRODUCTS, BATCHES_PER_PRODUCT, BATCHES_PER_CLINIC, STOCK_PER_LINE, seed, doseRequests };
