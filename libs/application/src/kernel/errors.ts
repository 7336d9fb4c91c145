/**
 * Refusals of the application layer itself (beside the domain's RuleViolation): the command
 * kernel's idempotency and concurrency answers, and access refusals a use case makes. The
 * edge maps each code to its transport (apps/api/src/http/problem.ts: problem+json).
 */
export type ApplicationErrorCode =
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'REVISION_MISMATCH'
  | 'STREAM_CONFLICT'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  /** A read of personal data whose access event could not be appended is not answered. */
  | 'AUDIT_UNAVAILABLE'
  /** No certificate can be signed: no key on this node, no valid dose, or no name and birth date held. */
  | 'CERTIFICATE_UNAVAILABLE';

export class ApplicationError extends Error {
  constructor(
    readonly code: ApplicationErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApplicationError';
  }
}

export const isApplicationError = (error: unknown): error is ApplicationError => error instanceof ApplicationError;
