import { constants } from 'node:fs';
import { access, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import {
  type Application,
  type DoseImportOutcome,
  type DoseImportResult,
  DoseFileError,
  type ImportDosesOptions,
} from '@vaxledger/application';
import type { Actor } from '@vaxledger/domain';
import { Presets, SingleBar } from 'cli-progress';

export interface DoseImportIo {
  readonly print: (line: string) => void;
  readonly stderr: Writable;
}

/** Where the rows go: the node's import handler, and what the CLI needs to know the site. */
export interface DoseImportNode {
  readonly app: Pick<Application, 'importDoses'>;
  /** The organisation's province and kind, from the read models (null: not registered). */
  organisation(orgCode: string): Promise<{ provinceCode: string; kind: string } | null>;
}

export class DoseImportUsageError extends Error {}

/**
 * Progress on stderr: a cli-progress bar on a terminal, a line every few seconds elsewhere
 * (a log file, CI), so the output stays readable in both.
 */
const progressOn = (stderr: Writable, total: number, started: number): { update: (n: number) => void; stop: () => void } => {
  const tty = (stderr as { isTTY?: boolean }).isTTY === true;
  if (tty) {
    const bar = new SingleBar(
      {
        stream: stderr as NodeJS.WritableStream,
        format: 'doses import {bar} {percentage}% | {value}/{total} rows | {rate}/s | eta {eta_formatted}',
      },
      Presets.shades_classic,
    );
    bar.start(total, 0, { rate: 0 });
    return {
      update: (n) => bar.update(n, { rate: Math.round(n / Math.max((Date.now() - started) / 1000, 0.001)) }),
      stop: () => bar.stop(),
    };
  }
  let last = 0;
  return {
    update: (n) => {
      if (Date.now() - last < 2_000 && n < total) return;
      last = Date.now();
      stderr.write(`doses import: ${n}/${total} rows (${Math.round(n / Math.max((Date.now() - started) / 1000, 0.001))}/s)\n`);
    },
    stop: () => undefined,
  };
};

const csvCell = (value: string): string => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

/**
 * The refusals as CSV, one line per problem: where in the file (row, line), the code, the
 * column and why. It names no person: the outcomes never carry an ID number or a name.
 */
export const refusalReport = (outcomes: readonly DoseImportOutcome[]): string => {
  const lines = ['row,line,code,field,reason'];
  for (const o of outcomes) {
    if (o.status !== 'refused') continue;
    for (const p of problemsOf(o)) lines.push([String(o.row), String(o.line), o.code ?? '', p.field, p.reason].map(csvCell).join(','));
  }
  return `\ufeff${lines.join('\r\n')}\r\n`;
};

/** A refusal's problems, each with a reason in words: a rule's field error repeats its code, the message says why. */
const problemsOf = (o: DoseImportOutcome): { field: string; reason: string }[] => {
  const problems = o.errors && o.errors.length > 0 ? o.errors : [{ field: '', reason: o.message ?? '' }];
  return problems.map((p) => ({ field: p.field, reason: p.reason === o.code && o.message ? o.message : p.reason }));
};

/** `--report` must name a file that can be written: not a folder, in a folder that exists and may be written. */
const checkReportPath = async (report: string): Promise<void> => {
  const folder = dirname(resolve(report));
  const kind = await stat(report).then(
    (s) => (s.isDirectory() ? 'folder' : 'file'),
    () => 'none',
  );
  if (kind === 'folder') throw new DoseImportUsageError(`--report ${report} is a folder: name a file`);
  try {
    await access(kind === 'file' ? report : folder, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DoseImportUsageError(
      code === 'ENOENT'
        ? `--report ${report}: the folder ${folder} does not exist`
        : `--report ${report} cannot be written (${code ?? 'error'})`,
    );
  }
};

/**
 * `doses import <file.csv> --site CODE [--report out.csv]`: the file's doses recorded at the
 * site through ImportDoses (the bulk path), a progress bar, a summary; exit status 1 when any
 * row was refused (the report lists them), 0 when every row is recorded or was before.
 */
export const runDoseImport = async (
  node: DoseImportNode,
  options: { file: string; site: string; report?: string | undefined },
  io: DoseImportIo,
): Promise<number> => {
  const orgCode = options.site.split('-')[0]!;
  const org = await node.organisation(orgCode);
  if (!org) throw new DoseImportUsageError(`--site ${options.site}: no organisation ${orgCode} is registered on this node`);
  if (org.kind !== 'clinic')
    throw new DoseImportUsageError(`--site ${options.site}: ${orgCode} is a ${org.kind}, doses are recorded by clinics`);
  const actor: Actor = { orgCode, role: 'clinic', provinceCode: org.provinceCode, siteCode: options.site };
  // Where the refusals go is checked before anything is recorded, so they are never lost.
  if (options.report !== undefined) await checkReportPath(options.report);
  let bytes: Buffer;
  try {
    bytes = await readFile(options.file);
  } catch (error) {
    // A file that cannot be read is a failure (1), as docs/dose-import.md says, not a usage error.
    io.stderr.write(`vaxledger: cannot read ${options.file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}\n`);
    return 1;
  }
  const started = Date.now();
  const cpu = process.cpuUsage();
  let progress: ReturnType<typeof progressOn> | null = null;
  const handlerOptions: ImportDosesOptions = {
    onProgress: (done, total) => {
      progress ??= progressOn(io.stderr, total, started);
      progress.update(done);
    },
  };
  let result: DoseImportResult;
  try {
    result = await node.app.importDoses.handleFile(bytes, actor, { correlationId: `cli-import-${started}` }, handlerOptions);
  } catch (error) {
    if (error instanceof DoseFileError) {
      io.stderr.write(`vaxledger: ${options.file}: ${error.message}\n`);
      for (const e of error.errors) io.stderr.write(`  ${e.field}: ${e.reason}\n`);
      return 1;
    }
    throw error;
  } finally {
    (progress as ReturnType<typeof progressOn> | null)?.stop();
  }
  const seconds = (Date.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const { summary } = result;
  io.print(
    `doses import: ${summary.rows} rows in ${seconds.toFixed(1)} s (${(summary.rows / Math.max(seconds, 0.001)).toFixed(0)} rows/s, ` +
      `${summary.rows ? ((used.user + used.system) / 1000 / summary.rows).toFixed(2) : '0'} ms CPU/row): ` +
      `${summary.recorded} recorded, ${summary.duplicates} duplicates (recorded before), ${summary.refused} refused`,
  );
  for (const [code, n] of Object.entries(summary.refusedByCode).sort((a, b) => b[1] - a[1])) io.print(`  refused ${code}: ${n}`);
  if (options.report) {
    await writeFile(options.report, refusalReport(result.outcomes));
    io.print(`refusals written to ${options.report}`);
  } else if (summary.refused > 0) {
    for (const o of result.outcomes.filter((x) => x.status === 'refused').slice(0, 10))
      io.print(
        `  row ${o.row} (line ${o.line}): ${o.code} ${problemsOf(o)
          .map((e) => (e.field ? `${e.field}: ${e.reason}` : e.reason))
          .join('; ')}`,
      );
    if (summary.refused > 10) io.print(`  … ${summary.refused - 10} more (--report FILE writes them all)`);
  }
  return summary.refused > 0 ? 1 : 0;
};
