import { createHash } from 'node:crypto';
import { ID_TYPES, type IdType } from '@vaxledger/domain';
import { CsvError, parse } from 'csv-parse/sync';
import type { RecordDoseCommand } from './record-dose.handler';

/**
 * The dose file a clinic imports (docs/dose-import.md, ADR 0030): CSV in UTF-8 (a byte order
 * mark, as Excel writes it, is allowed), one header row naming the columns, one dose per row.
 * Columns go by name, in any order; each has an English name (API.md's field name) and a
 * Chinese alias. The checks of a row are those POST /v1/doses makes on its JSON body, with
 * the same codes; the domain's rules then run in the dose handler itself.
 */

export const DOSE_COLUMNS = [
  'idType',
  'idNumber',
  'issuingState',
  'name',
  'birthDate',
  'sex',
  'batchId',
  'traceCode',
  'doseNumber',
  'administeredAt',
  'route',
  'bodySite',
  'vaccinatorRef',
  'overrideCode',
  'overrideReason',
  'idempotencyKey',
] as const;
export type DoseColumn = (typeof DOSE_COLUMNS)[number];

const OPTIONAL: ReadonlySet<DoseColumn> = new Set([
  'issuingState',
  'traceCode',
  'bodySite',
  'overrideCode',
  'overrideReason',
  'idempotencyKey',
]);
export const REQUIRED_DOSE_COLUMNS: readonly DoseColumn[] = DOSE_COLUMNS.filter((c) => !OPTIONAL.has(c));

/** Chinese column headers a clinic's spreadsheet may use instead of the English names. */
export const DOSE_COLUMN_ALIASES: Readonly<Record<string, DoseColumn>> = {
  证件类型: 'idType',
  证件号码: 'idNumber',
  签发国家: 'issuingState',
  姓名: 'name',
  出生日期: 'birthDate',
  性别: 'sex',
  批次: 'batchId',
  批次号: 'batchId',
  追溯码: 'traceCode',
  剂次: 'doseNumber',
  接种时间: 'administeredAt',
  接种途径: 'route',
  接种部位: 'bodySite',
  接种人员: 'vaccinatorRef',
  例外代码: 'overrideCode',
  例外原因: 'overrideReason',
  记录编号: 'idempotencyKey',
};

/** Sex as Chinese spreadsheets write it. */
const SEX_ALIASES: Readonly<Record<string, 'M' | 'F' | 'U'>> = { 男: 'M', 女: 'F', 未知: 'U' };

// The shapes POST /v1/doses accepts (apps/api/src/features/formats.ts; a unit test keeps them equal).
export const DOSE_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
export const DOSE_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ROUTES = ['IM', 'SC', 'ID', 'PO', 'IN'] as const;
/** What an Idempotency-Key header may hold (API.md): the column takes the same. */
const VISIBLE = /^[\x21-\x7e]{1,128}$/;

/** One data row of the file, its cells by column; empty cells are absent. */
export interface DoseCsvRow {
  /** 1 = the first row after the header. */
  readonly row: number;
  /** The line of the file where the row ends (the header is line 1): a spreadsheet's row number. */
  readonly line: number;
  readonly cells: Partial<Record<DoseColumn, string>>;
  /** Set when the row has another number of cells than the header. */
  readonly cellCount?: { readonly given: number; readonly expected: number };
}

export interface FieldProblem {
  readonly field: string;
  readonly reason: string;
}

/** The file as a whole cannot be read (not UTF-8, not CSV, header unusable): nothing is imported. */
export class DoseFileError extends Error {
  readonly code = 'VALIDATION_FAILED' as const;
  constructor(
    message: string,
    readonly errors: readonly FieldProblem[] = [],
  ) {
    super(message);
    this.name = 'DoseFileError';
  }
}

const columnOf = (header: string): DoseColumn | undefined => {
  const name = header.trim();
  const alias = DOSE_COLUMN_ALIASES[name];
  if (alias) return alias;
  return DOSE_COLUMNS.find((c) => c.toLowerCase() === name.toLowerCase());
};

/**
 * Reads a dose file: bytes in UTF-8 (BOM allowed), comma-separated, RFC 4180 quoting, a header
 * row first. Throws DoseFileError for what makes the whole file unusable; a row with the wrong
 * number of cells is kept and refused on its own.
 */
export const parseDoseCsv = (input: Uint8Array | string): DoseCsvRow[] => {
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(input);
    } catch {
      throw new DoseFileError('the file is not UTF-8 text; save it as "CSV UTF-8" (Excel) and try again');
    }
  }
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      bom: true,
      info: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (error) {
    if (error instanceof CsvError) {
      // csv-parse names the line; its message never quotes a cell.
      const line = (error as CsvError & { lines?: number }).lines;
      throw new DoseFileError(`the file is not valid CSV${line ? ` (line ${line})` : ''}: ${error.code}`);
    }
    throw error;
  }
  const [header, ...data] = records;
  if (!header) throw new DoseFileError('the file is empty: it needs a header row and one row per dose');
  const columns = header.record.map(columnOf);
  const problems: FieldProblem[] = [];
  header.record.forEach((name, i) => {
    if (columns[i] === undefined)
      problems.push({ field: name.slice(0, 40), reason: `unknown column ${JSON.stringify(name.slice(0, 40))}` });
  });
  for (const column of DOSE_COLUMNS)
    if (columns.filter((c) => c === column).length > 1) problems.push({ field: column, reason: `column ${column} appears twice` });
  for (const column of REQUIRED_DOSE_COLUMNS)
    if (!columns.includes(column)) problems.push({ field: column, reason: `column ${column} is missing` });
  if (problems.length > 0) throw new DoseFileError('the header row does not name the dose columns', problems);
  return data.map(({ record, info }, i) => {
    const cells: Partial<Record<DoseColumn, string>> = {};
    record.forEach((value, k) => {
      const column = columns[k];
      if (column && value !== '') cells[column] = value;
    });
    return {
      row: i + 1,
      line: info.lines,
      cells,
      ...(record.length !== columns.length ? { cellCount: { given: record.length, expected: columns.length } } : {}),
    };
  });
};

/** A row checked as POST /v1/doses checks its body: the command, or what is wrong (by column; no value is repeated). */
export type CheckedDoseRow =
  | { readonly ok: true; readonly command: RecordDoseCommand; readonly idempotencyKey: string | undefined }
  | { readonly ok: false; readonly errors: readonly FieldProblem[] };

export const checkDoseRow = ({ cells, cellCount }: DoseCsvRow): CheckedDoseRow => {
  const errors: FieldProblem[] = [];
  if (cellCount) errors.push({ field: 'row', reason: `the row has ${cellCount.given} cells, the header ${cellCount.expected}` });
  const text = (field: DoseColumn, min: number, max: number, required: boolean): string | undefined => {
    const value = cells[field];
    if (value === undefined) {
      if (required) errors.push({ field, reason: `${field} is required` });
      return undefined;
    }
    if (value.length < min || value.length > max) errors.push({ field, reason: `${field} must be ${min}–${max} characters long` });
    return value;
  };
  const oneOf = <T extends string>(field: DoseColumn, allowed: readonly T[], aliases: Readonly<Record<string, T>> = {}): T | undefined => {
    const value = cells[field];
    if (value === undefined) {
      errors.push({ field, reason: `${field} is required` });
      return undefined;
    }
    const known = aliases[value] ?? (allowed as readonly string[]).find((a) => a === value);
    if (known === undefined) errors.push({ field, reason: `${field} must be one of: ${allowed.join(', ')}` });
    return known as T | undefined;
  };
  const matching = (field: DoseColumn, pattern: RegExp, words: string, required: boolean): string | undefined => {
    const value = cells[field];
    if (value === undefined) {
      if (required) errors.push({ field, reason: `${field} is required` });
      return undefined;
    }
    if (!pattern.test(value)) errors.push({ field, reason: `${field} must be ${words}` });
    return value;
  };

  const idType = oneOf<IdType>('idType', ID_TYPES);
  const idNumber = text('idNumber', 1, 40, true);
  const issuingState = matching('issuingState', /^[A-Z]{3}$/, 'a three-letter country code (ISO 3166-1 alpha-3), like CHN', false);
  const name = text('name', 1, 100, true);
  const birthDate = matching('birthDate', DOSE_DATE, 'a date like 2027-03-01', true);
  const sex = oneOf('sex', ['M', 'F', 'U'] as const, SEX_ALIASES);
  const batchId = text('batchId', 3, 60, true);
  const traceCode = cells.traceCode;
  const doseText = matching('doseNumber', /^\d{1,2}$/, 'a whole number from 1 to 20', true);
  const doseNumber = doseText === undefined ? undefined : Number(doseText);
  if (doseNumber !== undefined && /^\d{1,2}$/.test(doseText!) && (doseNumber < 1 || doseNumber > 20))
    errors.push({ field: 'doseNumber', reason: 'doseNumber must be a whole number from 1 to 20' });
  const administeredAt = matching('administeredAt', DOSE_INSTANT, 'a date and time with its offset, like 2026-11-10T09:00:00+08:00', true);
  const route = oneOf('route', ROUTES);
  const bodySite = text('bodySite', 1, 40, false);
  const vaccinatorRef = text('vaccinatorRef', 1, 60, true);
  const overrideCode = text('overrideCode', 1, 40, false);
  const overrideReason = text('overrideReason', 1, 500, false);
  if ((overrideCode === undefined) !== (overrideReason === undefined))
    errors.push({
      field: overrideCode === undefined ? 'overrideCode' : 'overrideReason',
      reason: 'overrideCode and overrideReason go together',
    });
  const idempotencyKey = matching('idempotencyKey', VISIBLE, '1–128 visible ASCII characters (as an Idempotency-Key)', false);
  if (errors.length > 0) return { ok: false, errors };
  // In API.md's order of the fields, as a JSON body of POST /v1/doses would have them.
  const command: RecordDoseCommand = {
    person: {
      idType: idType!,
      idNumber: idNumber!,
      ...(issuingState !== undefined ? { issuingState } : {}),
      name: name!,
      birthDate: birthDate!,
      sex: sex!,
    },
    batchId: batchId!,
    ...(traceCode !== undefined ? { traceCode } : {}),
    doseNumber: doseNumber!,
    administeredAt: administeredAt!,
    route: route!,
    ...(bodySite !== undefined ? { bodySite } : {}),
    vaccinatorRef: vaccinatorRef!,
    ...(overrideCode !== undefined ? { override: { code: overrideCode, reason: overrideReason! } } : {}),
  };
  return { ok: true, command, idempotencyKey };
};

/**
 * The idempotency key of a row without an idempotencyKey cell: a hash of what the dose is (the
 * person's pseudonym, never the identity document itself, and the dose's own fields), not of
 * the file's name or the row's place in it. The same dose in a renamed, re-exported or
 * re-ordered file, or twice in one file, has the same key and is recorded once. Spelling of
 * the name or birth date does not count, as it does not for an Idempotency-Key retry over HTTP.
 */
export const derivedDoseKey = (personId: string, command: RecordDoseCommand): string => {
  const { person: _person, ...dose } = command;
  const digest = createHash('sha256')
    .update(JSON.stringify({ personId, ...dose }))
    .digest('base64url');
  return `csv-${digest}`;
};
