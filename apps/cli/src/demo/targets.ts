import { type Application, type CommandMeta } from '@vaxledger/application';
import type { Actor } from '@vaxledger/domain';

/** The write use cases the demo drives, by their handler's name. */
export type DemoUseCase =
  | 'registerOrganisation'
  | 'registerProduct'
  | 'registerBatch'
  | 'releaseBatch'
  | 'dispatchShipment'
  | 'receiveShipment'
  | 'recordDose'
  | 'launchRecall';

export type CommandOf<U extends DemoUseCase> = Parameters<Application[U]['handle']>[0];

/** Where the demo's commands go: the node's handlers in this process, or a node's HTTP API. */
export interface DemoTarget {
  /** Said in the log: where the sample goes. */
  readonly description: string;
  run<U extends DemoUseCase>(useCase: U, actor: Actor, command: CommandOf<U>): Promise<{ id: string }>;
  /**
   * Resolves once the read models show stock received at this clinic: doses are checked against
   * them, and they follow the log a little behind after hundreds of shipments.
   */
  settle(clinic: Actor): Promise<void>;
  /**
   * Many doses of one site at once, where the target has a bulk path (the handlers in process:
   * group commit, RecordDoseHandler.handleMany); answers in the order given.
   */
  recordDoses?(actor: Actor, commands: readonly CommandOf<'recordDose'>[]): Promise<PromiseSettledResult<{ id: string }>[]>;
}

/** Doses per group commit of the bulk path (the handler's default, see DOSE_GROUP_SIZE). */
const DOSE_GROUP = 64;

const SETTLE_MS = 60_000;

/** A non-2xx answer: the demo stops on the first one. */
export class DemoRequestError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`${method} ${path} answered ${status}: ${body}`);
    this.name = 'DemoRequestError';
  }
}

/**
 * The node's own handlers, called directly: the same use cases the HTTP controllers call, with
 * no HTTP in between (what `vaxledger demo` uses when no node answers on PORT).
 */
export const handlerTarget = (
  app: Application,
  readModels: { runner: { waitFor(position: bigint, timeoutMs: number): Promise<void> } },
  store: { latestPosition(): Promise<bigint> },
  description = 'this node, in process',
): DemoTarget => {
  let sequence = 0;
  return {
    description,
    // In process the projector itself says when it has applied everything appended so far.
    settle: async () => readModels.runner.waitFor(await store.latestPosition(), SETTLE_MS),
    run: <U extends DemoUseCase>(useCase: U, actor: Actor, command: CommandOf<U>): Promise<{ id: string }> => {
      const meta: CommandMeta = { correlationId: `demo-${(sequence += 1)}` };
      // Each entry of Application takes its own command: the mapped type pairs them.
      const handler = app[useCase] as unknown as { handle(c: CommandOf<U>, a: Actor, m: CommandMeta): Promise<{ id: string }> };
      return handler.handle(command, actor, meta);
    },
    recordDoses: (actor, commands) =>
      app.recordDose.handleMany(
        commands.map((command) => ({ command, actor, meta: { correlationId: `demo-${(sequence += 1)}` } })),
        DOSE_GROUP,
      ),
  };
};

/** How each use case is reached over HTTP: method and path, and what goes in the body. */
const ROUTES: { [U in DemoUseCase]: (command: CommandOf<U>) => { path: string; body: unknown } } = {
  registerOrganisation: (c) => ({ path: '/v1/organisations', body: c }),
  registerProduct: (c) => ({ path: '/v1/products', body: c }),
  registerBatch: (c) => ({ path: '/v1/batches', body: c }),
  releaseBatch: ({ batchId, ...body }) => ({ path: `/v1/batches/${batchId}/release`, body }),
  dispatchShipment: (c) => ({ path: '/v1/shipments', body: c }),
  receiveShipment: ({ shipmentId, ...body }) => ({ path: `/v1/shipments/${shipmentId}/receipt`, body }),
  recordDose: (c) => ({ path: '/v1/doses', body: c }),
  launchRecall: (c) => ({ path: '/v1/recalls', body: c }),
};

/** A running node's HTTP API (`--base-url`), the path a clinic system or an ERP takes; actors go in the dev header. */
export const httpTarget = (baseUrl: string): DemoTarget => {
  const base = baseUrl.replace(/\/+$/, '');
  const devActor = (actor: Actor): string => `${actor.role}:${actor.orgCode}:${actor.provinceCode}`;
  return {
    description: base,
    // Over HTTP the clinic's inventory shows when its receipts have reached the read models.
    settle: async (clinic) => {
      const deadline = Date.now() + SETTLE_MS;
      for (;;) {
        const res = await fetch(`${base}/v1/sites/${clinic.orgCode}/inventory`, { headers: { 'x-dev-actor': devActor(clinic) } });
        const inventory = (res.ok ? await res.json() : {}) as { batches?: unknown[] };
        if ((inventory.batches?.length ?? 0) > 0) return;
        if (Date.now() > deadline) throw new Error(`stock at ${clinic.orgCode} did not show in the read models within 60 s`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    run: async <U extends DemoUseCase>(useCase: U, actor: Actor, command: CommandOf<U>): Promise<{ id: string }> => {
      const { path, body } = ROUTES[useCase](command);
      let res: Response;
      try {
        res = await fetch(`${base}${path}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            'x-dev-actor': devActor(actor),
          },
          body: JSON.stringify(body),
        });
      } catch (error) {
        const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
        throw new DemoRequestError('POST', path, 0, `no answer from ${base} (${cause})`);
      }
      const text = await res.text();
      if (res.status < 200 || res.status > 299) throw new DemoRequestError('POST', path, res.status, text);
      return (text ? JSON.parse(text) : {}) as { id: string };
    },
  };
};
