import type { CommandMeta } from '@vaxledger/application';
import type { Request } from 'express';
import { ApiError } from '../http/problem';

export type { CommandMeta } from '@vaxledger/application';

const VISIBLE = /^[\x21-\x7e]{1,128}$/;

/** Idempotency-Key, If-Match and the correlation id of a command request. */
export const commandMeta = (request: Request): CommandMeta => {
  const key = request.header('idempotency-key');
  if (key !== undefined && !VISIBLE.test(key))
    throw new ApiError('VALIDATION_FAILED', 'Idempotency-Key must be 1–128 visible ASCII characters', [
      { field: 'Idempotency-Key', reason: 'malformed' },
    ]);
  const ifMatch = request.header('if-match');
  let revision: number | undefined;
  if (ifMatch !== undefined) {
    const cleaned = ifMatch.replace(/^W\//, '').replace(/"/g, '');
    if (!/^\d{1,15}$/.test(cleaned))
      throw new ApiError('VALIDATION_FAILED', 'If-Match must be a stream revision (a whole number)', [
        { field: 'If-Match', reason: 'malformed' },
      ]);
    revision = Number(cleaned);
  }
  const id = (request as Request & { id?: unknown }).id;
  return {
    correlationId: typeof id === 'string' ? id : String(id ?? ''),
    ...(key !== undefined ? { idempotencyKey: key } : {}),
    ...(revision !== undefined ? { ifMatch: revision } : {}),
  };
};
