import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { formatWords } from '../features/formats';
import { ApiError, type FieldError } from './problem';

/** `lines.0.quantity` → `lines[0].quantity`, the way the domain's rule errors name fields. */
const fieldPath = (prefix: string, property: string): string =>
  /^\d+$/.test(property) ? `${prefix}[${property}]` : prefix ? `${prefix}.${property}` : property;

/** The pattern a `matches` message names: "x must match /^\d{6}$/ regular expression" → "^\d{6}$". */
const patternOf = (message: string): string | undefined => /must match \/(.*)\/[a-z]* regular expression$/s.exec(message)?.[1];

/**
 * One failed check in plain words, naming the field: "expiresAt must be a date like
 * 2027-03-01", not "must match /^\d{4}…/". Checks without their own wording keep
 * class-validator's sentence, with the full field path in front.
 */
const reasonFor = (field: string, property: string, rule: string, message: string): string => {
  switch (rule) {
    case 'whitelistValidation':
      return `unknown field ${field}`;
    case 'matches': {
      const pattern = patternOf(message);
      const words = pattern === undefined ? undefined : formatWords(pattern);
      return `${field} must be ${words ?? 'in the documented format'}`;
    }
    case 'isInt':
      return `${field} must be a whole number`;
    case 'isNumber':
      return `${field} must be a number`;
    case 'isString':
      return `${field} must be text`;
    case 'isBoolean':
      return `${field} must be true or false`;
    case 'isArray':
      return `${field} must be a list`;
    case 'nestedValidation':
      return `${field} must be an object`;
    case 'arrayMinSize':
    case 'arrayMaxSize': {
      const n = /(\d+) elements$/.exec(message)?.[1];
      if (n !== undefined)
        return `${field} must list ${rule === 'arrayMinSize' ? 'at least' : 'at most'} ${n} ${n === '1' ? 'item' : 'items'}`;
      break;
    }
    case 'isIn': {
      const allowed = /one of the following values: (.*)$/s.exec(message)?.[1];
      return `${field} must be one of: ${allowed ?? 'the documented values'}`;
    }
    default:
      break;
  }
  return message.startsWith(property) ? `${field}${message.slice(property.length)}` : `${field}: ${message}`;
};

const flatten = (errors: readonly ValidationError[], prefix = ''): FieldError[] =>
  errors.flatMap((e) => {
    const field = fieldPath(prefix, e.property);
    const rules = Object.entries(e.constraints ?? {});
    // A missing field fails every check on it; one plain sentence says it all. A required
    // object (`@IsDefined()` beside `@ValidateNested()`, which lets undefined and null through
    // on its own) sent as null is missing too.
    const missing =
      (e.value === undefined || rules.some(([rule]) => rule === 'isDefined')) &&
      rules.length > 0 &&
      !rules.some(([rule]) => rule === 'whitelistValidation');
    const own = missing
      ? [{ field, reason: `${field} is required` }]
      : rules.map(([rule, message]) => ({ field, reason: reasonFor(field, e.property, rule, message) }));
    return [...own, ...flatten(e.children ?? [], field)];
  });

/** Strict edge: unknown fields are refused, never dropped; every problem is listed by field. */
export const strictValidationPipe = (): ValidationPipe =>
  new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    // The value is needed to tell a missing field from a wrong one; it never leaves this file.
    validationError: { target: false, value: true },
    exceptionFactory: (errors) => new ApiError('VALIDATION_FAILED', 'the request has invalid fields', flatten(errors)),
  });
