import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { loadSettings } from '@vaxledger/config';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { createApiApp } from '../../apps/api/src/app';
import { type NodeRuntime, openNodeRuntime } from '../../apps/api/src/infrastructure/node-runtime';
import { freshSchema, testDatabaseUrl } from './database';

export interface ApiHarness {
  readonly app: INestApplication;
  readonly runtime: NodeRuntime;
  /** Where this node keeps its data (a replica started with `replicaOf` shares them). */
  readonly schemas: { eventSchema: string; readSchema: string; vaultSchema: string; authSchema: string; syncSchema: string };
  readonly http: TestAgent;
  /** Waits until the read models reflect the whole log (reads are eventually consistent). */
  settle(): Promise<void>;
  /** Number of events in the node's global log. */
  logSize(): Promise<number>;
  close(): Promise<void>;
}

/** A whole node (API, projector, vault) on the run's database, in schemas of its own. */
export const startApi = async (
  env: Record<string, string> = {},
  options: {
    syncGroupId?: string;
    /** Keep the log in this KurrentDB (EVENT_STORE=kurrentdb) instead of PostgreSQL. */
    kurrentdbUrl?: string;
    /** A second API replica of that node: same log, read models and vault (its projector shares their checkpoints). */
    replicaOf?: ApiHarness;
    /** The node's clock (RFC 3339), for tests of deadlines. */
    clock?: () => string;
  } = {},
): Promise<ApiHarness> => {
  const settings = {
    ...loadSettings({ PSEUDONYM_SECRET: 'vaxledger-test-pepper-do-not-use', LOG_LEVEL: 'silent', PROJECTION_WAIT_MS: '30000', ...env }),
    databaseUrl: testDatabaseUrl(),
    vaultMasterKey: options.replicaOf ? Buffer.from(options.replicaOf.runtime.settings.vaultMasterKey) : randomBytes(32),
    ...(options.kurrentdbUrl ? { eventStore: 'kurrentdb' as const, kurrentdbUrl: options.kurrentdbUrl } : {}),
  };
  const schemas = options.replicaOf?.schemas ?? {
    eventSchema: freshSchema('api_es'),
    readSchema: freshSchema('api_rm'),
    vaultSchema: freshSchema('api_vault'),
    authSchema: freshSchema('api_auth'),
    syncSchema: freshSchema('api_sync'),
  };
  const runtime = await openNodeRuntime(settings, {
    ...schemas,
    ...(options.replicaOf ? { sync: false } : {}),
    ...(options.syncGroupId ? { syncGroupId: options.syncGroupId } : {}),
  });
  const app = await createApiApp(runtime, { logger: false, ...(options.clock ? { clock: options.clock } : {}) });
  await app.init();
  return {
    app,
    runtime,
    schemas,
    http: request(app.getHttpServer()),
    settle: async () => {
      await runtime.readModels.runner.waitFor(await runtime.store.latestPosition(), 10_000);
      if (runtime.readModels.runner.error) throw runtime.readModels.runner.error as Error;
    },
    logSize: async () => {
      const rows = await runtime.readModels.dataSource.query(
        `SELECT count(*)::int AS n FROM "${(runtime.store as unknown as { schemaName: string }).schemaName}".events`,
      );
      return (rows as { n: number }[])[0]!.n;
    },
    close: async () => {
      await app.close();
      await runtime.close();
    },
  };
};

// Valid identifiers (check characters computed), as in API.md.
export const ORGS = {
  maker: '91320000MA1X0Y2W3E',
  cdc: '12510000MB0A1234XJ',
  clinic: '12440300MB1B2345QN',
  regulator: '12110000450712347E',
  otherMaker: '91350100M000100Y43',
} as const;

export const actor = (role: string, org: string, province: string): Record<string, string> => ({
  'X-Dev-Actor': `${role}:${org}:${province}`,
});
export const AS = {
  maker: actor('manufacturer', ORGS.maker, '320000'),
  otherMaker: actor('manufacturer', ORGS.otherMaker, '350000'),
  cdc: actor('cdc', ORGS.cdc, '510000'),
  clinic: actor('clinic', ORGS.clinic, '440000'),
  // The national regulator (province 000000): registers, releases and reads everywhere.
  regulator: actor('regulator', ORGS.regulator, '000000'),
};
