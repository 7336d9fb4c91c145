import { type Actor, isRuleViolation } from '@vaxledger/domain';
import { GuardViolationError, isEventStoreError } from '@vaxledger/event-store';
import { type CommandAnswer, isReplayedAnswer } from '../kernel/command-answer';
import type { CommandMeta } from '../kernel/command-meta';
import { isApplicationError } from '../kernel/errors';
import { pseudonymFor } from '../persons/pseudonym';
import { checkDoseRow, type DoseCsvRow, derivedDoseKey, type FieldProblem, parseDoseCsv } from './dose-csv';
import type { RecordDoseCommand, RecordDoseHandler } from './record-dose.handler';

/** What became of one row of a dose file. */
export interface DoseImportOutcome {
  readonly row: number;
  readonly line: number;
  /** recorded now; duplicate: recorded before (same idempotency key and dose), nothing appended; refused: see code. */
  readonly status: 'recorded' | 'duplicate' | 'refused';
  /** The person's pseudonym (recorded, duplicate). */
  readonly personId?: string;
  /** The DoseAdministered event (recorded, duplicate). */
  readonly doseEventId?: string;
  /** The stable code POST /v1/doses would answer for the same dose (refused). */
  readonly code?: string;
  readonly message?: string;
  readonly errors?: readonly FieldProblem[];
}

export interface DoseImportSummary {
  readonly rows: number;
  readonly recorded: number;
  readonly duplicates: number;
  readonly refused: number;
  readonly refusedByCode: Readonly<Record<string, number>>;
}

export interface DoseImportResult {
  readonly summary: DoseImportSummary;
  readonly outcomes: readonly DoseImportOutcome[];
}

export interface ImportDosesDeps {
  readonly recordDose: Pick<RecordDoseHandler, 'handleMany'>;
  readonly pseudonymSecret: string;
}

export interface ImportDosesOptions {
  /** Rows handed to the bulk path at once (it commits them in groups of 64). */
  readonly chunkSize?: number;
  /** Told after each chunk: rows done, rows in all. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Rows per call of the bulk path: a multiple of its group size, small enough for a progress bar to move. */
export const DOSE_IMPORT_CHUNK = 512;

/** The CSV column a domain field is, so a row's errors name what the clinic sees in its file. */
const columnOf = (field: string): string =>
  field.replace(/^person\./, '').replace(/^override\.(code|reason)$/, (_, f: string) => `override${f[0]!.toUpperCase()}${f.slice(1)}`);

/** A refusal's message without the row's personal identifiers, should a rule ever quote them. */
const scrub = (message: string, command: RecordDoseCommand | undefined): string => {
  let out = message;
  for (const secret of [command?.person.idNumber, command?.person.name])
    if (secret && secret.length >= 2) out = out.split(secret).join('[redacted]');
  return out;
};

/**
 * The refusal a dose's failure stands for (code, message), or null when it is not about the
 * dose at all (the store went away): then the import stops, as a single POST would fail.
 */
const refusalOf = (reason: unknown, command: RecordDoseCommand | undefined): Omit<DoseImportOutcome, 'row' | 'line' | 'status'> | null => {
  if (isRuleViolation(reason))
    return {
      code: reason.code,
      message: scrub(reason.message, command),
      ...(reason.field ? { errors: [{ field: columnOf(reason.field), reason: reason.code }] } : {}),
    };
  if (isApplicationError(reason)) return { code: reason.code, message: scrub(reason.message, command) };
  if (reason instanceof GuardViolationError) return { code: reason.rule, message: `${reason.rule} (${reason.subject})` };
  if (isEventStoreError(reason) && reason.code !== 'STORE_UNAVAILABLE' && reason.code !== 'GUARD_VIOLATION')
    return { code: reason.code === 'INVALID_APPEND' ? 'VALIDATION_FAILED' : reason.code, message: scrub(reason.message, command) };
  return null;
};

/**
 * ImportDoses: the rows of a dose file (parseDoseCsv), each checked as POST /v1/doses checks
 * its body, the valid ones recorded through the bulk dose path (RecordDoseHandler.handleMany:
 * groups of 64 in one transaction, ADR 0026) at the actor's site; one outcome per row, in the
 * file's order (ADR 0030). Each row carries an idempotency key (its idempotencyKey cell, or one
 * derived from the dose: derivedDoseKey), so a file imported again records nothing twice: its
 * rows answer `duplicate`. A refused row refuses only itself; the others are recorded.
 */
export class ImportDosesHandler {
  constructor(private readonly deps: ImportDosesDeps) {}

  /** A whole file as it came (bytes of UTF-8 CSV): throws DoseFileError when it cannot be read as a dose file. */
  async handleFile(
    file: Uint8Array | string,
    actor: Actor,
    meta: CommandMeta,
    options: ImportDosesOptions = {},
  ): Promise<DoseImportResult> {
    return this.handle(parseDoseCsv(file), actor, meta, options);
  }

  async handle(rows: readonly DoseCsvRow[], actor: Actor, meta: CommandMeta, options: ImportDosesOptions = {}): Promise<DoseImportResult> {
    const outcomes: DoseImportOutcome[] = [];
    const chunkSize = Math.max(1, options.chunkSize ?? DOSE_IMPORT_CHUNK);
    for (let at = 0; at < rows.length; at += chunkSize) {
      const slice = rows.slice(at, at + chunkSize);
      const ready: { index: number; command: RecordDoseCommand; key: string }[] = [];
      const chunk: DoseImportOutcome[] = slice.map((row, index) => {
        const place = { row: row.row, line: row.line };
        const checked = checkDoseRow(row);
        if (!checked.ok)
          return { ...place, status: 'refused', code: 'VALIDATION_FAILED', message: 'the row has invalid cells', errors: checked.errors };
        let personId: string;
        try {
          personId = pseudonymFor(this.deps.pseudonymSecret, checked.command.person, 'person.', checked.command.person);
        } catch (error) {
          const refusal = refusalOf(error, checked.command);
          if (!refusal) throw error;
          return { ...place, status: 'refused', ...refusal };
        }
        ready.push({ index, command: checked.command, key: checked.idempotencyKey ?? derivedDoseKey(personId, checked.command) });
        return { ...place, status: 'refused' };
      });
      // An Idempotency-Key on the import request itself is not passed on: each row has its own.
      const answers = await this.deps.recordDose.handleMany(
        ready.map(({ command, key }, k) => ({
          command,
          actor,
          meta: { correlationId: `${meta.correlationId}/${slice[ready[k]!.index]!.row}`, idempotencyKey: key },
        })),
      );
      answers.forEach((answer, k) => {
        const { index, command } = ready[k]!;
        const place = chunk[index]!;
        if (answer.status === 'fulfilled') {
          const value: CommandAnswer = answer.value;
          chunk[index] = {
            row: place.row,
            line: place.line,
            status: isReplayedAnswer(value) ? 'duplicate' : 'recorded',
            personId: value.id,
            doseEventId: value.eventIds[value.eventIds.length - 1]!,
          };
          return;
        }
        const refusal = refusalOf(answer.reason, command);
        if (!refusal) throw answer.reason;
        chunk[index] = { row: place.row, line: place.line, status: 'refused', ...refusal };
      });
      outcomes.push(...chunk);
      options.onProgress?.(outcomes.length, rows.length);
    }
    return { summary: summarise(outcomes), outcomes };
  }
}

export const summarise = (outcomes: readonly DoseImportOutcome[]): DoseImportSummary => {
  const refusedByCode: Record<string, number> = {};
  let recorded = 0;
  let duplicates = 0;
  for (const o of outcomes) {
    if (o.status === 'recorded') recorded += 1;
    else if (o.status === 'duplicate') duplicates += 1;
    else refusedByCode[o.code ?? 'UNKNOWN'] = (refusedByCode[o.code ?? 'UNKNOWN'] ?? 0) + 1;
  }
  return { rows: outcomes.length, recorded, duplicates, refused: outcomes.length - recorded - duplicates, refusedByCode };
};
