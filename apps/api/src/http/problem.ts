import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { DoseFileError, isApplicationError } from '@vaxledger/application';
import { isRuleViolation } from '@vaxledger/domain';
import { GuardViolationError, isEventStoreError } from '@vaxledger/event-store';
import type { Response } from 'express';
import { type ErrorCode, STATUS } from './error-codes';

export interface FieldError {
  readonly field: string;
  readonly reason: string;
}

/** An error the edge raises on purpose, with a stable code. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly errors?: readonly FieldError[],
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: ErrorCode;
  readonly errors?: readonly FieldError[];
}

export const TITLES: Partial<Record<number, string>> = {
  400: 'Bad request',
  401: 'Unauthorised',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  410: 'Gone',
  412: 'Precondition failed',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Refused by the rules',
  429: 'Too many requests',
  431: 'Request header fields too large',
  500: 'Internal error',
  503: 'Service unavailable',
};

export const problem = (code: ErrorCode, detail: string, errors?: readonly FieldError[]): Problem => {
  const status = STATUS[code];
  return {
    type: `https://vaxledger.example/problems/${code.toLowerCase().replace(/_/g, '-')}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    code,
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
};

/** Turns anything thrown into RFC 7807 problem+json; an unknown error is logged and becomes a 500. */
export const toProblem = (error: unknown): { problem: Problem; headers?: Readonly<Record<string, string>> } => {
  if (error instanceof ApiError)
    return { problem: problem(error.code, error.message, error.errors), ...(error.headers ? { headers: error.headers } : {}) };
  // The application layer's refusals carry codes the edge knows (error-codes.ts).
  if (isApplicationError(error)) return { problem: problem(error.code, error.message) };
  // A dose file that cannot be read as one (not UTF-8, not CSV, a header without the dose columns).
  if (error instanceof DoseFileError) return { problem: problem('VALIDATION_FAILED', error.message, error.errors) };
  if (isRuleViolation(error))
    return { problem: problem(error.code, error.message, error.field ? [{ field: error.field, reason: error.code }] : undefined) };
  if (error instanceof GuardViolationError && error.rule in STATUS)
    return { problem: problem(error.rule as ErrorCode, `${error.rule}: ${error.subject}`) };
  if (isEventStoreError(error)) {
    if (error.code === 'GUARD_VIOLATION') return { problem: problem('INTERNAL_ERROR', error.message) };
    if (error.code === 'INVALID_APPEND') return { problem: problem('VALIDATION_FAILED', error.message) };
    return { problem: problem(error.code, error.message) };
  }
  if (typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'PROJECTION_LAG')
    return { problem: problem('PROJECTION_LAG', (error as Error).message), headers: { 'Retry-After': '1' } };
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const body = error.getResponse() as { message?: unknown; type?: string };
    if (status === 413) return { problem: problem('BODY_TOO_LARGE', 'the request body is larger than the limit of 1 MiB') };
    if (status === 404) return { problem: problem('NOT_FOUND', typeof body.message === 'string' ? body.message : 'no such resource') };
    if (status === 400)
      return { problem: problem('MALFORMED_JSON', typeof body.message === 'string' ? body.message : 'malformed request') };
    if (status === 401) return { problem: problem('UNAUTHENTICATED', 'credentials are missing or invalid') };
    if (status === 403) return { problem: problem('FORBIDDEN', 'not allowed for this caller') };
  }
  // body-parser errors arrive as plain errors with a status and a type.
  if (typeof error === 'object' && error !== null && 'type' in error) {
    const e = error as { type?: string; status?: number };
    if (e.type === 'entity.too.large') return { problem: problem('BODY_TOO_LARGE', 'the request body is larger than the limit of 1 MiB') };
    if (e.type === 'entity.parse.failed') return { problem: problem('MALFORMED_JSON', 'the request body is not valid JSON') };
    if (e.status === 400) return { problem: problem('MALFORMED_JSON', 'the request body could not be read') };
  }
  return { problem: problem('INTERNAL_ERROR', 'an unexpected error occurred; it has been logged') };
};

@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(error: unknown, host: ArgumentsHost): void {
    const { problem: body, headers } = toProblem(error);
    if (body.status >= 500 && body.code !== 'STORE_UNAVAILABLE' && body.code !== 'PROJECTION_LAG')
      this.logger.error(
        { err: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error) },
        'unhandled error',
      );
    const response = host.switchToHttp().getResponse<Response>();
    // Read by the request metrics and log line (app.ts), so refusals are counted by code in one place.
    response.locals.problemCode = body.code;
    if (headers) for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
    response.status(body.status).type('application/problem+json').json(body);
  }
}
