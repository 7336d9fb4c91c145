'use strict';
/**
 * Progress output. On a terminal a cli-progress bar; otherwise (CI, `| tee`, logs) one
 * plain line every few seconds, so a long phase never looks hung. BENCH_PLAIN=1 forces lines.
 */
const { nowMs, int } = require('./stats.cjs');

const useBar = () => Boolean(process.stdout.isTTY) && process.env.BENCH_PLAIN !== '1';

const log = (tag, message) => {
  const time = new Date().toISOString().slice(11, 19);
  process.stdout.write(`${time} [${tag}] ${message}\n`);
};

/**
 * A counter towards `total`. `tick(n)` adds n; `done()` prints the final line and returns
 * { count, elapsedMs, perSecond }.
 */
const progress = (tag, label, total, unit = 'events', intervalMs = 3000) => {
  const start = nowMs();
  let count = 0;
  let lastPrint = start;
  let bar = null;
  if (useBar()) {
    const cliProgress = require('cli-progress');
    bar = new cliProgress.SingleBar(
      {
        format: `  [${tag}] ${label} {bar} {percentage}% | {value}/{total} ${unit} | {speed}/s | eta {eta_formatted}`,
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { speed: '0' });
  }
  const line = (now) => {
    const elapsed = (now - start) / 1000;
    const speed = elapsed > 0 ? count / elapsed : 0;
    const pct = total > 0 ? ((100 * count) / total).toFixed(1) : '?';
    const eta = speed > 0 && total > count ? ` · eta ${Math.ceil((total - count) / speed)} s` : '';
    log(tag, `${label}: ${int(count)}/${int(total)} ${unit} (${pct}%) · ${int(speed)} ${unit}/s${eta}`);
  };
  return {
    tick(n = 1) {
      count += n;
      const now = nowMs();
      if (bar) {
        const elapsed = (now - start) / 1000;
        bar.update(count, { speed: int(elapsed > 0 ? count / elapsed : 0) });
      } else if (now - lastPrint >= intervalMs) {
        lastPrint = now;
        line(now);
      }
    },
    get count() {
      return count;
    },
    done() {
      const now = nowMs();
      if (bar) bar.stop();
      const elapsedMs = now - start;
      const perSecond = elapsedMs > 0 ? (count * 1000) / elapsedMs : 0;
      log(tag, `${label}: ${int(count)} ${unit} in ${(elapsedMs / 1000).toFixed(1)} s · ${int(perSecond)} ${unit}/s`);
      return { count, elapsedMs, perSecond };
    },
  };
};

module.exports = { log, progress };
