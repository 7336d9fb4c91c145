'use strict';
/**
 * The supply chain the one-clinic benches start from, built as its users would (the same
 * steps as test/support/scenario.ts's stockClinic): the national regulator registers a
 * manufacturer, a provincial CDC and a clinic under it; the manufacturer registers a HepB
 * product and produces a lot; the regulator releases it; it travels manufacturer → CDC →
 * clinic with accepted receipts.
 *
 * Each step is named after its use-case handler and carries that handler's command, so one
 * list of steps serves both the benches that seed through the HTTP API (`routeOf` turns a step
 * into its POST) and those that call the handlers in process. The caller's
 * `send(step, as, command)` carries every step and resolves to its answer (a dispatch's answer
 * has the shipment's `id`); `as` names one of ORGS, whose actor is DEV_ACTORS[as] (the
 * X-Dev-Actor header) or ACTORS[as] (the handlers' actor). Steps go one at a time, in order.
 */

/** The same organisations as test/support/api-harness.ts (valid check characters). */
const ORGS = {
  maker: '91320000MA1X0Y2W3E',
  cdc: '12510000MB0A1234XJ',
  clinic: '12440300MB1B2345QN',
  regulator: '12110000450712347E',
};
/** X-Dev-Actor header values (AUTH_MODE=dev); the national regulator may register anywhere. */
const DEV_ACTORS = {
  maker: `manufacturer:${ORGS.maker}:320000`,
  cdc: `cdc:${ORGS.cdc}:510000`,
  clinic: `clinic:${ORGS.clinic}:440000`,
  regulator: `regulator:${ORGS.regulator}:000000`,
};
/** The same actors as the use-case handlers take them. */
const ACTORS = {
  maker: { orgCode: ORGS.maker, role: 'manufacturer', provinceCode: '320000' },
  cdc: { orgCode: ORGS.cdc, role: 'cdc', provinceCode: '510000' },
  clinic: { orgCode: ORGS.clinic, role: 'clinic', provinceCode: '440000', siteCode: ORGS.clinic },
  regulator: { orgCode: ORGS.regulator, role: 'regulator', provinceCode: '000000' },
};
/** The HepB product every lot belongs to; a batch id is `${PRODUCT}-${lot}`. */
const PRODUCT = '8696321';

const daysAgo = (d) => new Date(Date.now() - d * 86_400_000).toISOString();

/**
 * The HTTP request of a step: POST to `path` with `body` (the command without the id the
 * path already names).
 */
const routeOf = (step, command) => {
  switch (step) {
    case 'registerOrganisation':
      return { path: '/v1/organisations', body: command };
    case 'registerProduct':
      return { path: '/v1/products', body: command };
    case 'registerBatch':
      return { path: '/v1/batches', body: command };
    case 'releaseBatch': {
      const { batchId, ...body } = command;
      return { path: `/v1/batches/${batchId}/release`, body };
    }
    case 'dispatchShipment':
      return { path: '/v1/shipments', body: command };
    case 'receiveShipment': {
      const { shipmentId, ...body } = command;
      return { path: `/v1/shipments/${shipmentId}/receipt`, body };
    }
    default:
      throw new Error(`stock-clinic: no route for step ${step}`);
  }
};

/**
 * The first half: the three organisations, the product, a lot of `quantity` units and its
 * release, which leaves the lot at the manufacturer. A serialised product's lot names its
 * `traceCodes`. Resolves to the batch id.
 */
const registerReleasedBatch = async (send, { lot, quantity, cdcName = 'Sichuan CDC', serialised = false, traceCodes, certificateNo }) => {
  const batchId = `${PRODUCT}-${lot}`;
  await send('registerOrganisation', 'regulator', { orgCode: ORGS.maker, name: 'Maker', kind: 'manufacturer', provinceCode: '320000' });
  await send('registerOrganisation', 'regulator', { orgCode: ORGS.cdc, name: cdcName, kind: 'cdc', provinceCode: '510000' });
  await send('registerOrganisation', 'regulator', {
    orgCode: ORGS.clinic,
    name: 'Clinic',
    kind: 'clinic',
    provinceCode: '440000',
    parentOrgCode: ORGS.cdc,
  });
  await send('registerProduct', 'maker', {
    productCode: PRODUCT,
    name: 'HepB',
    vaccineType: 'HepB',
    approvalNo: 'S1',
    mahOrgCode: ORGS.maker,
    dosesPerUnit: 1,
    storageC: { min: 2, max: 8 },
    shelfLifeMonths: 24,
    programme: 'NIP',
    serialised,
  });
  await send('registerBatch', 'maker', {
    productCode: PRODUCT,
    lotNumber: lot,
    producedOn: '2026-09-01',
    expiresOn: '2028-08-31',
    quantity,
    ...(traceCodes ? { traceCodes } : {}),
  });
  await send('releaseBatch', 'regulator', { batchId, certificateNo: certificateNo ?? `C-${lot}`, decidedOn: '2026-09-05' });
  return batchId;
};

/**
 * The whole chain: registerReleasedBatch, then all `quantity` units dispatched to the CDC and
 * received there, and dispatched on to the clinic and received there (dispatched 50 and 45
 * days ago, received 46 and 44 days ago). `certificateNo` defaults to `C-<lot>` and
 * `deliveryNotes` to `DN-<lot>-1` and `DN-<lot>-2`, as in scenario.ts. Resolves to the batch
 * id; the clinic then has `quantity` units of it available.
 */
const stockClinic = async (send, { lot, quantity, cdcName, certificateNo, deliveryNotes = [`DN-${lot}-1`, `DN-${lot}-2`] }) => {
  const batchId = await registerReleasedBatch(send, { lot, quantity, cdcName, certificateNo });
  const receipt = {
    verification: { result: 'accepted', releaseCertificateChecked: true },
    temperatureLog: { deviceId: 'TL-1', readings: [{ at: daysAgo(46), celsius: 5 }] },
  };
  const toCdc = await send('dispatchShipment', 'maker', {
    toSite: ORGS.cdc,
    dispatchedAt: daysAgo(50),
    deliveryNoteNo: deliveryNotes[0],
    lines: [{ batchId, quantity }],
  });
  await send('receiveShipment', 'cdc', {
    ...receipt,
    shipmentId: toCdc.id,
    receivedAt: daysAgo(46),
    lines: [{ batchId, accepted: quantity, rejected: 0 }],
  });
  const toClinic = await send('dispatchShipment', 'cdc', {
    toSite: ORGS.clinic,
    dispatchedAt: daysAgo(45),
    deliveryNoteNo: deliveryNotes[1],
    lines: [{ batchId, quantity }],
  });
  await send('receiveShipment', 'clinic', {
    ...receipt,
    shipmentId: toClinic.id,
    receivedAt: daysAgo(44),
    lines: [{ batchId, accepted: quantity, rejected: 0 }],
  });
  return batchId;
};

module.exports = { ORGS, DEV_ACTORS, ACTORS, PRODUCT, routeOf, registerReleasedBatch, stockClinic };
