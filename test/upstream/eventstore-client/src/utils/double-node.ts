import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KurrentDbDouble, startKurrentDbDouble } from '../../../../support/kurrentdb/kurrentdb-double';

// THE SHIM (ours, not upstream): stands in for upstream's `Cluster` (utils/Cluster.ts), which
// starts EventStoreDB nodes in docker. It starts the KurrentDB test double instead and offers
// the members the selected upstream tests use: up, down, uri, certs.root, endpoints,
// setOption (EVENTSTORE_MAX_APPEND_SIZE only) and killNode. Nothing else is replaced.

interface Certificates {
  readonly root: Buffer;
  readonly key: Buffer;
  readonly cert: Buffer;
}

let certificates: Certificates | null = null;

/** A throw-away CA and a node certificate for 127.0.0.1/localhost, made once per process with openssl. */
const testCertificates = (): Certificates => {
  if (certificates) return certificates;
  const dir = mkdtempSync(join(tmpdir(), 'kurrentdb-double-tls-'));
  const run = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  try {
    run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=double-ca');
    run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'node.key', '-out', 'node.csr', '-subj', '/CN=localhost');
    const extensions = join(dir, 'san.ext');
    writeFileSync(extensions, 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    run(
      'x509',
      '-req',
      '-in',
      'node.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'node.crt',
      '-days',
      '2',
      '-extfile',
      extensions,
    );
    certificates = {
      root: readFileSync(join(dir, 'ca.crt')),
      key: readFileSync(join(dir, 'node.key')),
      cert: readFileSync(join(dir, 'node.crt')),
    };
    return certificates;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

export class DoubleNode {
  private double: KurrentDbDouble | null = null;
  private maxAppendSize: number | undefined;
  private readonly tls: Certificates | null;

  constructor(insecure = false) {
    this.tls = insecure ? null : testCertificates();
  }

  get certs(): { root: Buffer | undefined } {
    return { root: this.tls?.root };
  }

  get uri(): string {
    return `127.0.0.1:${this.running().port}`;
  }

  get endpoints(): { address: string; port: number }[] {
    return [{ address: '127.0.0.1', port: this.running().port }];
  }

  /** Upstream passes node settings; the double knows the maximum append size. */
  setOption(name: string, value: string | number): this {
    if (name !== 'EVENTSTORE_MAX_APPEND_SIZE') throw new Error(`the KurrentDB double has no setting ${name}`);
    this.maxAppendSize = Number(value);
    return this;
  }

  up = async (): Promise<void> => {
    this.double = await startKurrentDbDouble({
      ...(this.tls ? { tls: { key: this.tls.key, cert: this.tls.cert } } : {}),
      ...(this.maxAppendSize !== undefined ? { maxAppendSize: this.maxAppendSize } : {}),
    });
  };

  down = async (): Promise<void> => {
    await this.double?.stop();
    this.double = null;
  };

  killNode = async (): Promise<void> => {
    await this.down();
  };

  private running(): KurrentDbDouble {
    if (!this.double) throw new Error('the KurrentDB double is not up: call up() first');
    return this.double;
  }
}
