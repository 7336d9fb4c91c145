import { EventStoreError, GuardViolationError, StoreUnavailableError } from '../errors';
import { GUARD_VIOLATION_SQLSTATE } from './guard-schema';

export const UNIQUE_VIOLATION = '23505';
const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P03', '08006', '08001']);

interface PgError {
  code?: string;
  message: string;
}
export const isPgError = (error: unknown): error is PgError =>
  typeof error === 'object' && error !== null && 'code' in error && typeof (error as PgError).code === 'string';

/** The port's typed errors for what pg and PostgreSQL throw. */
export const translate = (error: unknown, context: string): Error => {
  if (error instanceof EventStoreError) return error;
  if (isPgError(error) && error.code === GUARD_VIOLATION_SQLSTATE)
    return new GuardViolationError(error.message, (error as PgError & { detail?: string }).detail ?? '');
  if (isPgError(error) && error.code && CONNECTION_ERRORS.has(error.code))
    return new StoreUnavailableError(`${context}: database unavailable (${error.code})`, error);
  if (error instanceof Error && /Connection terminated|connect ECONNREFUSED|timeout/i.test(error.message))
    return new StoreUnavailableError(`${context}: database unavailable (${error.message})`, error);
  return error instanceof Error ? error : new Error(`${context}: ${String(error)}`);
};
