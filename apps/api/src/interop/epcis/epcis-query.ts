import { parseClassUri, parseDocumentUri, parseSiteUri, parseUnitUri } from './epc-uris';

/**
 * The EPCIS 2.0 REST query parameters we answer, turned into criteria over the supply-events
 * read model. Pure: the controller hands in the query string, gets criteria or field errors.
 * Every parameter narrows the result (parameters are ANDed); the values of one parameter are
 * alternatives (ORed), separated by `|` as the REST binding says.
 */
export interface EventCriteria {
  readonly bizSteps?: readonly string[];
  readonly dispositions?: readonly string[];
  /** MATCH_epc: events whose epcList names one of these trace codes. */
  readonly epcs?: readonly string[];
  /** MATCH_anyEPC: any identifier of the event (for our events: the same units). */
  readonly anyEpcs?: readonly string[];
  readonly batchIds?: readonly string[];
  readonly productCodes?: readonly string[];
  readonly from?: Date;
  readonly before?: Date;
  /** EQ_eventID: events whose ledger id is one of `eventIds` (uuids) or whose partner eventID is one of `epcisEventIds`. */
  readonly eventIds?: readonly string[];
  readonly epcisEventIds?: readonly string[];
  readonly sites?: readonly string[];
  /**
   * EQ_bizTransaction_desadv: dispatches (by sender and delivery note) and the receipts of those
   * dispatches. EQ_bizTransaction_po: dispatches by receiver and order number.
   */
  readonly desadvs?: readonly DocumentRef[];
  readonly orders?: readonly DocumentRef[];
  readonly perPage: number;
  /** Keyset paging: only events after this log position. */
  readonly after: bigint;
}

/** A business document named in a query: whose it is (a site) and its number. */
export interface DocumentRef {
  readonly owner: string;
  readonly number: string;
}

export interface FieldError {
  readonly field: string;
  readonly reason: string;
}

export const QUERY_PARAMETERS = [
  'EQ_bizStep',
  'EQ_disposition',
  'MATCH_epc',
  'MATCH_anyEPC',
  'MATCH_epcClass',
  'GE_eventTime',
  'LT_eventTime',
  'EQ_eventID',
  'EQ_bizLocation',
  'EQ_bizTransaction_desadv',
  'EQ_bizTransaction_po',
  'perPage',
  'nextPageToken',
] as const;

export const DEFAULT_PER_PAGE = 100;
export const MAX_PER_PAGE = 1000;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const UUID_URN = /^urn:uuid:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;
/** Any absolute URI (scheme, colon, no white space): what an EPCIS eventID is. */
const URI = /^[a-z][a-z0-9+.-]*:\S+$/i;
export const MAX_EVENT_ID_LENGTH = 2048;

/**
 * An eventID as it is kept and matched: a `urn:uuid:` in lower case (UUIDs compare without
 * case), any other URI as written; null when it is not a URI.
 */
export const normalEventId = (id: string): string | null => {
  if (id.length > MAX_EVENT_ID_LENGTH || !URI.test(id)) return null;
  const m = UUID_URN.exec(id);
  return m ? `urn:uuid:${m[1]!.toLowerCase()}` : id;
};

/**
 * What an eventID in a query names: a `urn:uuid:` may be one of our own facts (its ledger id)
 * or the eventID a partner gave an event it captured; any other URI (a CBV hash id `ni:///…`
 * included) only a partner's eventID. Null when it is not a URI.
 */
export const eventIdMatch = (id: string): { readonly ledgerId: string | null; readonly epcisEventId: string } | null => {
  const normal = normalEventId(id);
  if (normal === null) return null;
  const m = UUID_URN.exec(normal);
  return { ledgerId: m ? m[1]! : null, epcisEventId: normal };
};

/** `shipping`, `urn:epcglobal:cbv:bizstep:shipping` and `https://ref.gs1.org/cbv/BizStep-shipping` are one step. */
export const bareCbv = (value: string, kind: 'bizstep' | 'disp'): string => {
  const urn = kind === 'bizstep' ? 'urn:epcglobal:cbv:bizstep:' : 'urn:epcglobal:cbv:disp:';
  const web = kind === 'bizstep' ? 'https://ref.gs1.org/cbv/BizStep-' : 'https://ref.gs1.org/cbv/Disp-';
  if (value.startsWith(urn)) return value.slice(urn.length);
  if (value.startsWith(web)) return value.slice(web.length);
  return value;
};

export const pageToken = (position: bigint): string => Buffer.from(`after:${position.toString()}`).toString('base64url');
const positionOfToken = (token: string): bigint | null => {
  const m = /^after:(\d{1,19})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  return m ? BigInt(m[1]!) : null;
};

export const parseEventQuery = (query: Readonly<Record<string, unknown>>): { criteria: EventCriteria } | { errors: FieldError[] } => {
  const errors: FieldError[] = [];
  const values = (name: string): string[] | undefined => {
    const raw: unknown = query[name];
    if (raw === undefined) return undefined;
    const given: unknown[] = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : [raw];
    if (!given.every((v): v is string => typeof v === 'string')) {
      errors.push({ field: name, reason: 'not a plain value' });
      return [];
    }
    const all = given.flatMap((v) => v.split('|')).map((v) => v.trim());
    if (all.some((v) => v === '')) errors.push({ field: name, reason: 'empty value' });
    return all.filter((v) => v !== '');
  };
  for (const name of Object.keys(query))
    if (!(QUERY_PARAMETERS as readonly string[]).includes(name))
      errors.push({ field: name, reason: 'unknown or unsupported query parameter' });

  const units = (name: string): string[] | undefined =>
    values(name)?.flatMap((uri) => {
      const parsed = parseUnitUri(uri);
      if (parsed.ok) return [parsed.value.traceCode];
      errors.push({ field: name, reason: `${uri}: ${parsed.reason}` });
      return [];
    });
  const time = (name: string): Date | undefined => {
    const v = values(name);
    if (!v) return undefined;
    if (v.length !== 1 || !INSTANT.test(v[0]!) || Number.isNaN(Date.parse(v[0]!))) {
      errors.push({ field: name, reason: 'one RFC 3339 date-time with an offset' });
      return undefined;
    }
    return new Date(v[0]!);
  };

  const batchIds: string[] = [];
  const productCodes: string[] = [];
  for (const uri of values('MATCH_epcClass') ?? []) {
    const parsed = parseClassUri(uri);
    if (!parsed.ok) errors.push({ field: 'MATCH_epcClass', reason: `${uri}: ${parsed.reason}` });
    else if ('batchId' in parsed.value) batchIds.push(parsed.value.batchId);
    else productCodes.push(parsed.value.productCode);
  }
  const sites = values('EQ_bizLocation')?.flatMap((uri) => {
    const parsed = parseSiteUri(uri);
    if (parsed.ok) return [parsed.value];
    errors.push({ field: 'EQ_bizLocation', reason: `${uri}: ${parsed.reason}` });
    return [];
  });
  const documents = (kind: 'desadv' | 'po'): DocumentRef[] | undefined => {
    const name = `EQ_bizTransaction_${kind}`;
    return values(name)?.flatMap((uri) => {
      const parsed = parseDocumentUri(kind, uri);
      if (parsed.ok) return [parsed.value];
      errors.push({
        field: name,
        reason: `${uri}: not a ${kind} URI of this repository (https://id.vaxledger.example/${kind}/{site}/{number})`,
      });
      return [];
    });
  };
  const desadvs = documents('desadv');
  const orders = documents('po');
  const eventIdMatches = values('EQ_eventID')?.flatMap((id) => {
    const match = eventIdMatch(id);
    if (match) return [match];
    errors.push({ field: 'EQ_eventID', reason: `${id}: not an eventID (a URI: urn:uuid:…, or the partner's own)` });
    return [];
  });
  const eventIds = eventIdMatches?.flatMap((m) => (m.ledgerId ? [m.ledgerId] : []));
  const epcisEventIds = eventIdMatches?.map((m) => m.epcisEventId);

  let perPage = DEFAULT_PER_PAGE;
  const perPageText = values('perPage');
  if (perPageText) {
    const n = Number(perPageText[0]);
    if (perPageText.length !== 1 || !Number.isInteger(n) || n < 1 || n > MAX_PER_PAGE)
      errors.push({ field: 'perPage', reason: `an integer from 1 to ${MAX_PER_PAGE}` });
    else perPage = n;
  }
  let after = 0n;
  const token = values('nextPageToken');
  if (token) {
    const position = token.length === 1 ? positionOfToken(token[0]!) : null;
    if (position === null) errors.push({ field: 'nextPageToken', reason: 'not a token this repository issued' });
    else after = position;
  }

  const bizSteps = values('EQ_bizStep')?.map((v) => bareCbv(v, 'bizstep'));
  const dispositions = values('EQ_disposition')?.map((v) => bareCbv(v, 'disp'));
  const epcs = units('MATCH_epc');
  const anyEpcs = units('MATCH_anyEPC');
  const from = time('GE_eventTime');
  const before = time('LT_eventTime');
  if (errors.length > 0) return { errors };
  return {
    criteria: {
      ...(bizSteps ? { bizSteps } : {}),
      ...(dispositions ? { dispositions } : {}),
      ...(epcs ? { epcs } : {}),
      ...(anyEpcs ? { anyEpcs } : {}),
      ...(batchIds.length > 0 || productCodes.length > 0 ? { batchIds, productCodes } : {}),
      ...(from ? { from } : {}),
      ...(before ? { before } : {}),
      ...(eventIds && epcisEventIds ? { eventIds, epcisEventIds } : {}),
      ...(sites ? { sites } : {}),
      ...(desadvs ? { desadvs } : {}),
      ...(orders ? { orders } : {}),
      perPage,
      after,
    },
  };
};
