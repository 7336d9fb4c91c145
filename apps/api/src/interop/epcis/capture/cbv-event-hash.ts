import { createHash } from 'node:crypto';

/**
 * The CBV 2.0 "EPCIS Event Hash ID" of an event (`ni:///sha-256;{hex}?ver=CBV2.0`): a digest of a
 * canonical pre-hash string that does not depend on how the event was written (JSON or XML,
 * field order, list order, time zone of `eventTime`, bare or URN vocabulary, namespace prefixes).
 *
 * The pre-hash string: `eventType=…`, then the standard fields in the order CBV 2.0 lists them,
 * each as `name=value` (a structure as its name followed by its parts), the elements of every
 * list sorted; times in UTC at millisecond precision; standard vocabulary as its URN; user
 * extensions and `ilmd` last, each as `{full IRI of its name}=value`, sorted. `eventID`, `recordTime`
 * and `errorDeclaration` are left out. The form is the one GS1's published EPCIS 2.0 examples
 * were hashed with (test/fixtures/epcis/examples carry those values, and the unit test checks
 * them); it keeps identifiers as written (no rewriting of EPC URNs into Digital Link).
 */
export const cbvEventHash = (event: unknown, context: Readonly<Record<string, string>> = {}): string =>
  `ni:///sha-256;${createHash('sha256').update(preHashString(event, context), 'utf8').digest('hex')}?ver=CBV2.0`;

type Json = Readonly<Record<string, unknown>>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Prefixes the CBV and EPCIS contexts define, for extension names like `cbvmda:lotNumber`. */
const KNOWN_PREFIXES: Readonly<Record<string, string>> = {
  cbvmda: 'urn:epcglobal:cbv:mda:',
  gs1: 'https://gs1.org/voc/',
  epcis: 'https://ref.gs1.org/epcis/',
  cbv: 'https://ref.gs1.org/cbv/',
};

/** Vocabulary fields written bare (`shipping`) stand for these URNs. */
const VOCABULARY: Readonly<Record<string, string>> = {
  bizStep: 'urn:epcglobal:cbv:bizstep:',
  disposition: 'urn:epcglobal:cbv:disp:',
  set: 'urn:epcglobal:cbv:disp:',
  unset: 'urn:epcglobal:cbv:disp:',
  bizTransactionType: 'urn:epcglobal:cbv:btt:',
  sourceDestType: 'urn:epcglobal:cbv:sdt:',
  errorReason: 'urn:epcglobal:cbv:er:',
};

const vocabulary = (value: string, kind: keyof typeof VOCABULARY): string => {
  if (/^[a-z_]+$/i.test(value)) return `${VOCABULARY[kind]}${value}`;
  const web = /^https:\/\/ref\.gs1\.org\/cbv\/(?:BizStep|Disp|BTT|SDT|ER)-(.+)$/.exec(value);
  return web ? `${VOCABULARY[kind]}${web[1]}` : value;
};

/** An instant in UTC with milliseconds (`2005-04-04T02:33:31.116Z`); anything else as written. */
const utc = (value: string): string => {
  const time = Date.parse(value);
  return Number.isNaN(time) ? value : new Date(time).toISOString();
};

/** A number without leading `+` or trailing zeros (`26.0` → `26`). */
const numeric = (value: unknown): string => (typeof value === 'number' ? String(value) : String(value).trim());

const field = (name: string, value: unknown): string => (value === undefined || value === null ? '' : `${name}=${numeric(value)}`);
const sorted = (parts: string[]): string => parts.filter(Boolean).sort().join('');
const listOf = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const named = (name: string, body: string): string => (body ? `${name}${body}` : '');

const epcs = (name: string, list: unknown): string => named(name, sorted(listOf(list).map((e) => field('epc', e))));

const quantities = (name: string, list: unknown): string =>
  named(
    name,
    sorted(
      listOf(list)
        .filter(isObject)
        .map((q) => `quantityElement${field('epcClass', q.epcClass)}${field('quantity', q.quantity)}${field('uom', q.uom)}`),
    ),
  );

const parties = (name: 'source' | 'destination', list: unknown): string =>
  named(
    `${name}List`,
    sorted(
      listOf(list)
        .filter(isObject)
        .map((p) => `${field(name, p[name])}${field('type', vocabulary(String(p.type), 'sourceDestType'))}`),
    ),
  );

const SENSOR_METADATA = ['time', 'startTime', 'endTime', 'deviceID', 'deviceMetadata', 'rawData', 'dataProcessingMethod', 'bizRules'];
const SENSOR_REPORT = [
  'type',
  'exception',
  'deviceID',
  'deviceMetadata',
  'rawData',
  'dataProcessingMethod',
  'time',
  'microorganism',
  'chemicalSubstance',
  'value',
  'component',
  'stringValue',
  'booleanValue',
  'hexBinaryValue',
  'uriValue',
  'minValue',
  'maxValue',
  'meanValue',
  'sDev',
  'percRank',
  'percValue',
  'uom',
  'coordinateReferenceSystem',
];

const inOrder = (o: Json, names: readonly string[]): string =>
  names.map((n) => field(n, typeof o[n] === 'string' && /time$/i.test(n) ? utc(o[n]) : o[n])).join('');

const sensors = (list: unknown): string =>
  named(
    'sensorElementList',
    sorted(
      listOf(list)
        .filter(isObject)
        .map((s) => {
          const meta = isObject(s.sensorMetadata) ? named('sensorMetadata', inOrder(s.sensorMetadata, SENSOR_METADATA)) : '';
          const reports = sorted(
            listOf(s.sensorReport)
              .filter(isObject)
              .map((r) => named('sensorReport', inOrder(r, SENSOR_REPORT))),
          );
          return named('sensorElement', `${meta}${reports}`);
        }),
    ),
  );

/** Fields the standard defines, in the order the pre-hash string takes them. */
const STANDARD = new Set([
  '@context',
  'type',
  'eventID',
  'recordTime',
  'errorDeclaration',
  'eventTime',
  'eventTimeZoneOffset',
  'certificationInfo',
  'epcList',
  'parentID',
  'inputEPCList',
  'childEPCs',
  'quantityList',
  'childQuantityList',
  'inputQuantityList',
  'outputEPCList',
  'outputQuantityList',
  'action',
  'transformationID',
  'bizStep',
  'disposition',
  'persistentDisposition',
  'readPoint',
  'bizLocation',
  'bizTransactionList',
  'sourceList',
  'destinationList',
  'sensorElementList',
  'ilmd',
]);

/** `prefix:name` as the full IRI it stands for (JSON-LD expansion with the document's prefixes). */
const expandName = (name: string, context: Readonly<Record<string, string>>): string => {
  const colon = name.indexOf(':');
  if (colon < 0) return name;
  const prefix = name.slice(0, colon);
  const namespace = context[prefix] ?? KNOWN_PREFIXES[prefix];
  return namespace ? `${namespace}${name.slice(colon + 1)}` : name;
};

/** Extension elements: `iri=value`, structures as `iri` followed by their sorted parts. */
const extension = (name: string, value: unknown, context: Readonly<Record<string, string>>): string => {
  const key = expandName(name, context);
  if (Array.isArray(value)) return sorted(value.map((v) => extension(name, v, context)));
  if (isObject(value)) return `${key}${extensions(value, context)}`;
  return field(key, typeof value === 'string' && /time$/i.test(name) ? utc(value) : value);
};
const extensions = (o: Json, context: Readonly<Record<string, string>>): string =>
  sorted(Object.entries(o).map(([k, v]) => extension(k, v, context)));

/** The canonical string the hash is taken of (exported for tests). */
export const preHashString = (event: unknown, context: Readonly<Record<string, string>> = {}): string => {
  if (!isObject(event)) return '';
  const e = event;
  const id = (name: string): string => (isObject(e[name]) ? named(name, field('id', (e[name] as Json).id)) : '');
  const disposition = isObject(e.persistentDisposition) ? e.persistentDisposition : {};
  const transactions = named(
    'bizTransactionList',
    sorted(
      listOf(e.bizTransactionList)
        .filter(isObject)
        .map(
          (t) =>
            `${field('bizTransaction', t.bizTransaction)}${t.type === undefined ? '' : field('type', vocabulary(String(t.type), 'bizTransactionType'))}`,
        ),
    ),
  );
  const userFields = Object.fromEntries(Object.entries(e).filter(([k]) => !STANDARD.has(k)));
  return [
    field('eventType', e.type),
    field('eventTime', typeof e.eventTime === 'string' ? utc(e.eventTime) : undefined),
    field('eventTimeZoneOffset', e.eventTimeZoneOffset),
    epcs('epcList', e.epcList),
    field('parentID', e.parentID),
    epcs('inputEPCList', e.inputEPCList),
    epcs('childEPCs', e.childEPCs),
    quantities('quantityList', e.quantityList),
    quantities('childQuantityList', e.childQuantityList),
    quantities('inputQuantityList', e.inputQuantityList),
    epcs('outputEPCList', e.outputEPCList),
    quantities('outputQuantityList', e.outputQuantityList),
    field('action', e.action),
    field('transformationID', e.transformationID),
    field('bizStep', typeof e.bizStep === 'string' ? vocabulary(e.bizStep, 'bizStep') : undefined),
    field('disposition', typeof e.disposition === 'string' ? vocabulary(e.disposition, 'disposition') : undefined),
    named(
      'persistentDisposition',
      sorted([
        ...listOf(disposition.set).map((v) => field('set', vocabulary(String(v), 'set'))),
        ...listOf(disposition.unset).map((v) => field('unset', vocabulary(String(v), 'unset'))),
      ]),
    ),
    id('readPoint'),
    id('bizLocation'),
    transactions,
    parties('source', e.sourceList),
    parties('destination', e.destinationList),
    sensors(e.sensorElementList),
    isObject(e.ilmd) ? named('ilmd', extensions(e.ilmd, context)) : '',
    extensions(userFields, context),
  ].join('');
};

/** The prefixes a document's `@context` defines (its objects; remote contexts are not fetched). */
export const contextPrefixes = (document: unknown): Record<string, string> => {
  const context = isObject(document) ? document['@context'] : undefined;
  const out: Record<string, string> = {};
  for (const entry of Array.isArray(context) ? context : [context])
    if (isObject(entry)) for (const [k, v] of Object.entries(entry)) if (typeof v === 'string') out[k] = v;
  return out;
};
