'use strict';
/**
 * Realistic-looking events for the benchmarks: DoseAdministered payloads of about 400 bytes
 * of JSON with the fields the projections read, person ids in the pseudonym format
 * (`p1` + 26 base32 characters) and the usual metadata.
 */
const crypto = require('node:crypto');

const PROVINCE = '510000';
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

const base32 = (buf) => {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
};

/** Deterministic, pseudonym-shaped person id for person number `n` (28 chars). */
const personIdOf = (n) => `p1${base32(crypto.createHash('sha256').update(`vx-bench-person-${n}`).digest().subarray(0, 16))}`;

const personStreamOf = (personId) => `person-${PROVINCE}-${personId}`;

const uuid = () => crypto.randomUUID();

const VACCINE_TYPES = ['HepB', 'MMR', 'DTaP', 'IPV', 'HepA'];

/** Clinic codes: county code + 3 digits (`510104001` …). */
const clinicCode = (i) => `${510104 + Math.floor(i / 100)}${String((i % 100) + 1).padStart(3, '0')}`;

const pad2 = (n) => String(n).padStart(2, '0');

/** An instant in 2026 spread over the year, deterministic in `n`. */
const instantOf = (n) => {
  const day = n % 300;
  const month = Math.floor(day / 28) + 1;
  const dom = (day % 28) + 1;
  const seconds = (n * 37) % 36000;
  return `2026-${pad2(month)}-${pad2(dom)}T${pad2(8 + Math.floor(seconds / 3600))}:${pad2(Math.floor(seconds / 60) % 60)}:${pad2(seconds % 60)}.000+08:00`;
};

/**
 * A DoseAdministered payload. Besides the fields the projections read it carries what a
 * clinic records (route, site, staff, consent, observation), which is what makes it ~400 B.
 */
const doseData = ({ personId, siteCode, administeredAt, batchId, productCode, vaccineType, doseNumber }) => ({
  personId,
  siteCode,
  administeredAt,
  batchId,
  productCode,
  traceCode: null,
  vaccineType,
  doseNumber,
  route: 'intramuscular',
  bodySite: 'left_deltoid',
  staffRef: `${siteCode}-N0231`,
  consentRef: `CNS-${siteCode}-${administeredAt.slice(0, 10)}`,
  observationMinutes: 30,
  adverseReaction: false,
  programme: 'NIP',
});

const doseMetadata = (siteCode, occurredAt) => ({
  correlationId: uuid(),
  actor: { orgCode: siteCode, role: 'clinic', provinceCode: PROVINCE, siteCode, staffRef: `${siteCode}-N0231` },
  originProvince: PROVINCE,
  occurredAt,
});

/** One DoseAdministered NewEvent for person number `n`. */
const doseEvent = (n, { batchId, productCode, vaccineType, siteCode, doseNumber = 1, personId = personIdOf(n) }) => {
  const administeredAt = instantOf(n);
  return {
    eventId: uuid(),
    type: 'DoseAdministered',
    schemaVersion: 1,
    data: doseData({ personId, siteCode, administeredAt, batchId, productCode, vaccineType, doseNumber }),
    metadata: doseMetadata(siteCode, administeredAt),
  };
};

module.exports = {
  PROVINCE,
  VACCINE_TYPES,
  base32,
  personIdOf,
  personStreamOf,
  uuid,
  clinicCode,
  instantOf,
  doseData,
  doseMetadata,
  doseEvent,
};
