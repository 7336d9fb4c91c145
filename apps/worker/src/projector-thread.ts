import { parentPort, workerData } from 'node:worker_threads';
import { loadSettings } from '@vaxledger/config';
import { openNodeRuntime } from '../../api/src/infrastructure/node-runtime';
import type { ProjectorThreadData } from '../../api/src/infrastructure/projector-thread';

/**
 * The API node's projector, in a worker thread (PROJECTOR=thread): opens the node's stores
 * on the database the API process already uses and applies the log to the read models. Says
 * `ready` once running; `stop` closes it.
 */
const main = async (): Promise<void> => {
  const data = workerData as ProjectorThreadData;
  const settings = {
    ...loadSettings(process.env),
    databaseUrl: data.databaseUrl,
    embedded: false,
    vaultMasterKey: Buffer.from(data.vaultMasterKey, 'base64'),
  };
  const runtime = await openNodeRuntime(settings, {
    projector: true,
    sync: false,
    engine: data.engine,
    ...(data.eventSchema ? { eventSchema: data.eventSchema } : {}),
    ...(data.readSchema ? { readSchema: data.readSchema } : {}),
    ...(data.vaultSchema ? { vaultSchema: data.vaultSchema } : {}),
    ...(data.authSchema ? { authSchema: data.authSchema } : {}),
  });
  parentPort?.on('message', (message: unknown) => {
    if (message === 'stop') void runtime.close().finally(() => process.exit(0));
    // The API has a command waiting for the read models: look at the log now.
    else if (message === 'wake') runtime.store.wakeSubscriptions?.();
  });
  // Each committed batch: the API answers the commands waiting for it without polling.
  runtime.readModels.runner.onApplied(() => parentPort?.postMessage('applied'));
  parentPort?.postMessage('ready');
};

main().catch((error: unknown) => {
  parentPort?.postMessage(`failed: ${error instanceof Error ? error.message : String(error)}`);
});
