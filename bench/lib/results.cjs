'use strict';
/**
 * bench/RESULTS.md writer. Every suite's latest result is kept in bench/results.json and
 * RESULTS.md is re-rendered from it, so running one suite (`node bench/run.cjs append`)
 * refreshes that suite's section and leaves the others as they were measured (each section
 * says when, at which scale and with which command it was measured).
 */
const fs = require('node:fs');
const path = require('node:path');
const { BENCH_DIR } = require('./env.cjs');

const JSON_FILE = path.join(BENCH_DIR, 'results.json');
const MD_FILE = path.join(BENCH_DIR, 'RESULTS.md');
const NOTES_FILE = path.join(BENCH_DIR, 'RESULTS-notes.md');

/** Render order of the sections; a suite missing from results.json is shown as not run. */
const SECTION_ORDER = [
  { suite: 'append', title: '1. Batched append (100 events per call)' },
  { suite: 'single-append', title: '2. Single-event appends vs pgbench' },
  { suite: 'rebuild', title: '3. Projection rebuild' },
  { suite: 'queries', title: '4. Queries at scale' },
  { suite: 'http-doses', title: '5. HTTP dose capture (autocannon)' },
  { suite: 'sync', title: '6. Cross-province sync over Kafka' },
  { suite: 'history-pull', title: '7. Records from elsewhere: history pull through the hub' },
  { suite: 'kurrentdb', title: '8. KurrentDB adapter (against the test double: client overhead only)' },
  { suite: 'embedded-start', title: '9. The embedded default: start time and idle memory' },
  { suite: 'tamper-log', title: '10. Tamper-evident log: leaf hashes and checkpoints (ADR 0019)' },
  { suite: 'embedded-doses', title: '11. The embedded default: demo doses, bulk path and one by one' },
  { suite: 'kurrentdb-doses', title: '12. KurrentDB doses: guard rows on vs off (ADR 0029, test double)' },
];

const STATUS = { MET: '**MET**', MISSED: '**MISSED**', INFO: '—' };

const load = () => {
  try {
    return JSON.parse(fs.readFileSync(JSON_FILE, 'utf8'));
  } catch {
    return { machine: null, lastRun: null, sections: {} };
  }
};

const escapeCell = (text) =>
  String(text ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\n/g, ' ');

const table = (headers, rows) =>
  [
    `| ${headers.join(' | ')} |`,
    `| ${headers.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(escapeCell).join(' | ')} |`),
  ].join('\n');

const machineLine = (m) => `${m.cpu}, ${m.cores} cores`;

const renderSection = (title, section, machine) => {
  const out = [`## ${title}`, ''];
  if (!section) {
    out.push('_Not measured yet: run `node bench/run.cjs` (or this suite alone)._', '');
    return out.join('\n');
  }
  const loadText = section.load
    ? ` · 1-min load average ${section.load.before.toFixed(1)} before, ${section.load.after.toFixed(1)} after`
    : '';
  out.push(
    `Measured ${section.date} · BENCH_SCALE=${section.scale} · \`${section.command}\` · suite took ${(section.durationMs / 1000).toFixed(0)} s${loadText}`,
  );
  if (section.machine && machine && machineLine(section.machine) !== machineLine(machine))
    out.push('', `_Measured on a different machine: ${machineLine(section.machine)}._`);
  out.push('');
  if (section.parameters?.length) {
    out.push(...section.parameters.map((p) => `- ${p}`), '');
  }
  out.push(
    table(
      ['Benchmark', 'Measured', 'Target', 'Result', 'What limits it / note'],
      section.rows.map((r) => [r.metric, r.measured, r.target, STATUS[r.status] ?? r.status, r.note ?? '']),
    ),
    '',
  );
  if (section.details) out.push(section.details.trim(), '');
  return out.join('\n');
};

const render = (data) => {
  const m = data.machine;
  const run = data.lastRun;
  const out = [
    '# Vaxledger benchmark results',
    '',
    'Written by `bench/run.cjs` from `bench/results.json`; do not edit by hand (the next run overwrites it).',
    'What each benchmark does and how to run it: [README.md](README.md).',
    '',
    '## Machine',
    '',
  ];
  if (m) {
    out.push(
      table(['CPU', 'Cores', 'Memory', 'Node', 'OS', 'PostgreSQL'], [[m.cpu, String(m.cores), m.memory, m.node, m.os, m.postgres]]),
      '',
    );
    if (m.postgresSettings) {
      out.push(
        `PostgreSQL settings: ${Object.entries(m.postgresSettings)
          .map(([k, v]) => `\`${k}=${v}\``)
          .join(', ')}. Client and server share the same cores.`,
        '',
      );
    }
  }
  if (run) {
    out.push(
      '## Last run',
      '',
      `- Date: ${run.date}`,
      `- Command: \`${run.command}\``,
      `- Scale: BENCH_SCALE=${run.scale}${run.scale === 1 ? ' (full size)' : ' (event counts scaled; targets are defined at full size)'}`,
      `- Suites in this run: ${run.suites.join(', ')}${run.failed?.length ? ` (failed: ${run.failed.join(', ')})` : ''}`,
      `- Wall time: ${(run.durationMs / 1000).toFixed(0)} s`,
      '',
    );
  }
  const summary = [];
  for (const { suite, title } of SECTION_ORDER) {
    const section = data.sections?.[suite];
    for (const r of section?.rows ?? [])
      if (r.status === 'MET' || r.status === 'MISSED')
        summary.push([title.replace(/^\d+\.\s*/, ''), r.metric, r.measured, r.target, STATUS[r.status]]);
  }
  if (summary.length) out.push('## Summary', '', table(['Suite', 'Benchmark', 'Measured', 'Target', 'Result'], summary), '');
  // Hand-written findings (what limited each figure, the conditions of a run), kept across runs.
  if (fs.existsSync(NOTES_FILE)) out.push(fs.readFileSync(NOTES_FILE, 'utf8').trim(), '');
  for (const { suite, title } of SECTION_ORDER) out.push(renderSection(title, data.sections?.[suite], m));
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
};

/** JSON as the repo's prettier would print it, so `prettier --check .` stays clean. */
const formatJson = async (text) => {
  try {
    const prettier = require('prettier');
    const options = (await prettier.resolveConfig(JSON_FILE)) ?? {};
    return await prettier.format(text, { ...options, parser: 'json' });
  } catch {
    return text;
  }
};

/** Stores the machine, the run and the sections measured in this run, then rewrites RESULTS.md. */
const save = async ({ machine, run, sections }) => {
  const data = load();
  data.machine = machine;
  data.lastRun = run;
  data.sections = { ...(data.sections ?? {}), ...sections };
  fs.writeFileSync(JSON_FILE, await formatJson(`${JSON.stringify(data, null, 2)}\n`));
  fs.writeFileSync(MD_FILE, render(data));
  return MD_FILE;
};

module.exports = { save, render, load, table, JSON_FILE, MD_FILE };
