import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Collects every FHIR resource a test file produces in one folder, then runs HAPI FHIR's
 * validator (deploy/fhir-validator) over the folder once: starting the JVM and loading the R4
 * definitions takes tens of seconds, so once per file, not once per resource.
 */
export class FhirResourceFolder {
  readonly dir: string;
  private count = 0;

  constructor(label: string) {
    mkdirSync(tmpdir(), { recursive: true });
    this.dir = mkdtempSync(join(tmpdir(), `vaxledger-fhir-${label}-`));
  }

  /** Keeps one answer's resource (a Bundle counts as one: the validator checks its entries too). */
  save(name: string, resource: unknown): void {
    this.count++;
    writeFileSync(
      join(this.dir, `${String(this.count).padStart(3, '0')}-${name.replace(/[^\w.-]+/g, '_')}.json`),
      JSON.stringify(resource, null, 2),
    );
  }

  get size(): number {
    return readdirSync(this.dir).filter((f) => f.endsWith('.json')).length;
  }

  /** Runs the validator; `errors` is the number it reports, `output` its lines. */
  validate(): { status: number | null; errors: number; output: string } {
    const script = resolve(__dirname, '../../deploy/fhir-validator/validate');
    const run = spawnSync('bash', [script, this.dir], { encoding: 'utf8', timeout: 900_000 });
    const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
    const summary = /checked (\d+) resources: (\d+) errors/.exec(run.stdout ?? '');
    return { status: run.status, errors: summary ? Number(summary[2]) : -1, output };
  }
}
