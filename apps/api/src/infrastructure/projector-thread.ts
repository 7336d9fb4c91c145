import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

/** What the projector thread needs to open the node's stores (the rest comes from the environment). */
export interface ProjectorThreadData {
  readonly databaseUrl: string;
  readonly engine: 'pglite' | 'postgres';
  /** base64; on the embedded default the key is random per start, so the thread must get this one. */
  readonly vaultMasterKey: string;
  readonly eventSchema?: string | undefined;
  readonly readSchema?: string | undefined;
  readonly vaultSchema?: string | undefined;
  readonly authSchema?: string | undefined;
}

export interface ProjectorThread {
  /**
   * Someone waits for the read models: the thread's projector reads the log now instead of
   * after its poll pause (LOG_POLL_MS). Only waiting commands wake it, so under a load of
   * doses (which never wait) it keeps gathering events into big batches.
   */
  wake(): void;
  stop(): Promise<void>;
}

/** The compiled thread entry (apps/worker/src/projector-thread.ts), or null when running from sources. */
export const projectorThreadEntry = (): string | null => {
  const file = join(__dirname, '..', '..', '..', 'worker', 'src', 'projector-thread.js');
  return existsSync(file) ? file : null;
};

/**
 * Runs the node's projector in a worker thread of the API process, so applying events never
 * competes with requests on the API's event loop. The API's runner follows the checkpoints
 * (read-your-writes by position). Resolves once the thread's projector has started.
 */
export const startProjectorThread = (
  entry: string,
  data: ProjectorThreadData,
  /** Called if the thread dies after it started (the caller runs the projector inline instead). */
  onDeath: (reason: string) => void = () => undefined,
  /** Called when the thread's projector has committed a batch (the API's waiters look now). */
  onApplied: () => void = () => undefined,
): Promise<ProjectorThread> =>
  new Promise((resolve, reject) => {
    const worker = new Worker(entry, { workerData: data });
    const onError = (error: Error): void => reject(error);
    worker.once('error', onError);
    worker.once('exit', (code) => reject(new Error(`the projector thread exited with code ${code} before it started`)));
    worker.once('message', (message: unknown) => {
      if (message !== 'ready') return reject(new Error(`the projector thread said ${String(message)}`));
      worker.removeAllListeners('exit');
      worker.off('error', onError);
      let stopping = false;
      let dead = false;
      worker.on('error', (error) => onDeath(error.message));
      worker.on('message', (message: unknown) => {
        if (message === 'applied') onApplied();
      });
      worker.on('exit', (code) => {
        dead = true;
        if (!stopping) onDeath(`exit code ${code}`);
      });
      resolve({
        wake: () => {
          if (!stopping && !dead) worker.postMessage('wake');
        },
        stop: () =>
          new Promise<void>((done) => {
            stopping = true;
            if (dead) return done();
            const timer = setTimeout(() => void worker.terminate().then(() => done()), 10_000);
            worker.once('exit', () => {
              clearTimeout(timer);
              done();
            });
            worker.postMessage('stop');
          }),
      });
    });
  });
