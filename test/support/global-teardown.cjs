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
