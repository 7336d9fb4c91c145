import { requireInstant, requireNotInFuture } from '../shared/assertions';
import { addMonths, compareDates, compareInstants, daysBetween, localDateOf, type Instant, type LocalDate } from '../shared/dates';
import type { BaseContext, Command, Decider, EventMeta } from '../shared/decider';
import { unreachable } from '../shared/domain-event';
import { RuleViolation } from '../shared/rule-violation';
import { requireUsableBatch, type BatchFacts } from '../batch/batch.facts';
import { doseRuleFor, scheduleFor } from '../schedules/schedules';
import { splitBatchId } from '../streams';
import {
  doseAdministered,
  doseEnteredInError,
  personDetailsErased,
  personRegistered,
  type AgeBand,
  type DoseErrorReason,
  type DoseOverride,
  type ErasureBasis,
  type PersonEvent,
  type Route,
} from './person.events';
import type { DoseFacts, TraceCodeFacts } from './person.facts';

// ---------------------------------------------------------------------------------------------
// Commands

export interface RecordDoseData {
  readonly personId: string;
  /**
   * Vault key id for the person's details; used when this stream is new. For a person whose
   * details were erased it is the destroyed key's id: erasure is final (see below).
   */
  readonly keyId: string;
  readonly residenceRegion?: string;
  readonly administeredAt: Instant;
  /**
   * The person's birth date as presented with the dose, checked (no dose before it) and never
   * recorded: the event carries no personal detail.
   */
  readonly birthDate?: LocalDate;
  readonly batchId: string;
  readonly traceCode?: string | null;
  readonly doseNumber: number;
  readonly vaccinatorRef: string;
  readonly route: Route;
  readonly bodySite?: string;
  readonly ageBand?: AgeBand;
  readonly override?: DoseOverride;
}

export interface RecordDoseContext extends BaseContext {
  readonly batch: BatchFacts | null;
  /** Usable doses of this batch at the caller's site (inventory read model; quarantine excluded). */
  readonly availableAtSite: number;
  /** The command's trace code in the trace-code read model; null when unknown or none given. */
  readonly traceCode: TraceCodeFacts | null;
  /** This person's valid doses recorded in other streams. */
  readonly otherDoses: readonly DoseFacts[];
}

export type RecordDose = Command<'RecordDose', RecordDoseData, RecordDoseContext>;

export type EnterDoseInError = Command<'EnterDoseInError', { doseEventId: string; reasonCode: DoseErrorReason }, BaseContext>;

export interface EraseDetailsContext extends BaseContext {
  /**
   * Last day this person's records must be kept: the latest expiry of a batch they were
   * given plus five years (see `retainUntilFor`); null when they have no dose.
   */
  readonly retainUntil: LocalDate | null;
}

export type EraseDetails = Command<'EraseDetails', { personId: string; legalBasis: ErasureBasis }, EraseDetailsContext>;

export type PersonCommand = RecordDose | EnterDoseInError | EraseDetails;

// ---------------------------------------------------------------------------------------------
// State

export interface PersonDose {
  readonly eventId: string;
  readonly vaccineType: string;
  readonly doseNumber: number;
  readonly administeredAt: Instant;
  readonly batchId: string;
  readonly siteCode: string;
  readonly traceCode: string | null;
  readonly voided: boolean;
}

export interface PersonState {
  readonly personId: string | null;
  readonly keyId: string | null;
  readonly erased: boolean;
  /** Doses in this stream, in order, voided ones included (flagged). */
  readonly doses: readonly PersonDose[];
}

const initialState = (): PersonState => ({ personId: null, keyId: null, erased: false, doses: [] });

/** Records are kept at least five years after the batch's expiry (Vaccine Administration Law). */
export const retainUntilFor = (expiresOn: LocalDate): LocalDate => addMonths(expiresOn, 5 * 12);

/**
 * True while details must be kept: some record is within retention on `today`. A court
 * order overrides retention. The origin's decider and every receiving node ask the same
 * question (a receiver about its own records), so they agree on the same facts.
 */
export const erasureOnHold = (legalBasis: ErasureBasis, retainUntil: LocalDate | null, today: LocalDate): boolean =>
  legalBasis !== 'court_order' && retainUntil !== null && compareDates(today, retainUntil) <= 0;

/** Valid doses from this stream and from other streams, once each. */
export const validDoses = (state: PersonState, otherDoses: readonly DoseFacts[] = []): DoseFacts[] => {
  const own: DoseFacts[] = state.doses.filter((dose) => !dose.voided);
  const ownIds = new Set(state.doses.map((dose) => dose.eventId));
  return [...own, ...otherDoses.filter((dose) => !ownIds.has(dose.eventId))];
};

// ---------------------------------------------------------------------------------------------
// RecordDose

const checkTraceCode = (command: RecordDose, batch: BatchFacts, siteCode: string): string | null => {
  const { data, context } = command;
  const code = data.traceCode === undefined || data.traceCode === '' ? null : data.traceCode;
  if (code === null) {
    if (batch.serialised) {
      throw new RuleViolation('TRACE_CODE_REQUIRED', 'a serialised product needs the unit’s trace code', 'traceCode');
    }
    return null;
  }
  const unit = context.traceCode;
  if (!unit) {
    // Codes of products that are not serialised are not registered: keep what was scanned.
    if (!batch.serialised) return code;
    throw new RuleViolation('UNKNOWN_TRACE_CODE', `trace code ${code} is not known`, 'traceCode');
  }
  if (unit.batchId !== batch.batchId) {
    const sameProduct = splitBatchId(unit.batchId)?.productCode === batch.productCode;
    throw new RuleViolation(
      sameProduct ? 'TRACE_CODE_WRONG_BATCH' : 'TRACE_CODE_WRONG_PRODUCT',
      `trace code ${code} belongs to batch ${unit.batchId}, not ${batch.batchId}`,
      'traceCode',
    );
  }
  if (unit.holderSite === null || (unit.holderSite !== context.actor.orgCode && unit.holderSite !== siteCode)) {
    throw new RuleViolation('TRACE_CODE_NOT_ON_HAND', `the unit ${code} is not held at this site`, 'traceCode');
  }
  if (unit.dosesDrawn >= batch.dosesPerUnit) {
    throw new RuleViolation('TRACE_CODE_USED', `all ${batch.dosesPerUnit} doses of ${code} were drawn`, 'traceCode');
  }
  return code;
};

const checkSchedule = (command: RecordDose, state: PersonState, vaccineType: string): void => {
  const { data, context } = command;
  const doses = validDoses(state, context.otherDoses).filter((dose) => dose.vaccineType === vaccineType);
  const highest = doses.reduce((max, dose) => Math.max(max, dose.doseNumber), 0);
  if (!Number.isInteger(data.doseNumber) || data.doseNumber < 1 || data.doseNumber > highest + 1) {
    throw new RuleViolation(
      'DOSE_NUMBER_OUT_OF_ORDER',
      `${vaccineType} dose ${data.doseNumber} follows dose ${highest}: enter earlier doses as historical first`,
      'doseNumber',
    );
  }
  // An override records a deliberate exception (intentional repeat, outbreak response).
  if (data.override) return;
  if (doses.some((dose) => dose.doseNumber === data.doseNumber)) {
    throw new RuleViolation('DUPLICATE_DOSE_NUMBER', `${vaccineType} dose ${data.doseNumber} is already on file`, 'doseNumber');
  }
  const minimum = doseRuleFor(vaccineType, data.doseNumber)?.minIntervalDays ?? null;
  const previous = doses
    .filter((dose) => dose.doseNumber === data.doseNumber - 1)
    .sort((a, b) => compareInstants(b.administeredAt, a.administeredAt))[0];
  if (minimum === null || !previous) return;
  // Intervals count calendar days at the site, as schedules are written.
  const days = daysBetween(localDateOf(previous.administeredAt), localDateOf(data.administeredAt));
  if (days < minimum) {
    throw new RuleViolation(
      'INTERVAL_TOO_SHORT',
      `${vaccineType} dose ${data.doseNumber} needs ${minimum} days after dose ${previous.doseNumber}; ${days} have passed`,
      'administeredAt',
    );
  }
};

const recordDose = (command: RecordDose, state: PersonState): PersonEvent[] => {
  const { data, context } = command;
  const { actor, batch } = context;
  const siteCode = actor.siteCode ?? actor.orgCode;
  requireNotInFuture(data.administeredAt, context.now, 'administeredAt');
  // The birth date stays out of the message too: problems are logged.
  if (data.birthDate !== undefined && compareDates(localDateOf(data.administeredAt), data.birthDate) < 0) {
    throw new RuleViolation(
      'DOSE_BEFORE_BIRTH',
      `the dose's day ${localDateOf(data.administeredAt)} is before the person's birth date`,
      'administeredAt',
    );
  }
  if (state.personId !== null && state.personId !== data.personId) {
    throw new RuleViolation('INVALID_PERSON_ID', 'the dose names another person than this record', 'personId');
  }
  if (!batch || batch.batchId !== data.batchId) {
    throw new RuleViolation('UNKNOWN_BATCH', `no batch ${data.batchId}`, 'batchId');
  }
  requireUsableBatch(batch, data.administeredAt, 'batchId');
  if (context.availableAtSite < 1) {
    throw new RuleViolation('INSUFFICIENT_STOCK', `no usable stock of ${batch.batchId} at this site`, 'batchId');
  }
  const traceCode = checkTraceCode(command, batch, siteCode);
  if (!scheduleFor(batch.vaccineType)) {
    throw new RuleViolation('UNKNOWN_VACCINE_TYPE', `${batch.vaccineType} is not in the schedule value set`, 'batchId');
  }
  checkSchedule(command, state, batch.vaccineType);

  const events: PersonEvent[] = [];
  // Only a new record registers the person. Erasure is final: a later dose under the same
  // pseudonym (the ID presented again) is recorded, but the details are not kept again.
  if (state.personId === null) {
    events.push(personRegistered({ personId: data.personId, keyId: data.keyId, residenceRegion: data.residenceRegion }));
  }
  events.push(
    doseAdministered({
      personId: data.personId,
      siteCode,
      administeredAt: data.administeredAt,
      batchId: batch.batchId,
      productCode: batch.productCode,
      traceCode,
      vaccineType: batch.vaccineType,
      doseNumber: data.doseNumber,
      vaccinatorRef: data.vaccinatorRef,
      route: data.route,
      bodySite: data.bodySite,
      ageBand: data.ageBand,
      override: data.override ? { code: data.override.code, reason: data.override.reason } : undefined,
    }),
  );
  return events;
};

// ---------------------------------------------------------------------------------------------

const decide = (command: PersonCommand, state: PersonState): PersonEvent[] => {
  switch (command.type) {
    case 'RecordDose':
      return recordDose(command, state);
    case 'EnterDoseInError': {
      const { doseEventId, reasonCode } = command.data;
      const dose = state.doses.find((candidate) => candidate.eventId === doseEventId);
      if (!dose) throw new RuleViolation('UNKNOWN_DOSE', `no dose ${doseEventId} in this record`, 'doseEventId');
      if (dose.voided) throw new RuleViolation('DOSE_ALREADY_VOIDED', `dose ${doseEventId} is already void`, 'doseEventId');
      // The voided dose's batch, site and unit ride along, so every read model can give the
      // stock and the unit back without looking the original dose up.
      return [doseEnteredInError({ doseEventId, reasonCode, batchId: dose.batchId, siteCode: dose.siteCode, traceCode: dose.traceCode })];
    }
    case 'EraseDetails': {
      const { data, context } = command;
      if (state.personId === null || state.keyId === null || state.personId !== data.personId) {
        throw new RuleViolation('UNKNOWN_PERSON', `no person ${data.personId} is recorded on this node`, 'personId');
      }
      if (state.erased) return []; // erasing twice changes nothing
      requireInstant(context.now, 'now');
      const today = localDateOf(context.now);
      if (erasureOnHold(data.legalBasis, context.retainUntil, today)) {
        throw new RuleViolation('RETENTION_HOLD', `records must be kept until ${context.retainUntil}`, 'legalBasis');
      }
      return [personDetailsErased({ personId: state.personId, keyId: state.keyId, legalBasis: data.legalBasis })];
    }
    default:
      return unreachable(command);
  }
};

const evolve = (state: PersonState, event: PersonEvent, meta: EventMeta): PersonState => {
  switch (event.type) {
    case 'PersonRegistered':
      // An erasure is never undone by a later registration.
      return { ...state, personId: event.data.personId, keyId: state.erased ? state.keyId : event.data.keyId };
    case 'DoseAdministered': {
      const { vaccineType, doseNumber, administeredAt, batchId, siteCode, traceCode, personId } = event.data;
      const dose: PersonDose = {
        eventId: meta.eventId,
        vaccineType,
        doseNumber,
        administeredAt,
        batchId,
        siteCode,
        traceCode,
        voided: false,
      };
      return { ...state, personId: state.personId ?? personId, doses: [...state.doses, dose] };
    }
    case 'DoseEnteredInError':
      return {
        ...state,
        doses: state.doses.map((dose) => (dose.eventId === event.data.doseEventId ? { ...dose, voided: true } : dose)),
      };
    case 'PersonDetailsErased':
      return { ...state, erased: true };
    default:
      return unreachable(event);
  }
};

export const personDecider: Decider<PersonCommand, PersonEvent, PersonState> = { decide, evolve, initialState };
