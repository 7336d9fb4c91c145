import { json, raw, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { ApiError } from './problem';

/** What body-parser attaches to the errors it raises. */
interface ParserError {
  readonly type?: unknown;
  readonly status?: unknown;
}

/** Deeper than any command's shape; deep enough nesting otherwise exhausts the validator's stack. */
export const MAX_JSON_DEPTH = 32;

class TooDeepError extends Error {
  readonly status = 400;
  readonly type = 'entity.too.deep';
}

class NulCharacterError extends Error {
  readonly status = 400;
  readonly type = 'entity.nul.character';
}

const U0000 = Buffer.from('u0000');

/**
 * What is wrong with a JSON text that JSON.parse would accept: arrays or objects nested deeper
 * than MAX_JSON_DEPTH, or a string holding the NUL character (\u0000), which PostgreSQL text and
 * jsonb cannot store. One pass over the bytes; brackets inside strings do not count.
 */
export const jsonTextProblem = (buffer: Uint8Array): 'TOO_DEEP' | 'NUL_CHARACTER' | null => {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buffer.length; i++) {
    const byte = buffer[i]!;
    if (inString) {
      if (byte === 0x5c) {
        // A backslash escapes the next character; \u0000 is NUL.
        if (Buffer.from(buffer.subarray(i + 1, i + 6)).equals(U0000)) return 'NUL_CHARACTER';
        i++;
      } else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) inString = true;
    else if (byte === 0x5b || byte === 0x7b) {
      if (++depth > MAX_JSON_DEPTH) return 'TOO_DEEP';
    } else if (byte === 0x5d || byte === 0x7d) depth--;
  }
  return null;
};

/** Keys that reach an object's prototype when a parsed body is merged or assigned somewhere. */
const POLLUTING_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The first key of a parsed body (at any depth) that could pollute a prototype. JSON.parse
 * makes `"__proto__"` an own property; class-transformer then drops it silently, so without
 * this check such a body would pass as if the key were not there. No command has such a field.
 */
export const pollutingKey = (value: unknown, depth = 0): string | null => {
  if (typeof value !== 'object' || value === null || depth > MAX_JSON_DEPTH) return null;
  for (const key of Object.keys(value)) {
    if (POLLUTING_KEYS.has(key)) return key;
    const inner = pollutingKey((value as Record<string, unknown>)[key], depth + 1);
    if (inner !== null) return inner;
  }
  return null;
};

const checkJsonText = (_req: unknown, _res: unknown, buffer: Buffer): void => {
  const problem = jsonTextProblem(buffer);
  if (problem === 'TOO_DEEP') throw new TooDeepError(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  if (problem === 'NUL_CHARACTER') throw new NulCharacterError('a JSON string holds \\u0000');
};

/**
 * The JSON body parser, with every way it can refuse a body turned into a problem with a
 * stable code: too large (413, naming the configured limit), not JSON or nested absurdly deep (400), a body
 * without a JSON Content-Type, an unknown Content-Encoding or charset (415). Unmapped, body-parser's own errors would be 500s.
 */
/** Requests whose body a route's own parser read (csvBody): the JSON parser leaves them alone. */
const readElsewhere = new WeakSet<Request>();

export const jsonBody = (limitBytes: number): RequestHandler => {
  const types = ['application/json', 'application/*+json'];
  const parse = json({ limit: limitBytes, type: types, verify: checkJsonText });
  return (req: Request, res: Response, next: NextFunction) => {
    // A route that read its body with its own parser before (a dose file: csvBody).
    if (readElsewhere.has(req)) return next();
    // A body the node would not read (no Content-Type, or not JSON) is refused, not taken as empty.
    // `Content-Length: 0` is no body: browsers, fetch and most clients send it on a bare POST.
    const empty = req.headers['transfer-encoding'] === undefined && req.headers['content-length'] === '0';
    if (!empty && req.is(types) === false) {
      const given = req.header('content-type');
      return next(
        new ApiError(
          'UNSUPPORTED_MEDIA_TYPE',
          given
            ? `the request body is ${given.split(';')[0]!.trim()}; send JSON with Content-Type: application/json (or another +json type, such as application/ld+json)`
            : 'the request has a body but no Content-Type; send JSON with Content-Type: application/json (or another +json type, such as application/ld+json)',
        ),
      );
    }
    parse(req, res, (error?: unknown) => {
      if (error === undefined || error === null) {
        const key = pollutingKey(req.body);
        if (key === null) return next();
        return next(
          new ApiError('VALIDATION_FAILED', `the request body may not hold a "${key}" key`, [{ field: key, reason: 'forbidden key' }]),
        );
      }
      const { type, status } = error as ParserError;
      if (type === 'entity.too.large')
        return next(new ApiError('BODY_TOO_LARGE', `the request body is larger than the limit of ${limitBytes} bytes`));
      if (error instanceof TooDeepError)
        return next(new ApiError('MALFORMED_JSON', `the request body nests deeper than ${MAX_JSON_DEPTH} levels`));
      if (error instanceof NulCharacterError)
        return next(new ApiError('VALIDATION_FAILED', 'text in the request body may not contain the NUL character (\\u0000)'));
      if (type === 'encoding.unsupported' || type === 'charset.unsupported' || status === 415)
        return next(new ApiError('UNSUPPORTED_MEDIA_TYPE', 'the request body must be JSON in UTF-8 without a Content-Encoding'));
      if (typeof status === 'number' && status >= 400 && status < 500)
        return next(new ApiError('MALFORMED_JSON', 'the request body is not valid JSON'));
      return next(error);
    });
  };
};

// Control characters (C0, DEL) have no place in an identifier or a query value; NUL in
// particular reaches PostgreSQL as an encoding error.
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Refuses a request whose path or query, once percent-decoded, is malformed or holds control
 * characters: 400 VALIDATION_FAILED before any handler or query sees it.
 */
export const cleanUrl = (): RequestHandler => (req: Request, _res: Response, next: NextFunction) => {
  let decoded: string;
  try {
    decoded = decodeURIComponent(req.originalUrl.replace(/\+/g, ' '));
  } catch {
    return next(new ApiError('VALIDATION_FAILED', 'the request URL has malformed percent-encoding'));
  }
  if (CONTROL.test(decoded)) return next(new ApiError('VALIDATION_FAILED', 'the request URL holds control characters'));
  next();
};

/**
 * The body of a file upload in CSV (POST /v1/doses/import): the bytes as they came, up to
 * `limitBytes`; larger is 413 BODY_TOO_LARGE saying the limit and what to do, another type
 * 415, a charset other than UTF-8 415. The file's own checks (UTF-8, header) are the use case's.
 */
export const csvBody = (limitBytes: number): RequestHandler => {
  const parse = raw({ limit: limitBytes, type: 'text/csv' });
  const mib = (limitBytes / 1024 / 1024).toFixed(limitBytes % (1024 * 1024) === 0 ? 0 : 1);
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.is('text/csv') === false)
      return next(new ApiError('UNSUPPORTED_MEDIA_TYPE', 'send the dose file as the body with Content-Type: text/csv'));
    const charset = /charset=([^;]+)/i
      .exec(req.header('content-type') ?? '')?.[1]
      ?.trim()
      .replace(/"/g, '')
      .toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')
      return next(new ApiError('UNSUPPORTED_MEDIA_TYPE', 'the dose file must be UTF-8 (Content-Type: text/csv; charset=utf-8)'));
    readElsewhere.add(req);
    parse(req, res, (error?: unknown) => {
      if (error === undefined || error === null) return next();
      const { type, status } = error as ParserError;
      if (type === 'entity.too.large')
        return next(
          new ApiError(
            'BODY_TOO_LARGE',
            `the dose file is larger than the limit of ${limitBytes} bytes (${mib} MiB, about ${Math.floor(limitBytes / 200).toLocaleString('en')} rows): split it into smaller files`,
          ),
        );
      if (type === 'encoding.unsupported' || status === 415)
        return next(new ApiError('UNSUPPORTED_MEDIA_TYPE', 'the dose file must be sent without a Content-Encoding'));
      if (typeof status === 'number' && status >= 400 && status < 500)
        return next(new ApiError('VALIDATION_FAILED', 'the dose file could not be read'));
      return next(error);
    });
  };
};
