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
export const startProjectorThread = (entry: string, data: ProjectorThreadData): Promise<ProjectorThread> =>
  new Promise((resolve, reject) => {
    const worker = new Worker(entry, { workerData: data });
    const onError = (error: Error): void => reject(error);
    worker.once('error', onError);
    worker.once('exit', (code) => reject(new Error(`the projector thread exited with code ${code} before it started`)));
    worker.once('message', (message: unknown) => {
      if (message !== 'ready') return reject(new Error(`the projector thread said ${String(message)}`));
      worker.removeAllListeners('exit');
      worker.off('error', onError);
      worker.on('error', () => undefined);
      resolve({
        stop: () =>
          new Promise<void>((done) => {
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
