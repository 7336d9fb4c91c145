/* eslint-disable @typescript-eslint/no-require-imports */
// A real Kafka broker for the integration and e2e tiers, started through deploy/local/kafka
// (official Apache Kafka jars, single-node KRaft). global-setup.cjs calls startBroker() when
// KAFKA_BROKERS is unset and global-teardown.cjs calls stop().
//
// - A broker that deploy/local/kafka already runs (same run dir) is reused as it is, and left
//   running afterwards: whoever started it owns it.
// - Otherwise the broker is started on KAFKA_PORT (default 19092; controller on the next port).
//   If something else holds that port, a free pair of loopback ports is picked instead.
const { spawn } = require('node:child_process');
const net = require('node:net');
const path = require('node:path');

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const SCRIPT = path.join(REPO_ROOT, 'deploy', 'local', 'kafka');
const HOST = '127.0.0.1';
// The first start downloads the broker with Maven; later ones take seconds.
const SCRIPT_TIMEOUT_MS = 15 * 60 * 1000;

function runScript(command, extraEnv = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(SCRIPT, [command], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGTERM'), SCRIPT_TIMEOUT_MS);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      // Progress lines ("fetching...", "waiting for broker...") go to the test log.
      if (command !== 'status') process.stderr.write(chunk);
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

function portInUse(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(true); // something holds it but does not answer: treat as taken
    });
    socket.once('error', () => resolve(false));
  });
}

function ephemeralPort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

// The broker needs two ports (client, controller): find n and n + 1 both free.
async function freePortPair() {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const port = await ephemeralPort();
    if (port > 0 && port < 65535 && !(await portInUse(port)) && !(await portInUse(port + 1))) {
      return port;
    }
  }
  throw new Error('kafka-broker: could not find two free consecutive loopback ports');
}

function field(statusLine, name) {
  const match = new RegExp(`${name}=(\\S+)`).exec(statusLine);
  return match ? match[1] : undefined;
}

async function startBroker() {
  const status = await runScript('status');
  const running = status.code === 0 ? field(status.stdout, 'brokers') : undefined;
  if (running) {
    const version = field(status.stdout, 'version');
    const wanted = process.env.KAFKA_VERSION;
    if (wanted && version && wanted !== version) {
      throw new Error(
        `KAFKA_VERSION=${wanted} but a Kafka ${version} broker is already running on ${running}; ` +
          'stop it first (deploy/local/kafka stop)',
      );
    }
    console.log(`\n[test] reusing the Kafka ${version ?? ''} broker already running on ${running}`);
    return { brokers: running, stop: async () => {} };
  }

  let port = Number(process.env.KAFKA_PORT || 19092);
  const controllerPort = Number(process.env.KAFKA_CONTROLLER_PORT || port + 1);
  let env = { KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(controllerPort) };
  if ((await portInUse(port)) || (await portInUse(controllerPort))) {
    const preferred = port;
    port = await freePortPair();
    env = { KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(port + 1) };
    console.log(`\n[test] port ${preferred} is taken by another process: Kafka will use ${port}`);
  }

  const started = await runScript('start', env);
  if (started.code !== 0) {
    throw new Error(`deploy/local/kafka start failed (exit ${started.code}):\n${started.stdout}${started.stderr}`);
  }
  // Another test run may have started the same broker between our status and start: then it
  // is theirs to stop.
  if (/already running/.test(started.stdout)) {
    return { brokers: `${HOST}:${port}`, stop: async () => {} };
  }
  const brokers = `${HOST}:${port}`;
  console.log(`[test] Kafka broker on ${brokers}`);
  return {
    brokers,
    stop: async () => {
      const stopped = await runScript('stop', env);
      if (stopped.code !== 0) {
        console.error(`deploy/local/kafka stop failed (exit ${stopped.code}): ${stopped.stderr}`);
      }
    },
  };
}

module.exports = { startBroker };
