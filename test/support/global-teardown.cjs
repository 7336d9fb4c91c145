/* eslint-disable @typescript-eslint/no-require-imports */
const { Client } = require('pg');

module.exports = async () => {
  const kafka = globalThis.__VX_KAFKA__;
  if (kafka) await kafka.stop();
  const pglite = globalThis.__VX_PGLITE__;
  if (pglite) await pglite.stop();
  const drop = globalThis.__VX_DROP_DB__;
  if (drop && process.env.VX_KEEP_TEST_DB !== '1') {
    const admin = new Client({ connectionString: drop.base });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${drop.dbName} WITH (FORCE)`);
    await admin.end();
  }
};

if (process.env.VX_REPORT_HANDLES === '1') {
  const describe = (h) => {
    const name = h?.constructor?.name;
    try {
      if (name === 'Socket')
        return `Socket ${h.localAddress}:${h.localPort} -> ${h.remoteAddress}:${h.remotePort} destroyed=${h.destroyed}`;
      if (name === 'Server') return `Server ${JSON.stringify(h.address())}`;
      if (name === 'Timeout') return `Timeout ${h._idleTimeout}ms repeat=${h._repeat} ${String(h._onTimeout).slice(0, 300)}`;
      if (name === 'ChildProcess') return `ChildProcess ${h.spawnargs?.join(' ')}`;
    } catch (e) {
      return `${name} (${e})`;
    }
    return String(name);
  };
  const original = module.exports;
  module.exports = async (...args) => {
    await original(...args);
    setTimeout(() => {
      console.error('\n[handles] still active 1.5 s after teardown:');
      for (const h of process._getActiveHandles()) console.error('[handles]', describe(h));
      // Worker threads, pending fs or DNS requests and the like are not handles.
      for (const r of process._getActiveRequests()) console.error('[handles] request', r?.constructor?.name);
      console.error('[handles] resources:', process.getActiveResourcesInfo().join(', '));
    }, 1500).unref();
  };
}
