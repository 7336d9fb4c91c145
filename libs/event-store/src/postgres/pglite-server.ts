import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  /** A `postgres://` URL that the ordinary `pg` driver connects to. */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * The embedded default: PostgreSQL compiled to WASM (PGlite), its files in `dataDir`
 * (or in memory), served on a loopback port by pglite-socket so the product reaches it
 * with the same `pg` code and SQL as a real server. PGlite runs one transaction at a
 * time; the socket server queues the other connections' statements until it ends.
 */
export const startEmbeddedPostgres = async (options: {
  dataDir?: string;
  port?: number;
  maxConnections?: number;
}): Promise<EmbeddedPostgres> => {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const db = await PGlite.create(options.dataDir);
  const server = new PGLiteSocketServer({
    db,
    host: '127.0.0.1',
    port: options.port ?? 0,
    maxConnections: options.maxConnections ?? 32,
  });
  await server.start();
  // getServerConn() answers "host:port" with the port the OS chose when asked for 0.
  const hostPort = server.getServerConn();
  return {
    url: `postgres://postgres@${hostPort}/postgres`,
    stop: async () => {
      await server.stop();
      await db.close();
    },
  };
};
