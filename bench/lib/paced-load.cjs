'use strict';
/**
 * An open-loop load at a steady rate: one request every 1/rate seconds, each sent when its time
 * comes whether or not earlier ones were answered (a clinic network does not wait for the
 * node). autocannon's `overallRate` spends each connection's budget for the second at the
 * start of the second, so the node meets one burst per second and its latency is that burst's
 * queue; this spreads the same requests evenly instead.
 *
 * Latency is counted from the request's scheduled time, not from when it could be written: a
 * request that waited for a free socket waited for the node (no coordinated omission).
 * Answers the fields of autocannon's result that http-doses reads.
 */
const http = require('node:http');
const { nowMs, summarise } = require('./stats.cjs');

const pacedLoad = (baseUrl, gen, { rate, duration, maxSockets = 256, onResponse = () => {} }) =>
  new Promise((resolve) => {
    const url = new URL('/v1/doses', baseUrl);
    const agent = new http.Agent({ keepAlive: true, maxSockets });
    const latencies = [];
    const counts = { ok: 0, non2xx: 0, errors: 0, timeouts: 0, sent: 0 };
    const start = nowMs();
    const total = Math.round(rate * duration);
    let done = 0;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      agent.destroy();
      const elapsed = (nowMs() - start) / 1000;
      const s = summarise(latencies);
      resolve({
        requests: { average: counts.ok / Math.max(elapsed, duration), total: counts.sent },
        latency: { p50: s.p50, p90: s.p90, p97_5: percentile(latencies, 97.5), p99: s.p99, max: s.max, mean: s.mean },
        '2xx': counts.ok,
        non2xx: counts.non2xx,
        errors: counts.errors,
        timeouts: counts.timeouts,
      });
    };
    const send = (scheduledAt) => {
      counts.sent++;
      const { headers, body } = gen.next();
      const req = http.request(
        url,
        { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            latencies.push(nowMs() - scheduledAt);
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) counts.ok++;
            else counts.non2xx++;
            onResponse(status, Buffer.concat(chunks).toString('utf8'));
            if (++done === total) finish();
          });
        },
      );
      req.setTimeout(30_000, () => {
        counts.timeouts++;
        req.destroy(new Error('timeout'));
      });
      req.on('error', () => {
        counts.errors++;
        if (++done === total) finish();
      });
      req.end(body);
    };
    // A timer every few ms sends whatever is due by then, so the pace holds even when the event
    // loop is late (sends are never skipped, only made a little late, and timed from when due).
    let next = 0;
    const tick = setInterval(() => {
      const due = Math.min(total, Math.floor(((nowMs() - start) / 1000) * rate));
      while (next < due) send(start + (next++ * 1000) / rate);
      if (next >= total) clearInterval(tick);
    }, 2);
    // Never wait more than 30 s past the end for the last answers.
    setTimeout(finish, (duration + 30) * 1000).unref();
  });

const percentile = (samples, p) => {
  if (samples.length === 0) return NaN;
  const sorted = Float64Array.from(samples).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
};

module.exports = { pacedLoad };
