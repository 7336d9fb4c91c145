'use strict';
/** What the numbers were measured on. */
const fs = require('node:fs');
const os = require('node:os');
const { serverInfo } = require('./db.cjs');
const { bytes } = require('./stats.cjs');

const cpuModel = () => {
  try {
    const text = fs.readFileSync('/proc/cpuinfo', 'utf8');
    const match = /^model name\s*:\s*(.+)$/m.exec(text);
    if (match) return match[1].trim();
  } catch {
    // Not Linux: fall through to os.cpus().
  }
  return os.cpus()[0]?.model ?? 'unknown';
};

const cores = () => (typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);

const machineInfo = async (databaseUrl) => {
  const server = await serverInfo(databaseUrl);
  return {
    cpu: cpuModel(),
    cores: cores(),
    memory: bytes(os.totalmem()),
    node: process.version,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    postgres: server.version,
    postgresSettings: server.settings,
  };
};

module.exports = { machineInfo, cpuModel, cores };
