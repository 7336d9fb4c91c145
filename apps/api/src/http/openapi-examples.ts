/**
 * Request examples of the OpenAPI document ("try it out" in /docs). They are valid and form
 * one story on a fresh node, in this order (test/api/openapi-contract.int.spec.ts posts each
 * and expects it accepted): the regulator registers the CDC, the manufacturer its product and
 * a batch, the regulator releases it, the manufacturer ships it to the CDC, the CDC receives
 * it, … Identifiers carry valid check characters (API.md). Callers, with AUTH_MODE=dev:
 * regulator `regulator:12110000450712347E:000000`, manufacturer
 * `manufacturer:91320000MA1X0Y2W3E:320000`, CDC `cdc:12510000MB0A1234XJ:510000`, clinic
 * `clinic:12440300MB1B2345QN:440000`.
 */
export const EXAMPLE_IDS = {
  maker: '91320000MA1X0Y2W3E',
  cdc: '12510000MB0A1234XJ',
  clinic: '12440300MB1B2345QN',
  regulator: '12110000450712347E',
  product: '8696321',
  lot: '202611A017',
  batchId: '8696321-202611A017',
} as const;

const { batchId } = EXAMPLE_IDS;

export const REQUEST_EXAMPLES: Readonly<Record<string, unknown>> = {
  'POST /v1/organisations': { orgCode: EXAMPLE_IDS.cdc, name: 'Sichuan CDC', kind: 'cdc', provinceCode: '510000' },
  'POST /v1/products': {
    productCode: EXAMPLE_IDS.product,
    name: 'Hepatitis B vaccine (recombinant) 10 µg',
    vaccineType: 'HepB',
    approvalNo: 'S20260001',
    mahOrgCode: EXAMPLE_IDS.maker,
    dosesPerUnit: 1,
    storageC: { min: 2, max: 8 },
    shelfLifeMonths: 24,
    programme: 'NIP',
    serialised: false,
  },
  'POST /v1/batches': {
    productCode: EXAMPLE_IDS.product,
    lotNumber: EXAMPLE_IDS.lot,
    producedOn: '2026-11-01',
    expiresOn: '2028-10-31',
    quantity: 10,
  },
  'POST /v1/batches/{batchId}/release': { certificateNo: 'SJ-2026-001', decidedOn: '2026-11-05' },
  'POST /v1/batches/{batchId}/release-refusal': { reason: 'potency below specification', decidedOn: '2026-11-05' },
  'POST /v1/shipments': {
    toSite: EXAMPLE_IDS.cdc,
    dispatchedAt: '2026-11-10T09:00:00+08:00',
    deliveryNoteNo: 'DN-2026-11-0042',
    lines: [{ batchId, quantity: 4 }],
  },
  'POST /v1/shipments/{shipmentId}/receipt': {
    receivedAt: '2026-11-11T15:30:00+08:00',
    lines: [{ batchId, accepted: 4, rejected: 0 }],
    verification: { result: 'accepted', releaseCertificateChecked: true },
    temperatureLog: { deviceId: 'TL-88', readings: [{ at: '2026-11-11T12:00:00+08:00', celsius: 4.8 }] },
  },
  'POST /v1/doses': {
    person: { idType: 'RESIDENT_ID', idNumber: '510104199003071237', name: '张三', birthDate: '1990-03-07', sex: 'M' },
    batchId,
    doseNumber: 1,
    administeredAt: '2026-11-20T10:15:00+08:00',
    route: 'IM',
    vaccinatorRef: 'V-0042',
  },
  'POST /v1/doses/{eventId}/entered-in-error': { reasonCode: 'duplicate_entry' },
  'POST /v1/persons/lookup': { idType: 'RESIDENT_ID', idNumber: '510104199003071237' },
  'DELETE /v1/persons/{personId}/details': { legalBasis: 'subject_request' },
  'POST /v1/destructions': {
    destroyedAt: '2026-11-21T11:00:00+08:00',
    lines: [{ batchId, quantity: 1 }],
    reasonCode: 'damaged',
    executorRef: 'S-0007',
    supervisorRef: 'S-0101',
    supervisorOrgCode: EXAMPLE_IDS.regulator,
  },
  'POST /v1/recalls': {
    batchIds: [batchId],
    kind: 'suspension',
    level: 2,
    initiation: 'ordered',
    reasonCode: 'quality_defect',
    reasonText: 'potency below specification',
    effectiveAt: '2026-11-22T09:00:00+08:00',
    actions: ['stop_use', 'quarantine'],
    personFollowUp: 'none',
  },
  'POST /v1/recalls/{recallId}/lift': { reasonCode: 'cleared' },
  'POST /v1/status': { idType: 'RESIDENT_ID', idNumber: '510104199003071237', nonce: 'hc-7f3a9c21e4b8' },
  'POST /v1/aefi': {
    person: { idType: 'RESIDENT_ID', idNumber: '510104199003071237' },
    doseEventIds: ['5e5930ec-d662-4ddf-a711-c35e78d4b5b5'],
    discoveredAt: '2026-11-21T09:30:00+08:00',
    onsetAt: '2026-11-20T22:00:00+08:00',
    signs: ['fever_38_5'],
    serious: false,
    cluster: false,
    outcome: 'recovering',
    narrative: '接种后当晚发热 38.6 ℃，次日好转',
  },
  'POST /v1/aefi/{reportId}/classification': { aefiClass: 'common_reaction' },
};

/** Examples of path parameters (ids that exist once the story above has run). */
export const PARAMETER_EXAMPLES: Readonly<Record<string, string>> = {
  orgCode: EXAMPLE_IDS.cdc,
  productCode: EXAMPLE_IDS.product,
  batchId,
  code: '86963210000000000017',
  streamId: `org-${EXAMPLE_IDS.cdc}`,
};
