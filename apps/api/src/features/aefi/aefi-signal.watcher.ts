import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Application } from '@vaxledger/application';
import type { Actor } from '@vaxledger/domain';
import type { NodeRuntime } from '../../infrastructure/node-runtime';
import { APPLICATION, RUNTIME } from '../../infrastructure/tokens';

const EVERY_MS = 250;

/**
 * Reports from other provinces arrive by sync, not through this node's API, so nothing else
 * checks their batches for a signal. This watcher follows the AEFI read model from a stored
 * position and, for each imported report, evaluates the batches of its doses given in this
 * province (the node that holds all of them). Evaluation is idempotent (one signal stream per
 * batch), so a crash before the position is saved only evaluates again. Runs only with sync.
 */
@Injectable()
export class AefiSignalWatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('aefi-signals');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    @Inject(RUNTIME) private readonly runtime: NodeRuntime,
    @Inject(APPLICATION) private readonly app: Application,
  ) {}

  private get table(): string {
    return `"${this.runtime.readModels.schema}".aefi_signal_watch`;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.runtime.sync) return;
    await this.runtime.readModels.dataSource.query(
      `CREATE TABLE IF NOT EXISTS ${this.table} (id int PRIMARY KEY, position bigint NOT NULL);
       INSERT INTO ${this.table} (id, position) VALUES (1, 0) ON CONFLICT DO NOTHING`,
    );
    this.timer = setInterval(() => {
      this.running ??= this.tick()
        .catch((error: unknown) => this.logger.warn({ err: error }, 'AEFI signal check failed; retrying'))
        .finally(() => (this.running = null));
    }, EVERY_MS);
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One pass: imported reports past the stored position, in log order. */
  async tick(): Promise<void> {
    const { readModels, settings } = this.runtime;
    const node = settings.provinceCode;
    const [{ position }] = (await readModels.dataSource.query(`SELECT position FROM ${this.table} WHERE id = 1`)) as [{ position: string }];
    const rows: { reportId: string; doses: { batchId: string; productCode: string; province: string }[]; position: string }[] =
      await readModels.dataSource.query(
        `SELECT "reportId", doses, position FROM "${readModels.schema}".rm_aefi_report
          WHERE reported AND "reportProvince" <> $1 AND position > $2 ORDER BY position LIMIT 200`,
        [node, position],
      );
    const system: Actor = { orgCode: `node-${node}`, role: 'hub', provinceCode: node };
    for (const row of rows) {
      const batches = new Map(row.doses.filter((d) => d.province === node).map((d) => [d.batchId, d.productCode]));
      for (const [batchId, productCode] of batches)
        await this.app.raiseAefiSignal.handle({ batchId, productCode }, system, { correlationId: `aefi-signal-${row.reportId}` });
      await readModels.dataSource.query(`UPDATE ${this.table} SET position = $1 WHERE id = 1`, [row.position]);
    }
  }
}
