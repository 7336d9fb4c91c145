import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { NodeRuntime } from '../infrastructure/node-runtime';
import { problem } from './problem';

const POSITION = /^\d{1,20}$/;

/**
 * Read-your-writes by position: a command answers with the log position of what it wrote
 * (`position` in the body, also the `X-Position` header); a read that carries it back
 * (`X-Min-Position: <position>`) is answered once the read models have
 * applied it, or 503 PROJECTION_LAG after PROJECTION_WAIT_MS. Writes never wait for the
 * projector; only the reads that ask for a write's position do, and only for that position.
 */
export const readAfterPosition =
  (runtime: NodeRuntime): RequestHandler =>
  (req: Request, res: Response, next: NextFunction): void => {
    if (req.method !== 'GET') return next();
    const raw = req.header('x-min-position');
    if (raw === undefined) return next();
    if (!POSITION.test(raw)) {
      res
        .status(400)
        .type('application/problem+json')
        .json(
          problem('VALIDATION_FAILED', 'X-Min-Position must be a log position (decimal)', [
            { field: 'X-Min-Position', reason: 'not a position' },
          ]),
        );
      return;
    }
    runtime.readModels.runner.waitFor(BigInt(raw), runtime.settings.projectionWaitMs).then(
      () => next(),
      () => {
        res
          .status(503)
          .set('Retry-After', '1')
          .type('application/problem+json')
          .json(problem('PROJECTION_LAG', `the read models have not reached position ${raw} yet`));
      },
    );
  };
