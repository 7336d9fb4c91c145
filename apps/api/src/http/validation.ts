import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { ApiError, type FieldError } from './problem';

const flatten = (errors: readonly ValidationError[], prefix = ''): FieldError[] =>
  errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.entries(e.constraints ?? {}).map(([rule, message]) => ({
      field,
      reason: rule === 'whitelistValidation' ? `unknown field ${field}` : message,
    }));
    return [...own, ...flatten(e.children ?? [], field)];
  });

/** Strict edge: unknown fields are refused, never dropped; every problem is listed by field. */
export const strictValidationPipe = (): ValidationPipe =>
  new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new ApiError('VALIDATION_FAILED', 'the request has invalid fields', flatten(errors)),
  });
