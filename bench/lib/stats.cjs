'use strict';
/** Clocks, percentiles and number formatting. */

/** Milliseconds since an arbitrary origin, sub-millisecond resolution. */
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/** Runs `work` and returns [result, elapsed ms]. */
const timed = async (work) => {
  const start = nowMs();
  const result = await work();
  return [result, nowMs() - start];
};

/** Nearest-rank percentile of an already sorted array. */
const percentileSorted = (sorted, p) => {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
};

/** p50/p90/p99/max/mean of a list of latencies (ms). */
const summarise = (samples) => {
  const sorted = Float64Array.from(samples).sort();
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    mean: sorted.length ? sum / sorted.length : NaN,
    p50: percentileSorted(sorted, 50),
    p90: percentileSorted(sorted, 90),
    p99: percentileSorted(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
    min: sorted.length ? sorted[0] : NaN,
  };
};

const int = (n) => Math.round(n).toLocaleString('en-US');
const fixed = (n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const ms = (n) => (Number.isFinite(n) ? (n < 10 ? `${n.toFixed(2)} ms` : `${n.toFixed(1)} ms`) : 'n/a');
const rate = (n) => `${int(n)} events/s`;
const ratio = (n) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : 'n/a');
const bytes = (n) => {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
};
const seconds = (msValue) => `${(msValue / 1000).toFixed(1)} s`;

module.exports = { nowMs, timed, percentileSorted, summarise, int, fixed, ms, rate, ratio, bytes, seconds };
