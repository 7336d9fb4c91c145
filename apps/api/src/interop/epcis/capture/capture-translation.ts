import { localDateOf, splitBatchId } from '@vaxledger/domain';
import { parseClassUri, parseSiteUri, parseUnitUri } from '../epc-uris';
import { bareCbv } from '../epcis-query';

/**
 * EPCIS 2.0 events of a captured document turned into the commands of our /v1 use cases
 * (the same bodies the /v1 endpoints take), or a reason each event cannot be. Pure: the facts it
 * needs from the ledger (which batch a trace code belongs to, a product's doses per unit, which
 * dispatch a delivery note names) come in through `CaptureLookups`. Business rules are not
 * checked here: the use-case handlers check them when the commands run.
 */
export type CaptureCommand =
  | { readonly useCase: 'registerBatch'; readonly body: RegisterBatchBody }
  | { readonly useCase: 'releaseBatch'; readonly batchId: string; readonly body: { certificateNo: string; decidedOn: string } }
  | { readonly useCase: 'dispatch'; readonly body: DispatchBody }
  | { readonly useCase: 'receive'; readonly shipmentId: string; readonly body: ReceiveBody }
  | { readonly useCase: 'destroy'; readonly body: DestroyBody }
  | { readonly useCase: 'recall'; readonly body: RecallBody };

export interface RegisterBatchBody {
  readonly productCode: string;
  readonly lotNumber: string;
  readonly producedOn: string;
  readonly expiresOn: string;
  readonly quantity: number;
  readonly traceCodes?: string[];
}
export interface Line {
  readonly batchId: string;
  readonly quantity: number;
  readonly traceCodes?: string[];
}
export interface DispatchBody {
  readonly toSite: string;
  readonly dispatchedAt: string;
  readonly deliveryNoteNo: string;
  readonly orderNo?: string;
  readonly carrierOrgCode?: string;
  readonly lines: Line[];
}
export interface ReceiveBody {
  readonly receivedAt: string;
  readonly lines: { batchId: string; accepted: number; rejected: number; traceCodes?: string[] }[];
  readonly verification: { result: 'accepted' | 'rejected'; releaseCertificateChecked: boolean };
  readonly temperatureLog?: { deviceId: string; readings: { at: string; celsius: number }[] };
}
export interface DestroyBody {
  readonly destroyedAt: string;
  readonly lines: Line[];
  readonly reasonCode: string;
  readonly executorRef: string;
  readonly supervisorRef: string;
  readonly supervisorOrgCode: string;
  readonly recallId?: string;
}
export interface RecallBody {
  readonly batchIds: string[];
  readonly kind: 'recall';
  readonly level: number;
  readonly initiation: string;
  readonly reasonCode: string;
  readonly reasonText: string;
  readonly effectiveAt: string;
  readonly actions: string[];
  readonly personFollowUp: string;
}

export interface CaptureLookups {
  /** The batch a trace code was produced in, or null when unknown here. */
  batchOfTraceCode(code: string): Promise<string | null>;
  /** Doses per unit of a registered product, or null. */
  dosesPerUnit(productCode: string): Promise<number | null>;
  /** The dispatch a delivery note names (sender, receiver, note), or null. */
  shipmentOf(fromSite: string, toSite: string, deliveryNoteNo: string): Promise<string | null>;
}

/** Why an event is refused: a stable code and what to fix. */
export interface CaptureRefusal {
  readonly code:
    | 'EPCIS_UNSUPPORTED_EVENT'
    | 'EPCIS_UNSUPPORTED_IDENTIFIER'
    | 'EPCIS_MISSING_FIELD'
    | 'UNKNOWN_TRACE_CODE'
    | 'UNKNOWN_PRODUCT'
    | 'UNKNOWN_SHIPMENT';
  readonly detail: string;
}

export type Translation = { readonly command: CaptureCommand } | { readonly refusal: CaptureRefusal };

type Json = Readonly<Record<string, unknown>>;
const refuse = (code: CaptureRefusal['code'], detail: string): Translation => ({ refusal: { code, detail } });
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const text = (e: Json, key: string): string | undefined => (typeof e[key] === 'string' ? e[key] : undefined);
const vx = (e: Json, key: string): unknown => e[`vx:${key}`] ?? e[`https://id.vaxledger.example/epcis/${key}`];

/** The last segment of a business-transaction URI: the document's own number. */
const documentNumber = (uri: string): string => uri.split(/[/:]/).filter(Boolean).pop() ?? uri;

/** The party of a given type in a source or destination list, as one of our sites. */
const partyOf = (list: unknown, role: 'source' | 'destination', type: string): string | null | undefined => {
  const entry = (Array.isArray(list) ? list : []).find((p): p is Json => isObject(p) && p.type === type);
  if (!entry) return undefined;
  const parsed = parseSiteUri(String(entry[role]));
  return parsed.ok ? parsed.value : null;
};

interface Objects {
  readonly byBatch: Map<string, { codes: string[]; quantity: number }>;
}

/** epcList and quantityList as lines per batch; a refusal for any identifier we cannot place. */
const objectsOf = async (e: Json, lookups: CaptureLookups): Promise<Objects | CaptureRefusal> => {
  const byBatch = new Map<string, { codes: string[]; quantity: number }>();
  const line = (batchId: string): { codes: string[]; quantity: number } => {
    let l = byBatch.get(batchId);
    if (!l) byBatch.set(batchId, (l = { codes: [], quantity: 0 }));
    return l;
  };
  for (const uri of strings(e.epcList)) {
    const unit = parseUnitUri(uri);
    if (!unit.ok) return { code: 'EPCIS_UNSUPPORTED_IDENTIFIER', detail: `epcList: ${uri} (${unit.reason})` };
    const batchId = await lookups.batchOfTraceCode(unit.value.traceCode);
    if (!batchId) return { code: 'UNKNOWN_TRACE_CODE', detail: `epcList: no unit ${unit.value.traceCode} on this node` };
    line(batchId).codes.push(unit.value.traceCode);
  }
  for (const q of Array.isArray(e.quantityList) ? e.quantityList : []) {
    if (!isObject(q)) return { code: 'EPCIS_MISSING_FIELD', detail: 'quantityList: an element is not an object' };
    const cls = parseClassUri(String(q.epcClass));
    if (!cls.ok || !('batchId' in cls.value))
      return { code: 'EPCIS_UNSUPPORTED_IDENTIFIER', detail: `quantityList: ${String(q.epcClass)} is not a lot class of ours` };
    // A lot named without a quantity (release, recall) names the lot; a counted one counts doses.
    if (
      q.quantity !== undefined &&
      (typeof q.quantity !== 'number' || !Number.isInteger(q.quantity) || q.quantity < 1 || q.uom !== undefined)
    )
      return { code: 'EPCIS_MISSING_FIELD', detail: 'quantityList: a positive whole quantity of doses, without uom' };
    line(cls.value.batchId).quantity += typeof q.quantity === 'number' ? q.quantity : 0;
  }
  return { byBatch };
};

/** Doses of a line: the codes' units times doses per unit, plus any counted quantity. */
const linesOf = async (objects: Objects, lookups: CaptureLookups): Promise<Line[] | CaptureRefusal> => {
  const lines: Line[] = [];
  for (const [batchId, { codes, quantity }] of objects.byBatch) {
    let doses = quantity;
    if (codes.length > 0) {
      const productCode = splitBatchId(batchId)?.productCode ?? '';
      const perUnit = await lookups.dosesPerUnit(productCode);
      if (perUnit === null) return { code: 'UNKNOWN_PRODUCT', detail: `no product ${productCode}` };
      doses += codes.length * perUnit;
    }
    lines.push({ batchId, quantity: doses, ...(codes.length > 0 ? { traceCodes: codes } : {}) });
  }
  return lines;
};

const isRefusal = (v: unknown): v is CaptureRefusal => isObject(v) && typeof v.code === 'string' && typeof v.detail === 'string';

/** One captured event → one command, for the caller `site` (its organisation). */
export const translateEvent = async (event: unknown, site: string, lookups: CaptureLookups): Promise<Translation> => {
  if (!isObject(event)) return refuse('EPCIS_MISSING_FIELD', 'an event is not an object');
  if (event.type !== 'ObjectEvent') return refuse('EPCIS_UNSUPPORTED_EVENT', `${String(event.type)} is not captured (ObjectEvents only)`);
  const bizStep = bareCbv(text(event, 'bizStep') ?? '', 'bizstep');
  const disposition = bareCbv(text(event, 'disposition') ?? '', 'disp');
  const action = text(event, 'action');
  const time = text(event, 'eventTime');
  if (!time) return refuse('EPCIS_MISSING_FIELD', 'eventTime');
  if (event.errorDeclaration !== undefined) return refuse('EPCIS_UNSUPPORTED_EVENT', 'error declarations are not captured');
  // New units are unknown until commissioned: only other steps look their batch up.
  const objects = action === 'ADD' && bizStep === 'commissioning' ? { byBatch: new Map() } : await objectsOf(event, lookups);
  if (isRefusal(objects)) return { refusal: objects };

  switch (`${action ?? ''} ${bizStep}`) {
    case 'ADD commissioning': {
      const ilmd = isObject(event.ilmd) ? event.ilmd : {};
      const lotNumber = ilmd['cbvmda:lotNumber'];
      const expiresOn = ilmd['cbvmda:itemExpirationDate'];
      if (typeof lotNumber !== 'string' || typeof expiresOn !== 'string')
        return refuse('EPCIS_MISSING_FIELD', 'ilmd cbvmda:lotNumber and cbvmda:itemExpirationDate');
      // New units are not known yet: take them from the URIs, and the product from the codes' prefix or the class.
      const codes: string[] = [];
      let gtin: string | undefined;
      for (const uri of strings(event.epcList)) {
        const unit = parseUnitUri(uri);
        if (!unit.ok) return refuse('EPCIS_UNSUPPORTED_IDENTIFIER', `epcList: ${uri} (${unit.reason})`);
        codes.push(unit.value.traceCode);
        gtin ??= unit.value.gtin;
      }
      const classes = (Array.isArray(event.quantityList) ? event.quantityList : []).filter(isObject);
      const cls = classes[0] ? parseClassUri(String(classes[0].epcClass)) : null;
      const productCode = cls?.ok
        ? 'batchId' in cls.value
          ? splitBatchId(cls.value.batchId)?.productCode
          : cls.value.productCode
        : (gtin ?? codes[0]?.slice(0, 7));
      if (!productCode) return refuse('EPCIS_MISSING_FIELD', 'the product: trace codes in epcList or a lot class in quantityList');
      const perUnit = await lookups.dosesPerUnit(productCode);
      if (perUnit === null) return refuse('UNKNOWN_PRODUCT', `no product ${productCode}`);
      const counted = classes.reduce((sum, q) => sum + (typeof q.quantity === 'number' ? q.quantity : 0), 0);
      return {
        command: {
          useCase: 'registerBatch',
          body: {
            productCode,
            lotNumber,
            producedOn: localDateOf(time),
            expiresOn,
            quantity: codes.length > 0 ? codes.length * perUnit : counted,
            ...(codes.length > 0 ? { traceCodes: codes } : {}),
          },
        },
      };
    }
    case 'OBSERVE inspecting': {
      // Lot release captured by the release authority: one lot class, conformant, with its certificate.
      const batchIds = [...objects.byBatch.keys()];
      if (disposition !== 'conformant')
        return refuse('EPCIS_UNSUPPORTED_EVENT', 'inspecting is captured as lot release (disposition conformant) only');
      const transactions = (Array.isArray(event.bizTransactionList) ? event.bizTransactionList : []).filter(isObject);
      const cert = transactions.find((t) => t.type === 'cert' || t.type === 'urn:epcglobal:cbv:btt:cert');
      if (batchIds.length !== 1 || !cert)
        return refuse('EPCIS_MISSING_FIELD', 'one lot class in quantityList and bizTransactionList cert (the release certificate)');
      return {
        command: {
          useCase: 'releaseBatch',
          batchId: batchIds[0]!,
          body: { certificateNo: documentNumber(String(cert.bizTransaction)), decidedOn: localDateOf(time) },
        },
      };
    }
    case 'OBSERVE shipping': {
      const lines = await linesOf(objects, lookups);
      if (isRefusal(lines)) return { refusal: lines };
      const to = partyOf(event.destinationList, 'destination', 'owning_party') ?? partyOf(event.destinationList, 'destination', 'location');
      if (!to) return refuse('EPCIS_MISSING_FIELD', 'destinationList owning_party or location: a site URI of ours');
      const carrier = partyOf(event.destinationList, 'destination', 'possessing_party');
      const transactions = (Array.isArray(event.bizTransactionList) ? event.bizTransactionList : []).filter(isObject);
      const desadv = transactions.find((t) => t.type === 'desadv' || t.type === 'urn:epcglobal:cbv:btt:desadv');
      const po = transactions.find((t) => t.type === 'po' || t.type === 'urn:epcglobal:cbv:btt:po');
      if (!desadv) return refuse('EPCIS_MISSING_FIELD', 'bizTransactionList desadv (the delivery note)');
      return {
        command: {
          useCase: 'dispatch',
          body: {
            toSite: to,
            dispatchedAt: time,
            deliveryNoteNo: documentNumber(String(desadv.bizTransaction)),
            ...(po ? { orderNo: documentNumber(String(po.bizTransaction)) } : {}),
            ...(carrier ? { carrierOrgCode: carrier } : {}),
            lines,
          },
        },
      };
    }
    case 'OBSERVE receiving': {
      const lines = await linesOf(objects, lookups);
      if (isRefusal(lines)) return { refusal: lines };
      const from = partyOf(event.sourceList, 'source', 'owning_party') ?? partyOf(event.sourceList, 'source', 'location');
      const given = vx(event, 'shipmentId');
      const transactions = (Array.isArray(event.bizTransactionList) ? event.bizTransactionList : []).filter(isObject);
      const desadv = transactions.find((t) => t.type === 'desadv' || t.type === 'urn:epcglobal:cbv:btt:desadv');
      const shipmentId =
        typeof given === 'string'
          ? given
          : from && desadv
            ? await lookups.shipmentOf(from, site, documentNumber(String(desadv.bizTransaction)))
            : null;
      if (!shipmentId)
        return refuse(
          'UNKNOWN_SHIPMENT',
          'name the dispatch: vx:shipmentId, or sourceList owning_party + bizTransactionList desadv of a dispatch to you',
        );
      const rejected = disposition === 'non_conformant';
      const reports = (Array.isArray(event.sensorElementList) ? event.sensorElementList : [])
        .filter(isObject)
        .flatMap((s) => (Array.isArray(s.sensorReport) ? s.sensorReport : []).filter(isObject).map((r) => ({ s, r })))
        .filter(({ r }) => (r.type === 'Temperature' || r.type === 'gs1:Temperature') && r.uom === 'CEL' && typeof r.value === 'number');
      const meta = reports[0] && isObject(reports[0].s.sensorMetadata) ? reports[0].s.sensorMetadata : undefined;
      return {
        command: {
          useCase: 'receive',
          shipmentId,
          body: {
            receivedAt: time,
            lines: lines.map((l) => ({
              batchId: l.batchId,
              accepted: rejected ? 0 : l.quantity,
              rejected: rejected ? l.quantity : 0,
              ...(l.traceCodes ? { traceCodes: l.traceCodes } : {}),
            })),
            verification: {
              result: rejected ? 'rejected' : 'accepted',
              releaseCertificateChecked: vx(event, 'releaseCertificateChecked') !== false,
            },
            ...(reports.length > 0
              ? {
                  temperatureLog: {
                    deviceId: documentNumber(String(meta?.deviceID ?? 'sensor')),
                    readings: reports.map(({ r }) => ({ at: typeof r.time === 'string' ? r.time : time, celsius: r.value as number })),
                  },
                }
              : {}),
          },
        },
      };
    }
    case 'DELETE destroying': {
      const lines = await linesOf(objects, lookups);
      if (isRefusal(lines)) return { refusal: lines };
      const [reasonCode, executorRef, supervisorRef, supervisorOrgCode] = [
        'reasonCode',
        'executorRef',
        'supervisorRef',
        'supervisorOrgCode',
      ].map((k) => vx(event, k));
      if ([reasonCode, executorRef, supervisorRef, supervisorOrgCode].some((v) => typeof v !== 'string'))
        return refuse(
          'EPCIS_MISSING_FIELD',
          'vx:reasonCode, vx:executorRef, vx:supervisorRef and vx:supervisorOrgCode (destruction records need them)',
        );
      const recallId = vx(event, 'recallId');
      return {
        command: {
          useCase: 'destroy',
          body: {
            destroyedAt: time,
            lines,
            reasonCode: reasonCode as string,
            executorRef: executorRef as string,
            supervisorRef: supervisorRef as string,
            supervisorOrgCode: supervisorOrgCode as string,
            ...(typeof recallId === 'string' ? { recallId } : {}),
          },
        },
      };
    }
    case 'OBSERVE holding': {
      if (disposition !== 'recalled')
        return refuse('EPCIS_UNSUPPORTED_EVENT', `holding with disposition ${disposition || '(none)'} is not captured (recalled only)`);
      const batchIds = [...objects.byBatch.keys()];
      const reasonText = vx(event, 'reasonText');
      if (batchIds.length === 0 || typeof reasonText !== 'string')
        return refuse(
          'EPCIS_MISSING_FIELD',
          'lot classes in quantityList and vx:reasonText (and optionally vx:level, vx:reasonCode, vx:actions, vx:personFollowUp)',
        );
      const level = vx(event, 'level');
      const actions = vx(event, 'actions');
      return {
        command: {
          useCase: 'recall',
          body: {
            batchIds,
            kind: 'recall',
            level: typeof level === 'number' ? level : 1,
            initiation: typeof vx(event, 'initiation') === 'string' ? (vx(event, 'initiation') as string) : 'voluntary',
            reasonCode: typeof vx(event, 'reasonCode') === 'string' ? (vx(event, 'reasonCode') as string) : 'other',
            reasonText,
            effectiveAt: time,
            actions: Array.isArray(actions) ? strings(actions) : ['stop_use'],
            personFollowUp: typeof vx(event, 'personFollowUp') === 'string' ? (vx(event, 'personFollowUp') as string) : 'none',
          },
        },
      };
    }
    default:
      return refuse(
        'EPCIS_UNSUPPORTED_EVENT',
        `${action ?? '(no action)'} ${bizStep || '(no bizStep)'} is not captured (ADD commissioning, OBSERVE inspecting conformant, OBSERVE shipping, OBSERVE receiving, DELETE destroying, OBSERVE holding recalled)`,
      );
  }
};
