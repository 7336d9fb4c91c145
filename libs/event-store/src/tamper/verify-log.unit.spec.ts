import { createHash } from 'node:crypto';
import { chainOver, GENESIS_HEAD, type LogCheckpoint } from './checkpoint';
import { canonicalJson } from './leaf-hash';
import { type ChainedEvent, verifyOrigin } from './verify-log';

// The verifier alone, on hand-made chains: what it reports for each kind of change.

const leafOf = (n: number): string => createHash('sha256').update(`leaf ${n}`).digest('hex');
const idOf = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const ev = (n: number, order = n): ChainedEvent => ({ eventId: idOf(n), leaf: leafOf(n), order: BigInt(order), position: BigInt(order) });

/** Checkpoints over events 1..n in groups of `size`. */
const checkpoints = (n: number, size: number): LogCheckpoint[] => {
  const out: LogCheckpoint[] = [];
  let head = GENESIS_HEAD;
  for (let from = 0, sequence = 1; from < n; from += size, sequence++) {
    const leaves = Array.from({ length: Math.min(size, n - from) }, (_, i) => [idOf(from + i + 1), leafOf(from + i + 1)] as const);
    const next = chainOver(
      head,
      leaves.map(([, l]) => l),
    );
    out.push({
      origin: '510000',
      sequence,
      fromPosition: String(from),
      toPosition: String(from + leaves.length),
      count: leaves.length,
      previousHead: head,
      head: next,
      signedAt: '2026-12-06T00:00:00Z',
      keyId: 'k',
      signature: 's',
      leaves,
    });
    head = next;
  }
  return out;
};

const kinds = (r: ReturnType<typeof verifyOrigin>): string[] =>
  r.problems.map((p) => `${p.kind}${p.eventId ? ` ${p.eventId.slice(-2)}` : ''}`);
const events = (n: number): ChainedEvent[] => Array.from({ length: n }, (_, i) => ev(i + 1));

describe('verifyOrigin', () => {
  it('accepts an untouched chain and counts what comes after the last checkpoint', () => {
    const r = verifyOrigin({ origin: '510000', events: events(8), checkpoints: checkpoints(6, 4), complete: true });
    expect(r).toMatchObject({ checkpoints: 2, covered: 6, uncovered: 2, problems: [] });
  });

  it('names an event added inside the checkpointed range', () => {
    const log = [...events(6), { ...ev(50), order: 3n, position: 3n }];
    expect(kinds(verifyOrigin({ origin: '510000', events: log, checkpoints: checkpoints(6, 3), complete: true }))).toEqual(['unlisted 50']);
  });

  it('names a missing checkpoint and a rewritten one', () => {
    const [first, , third] = checkpoints(9, 3);
    expect(kinds(verifyOrigin({ origin: '510000', events: events(9), checkpoints: [first!, third!], complete: true }))).toEqual([
      'bad-checkpoint',
      'unlisted 04',
      'unlisted 05',
      'unlisted 06',
    ]);
    const rewritten = { ...first!, leaves: [first!.leaves[0]!, first!.leaves[2]!, first!.leaves[1]!] };
    expect(kinds(verifyOrigin({ origin: '510000', events: events(3), checkpoints: [rewritten], complete: true }))[0]).toBe(
      'bad-checkpoint',
    );
  });

  it('reports what the signature check says', () => {
    const r = verifyOrigin({
      origin: '510000',
      events: events(3),
      checkpoints: checkpoints(3, 3),
      complete: true,
      checkSignature: () => ({ ok: false, detail: 'forged' }),
    });
    expect(r.problems).toEqual([expect.objectContaining({ kind: 'bad-checkpoint', detail: 'checkpoint 1: forged' })]);
  });

  it('on a copy holding only some events: absent ones are fine, altered ones are not', () => {
    const held = [ev(2), { ...ev(5), leaf: leafOf(99) }];
    expect(kinds(verifyOrigin({ origin: '510000', events: held, checkpoints: checkpoints(6, 6), complete: false }))).toEqual([
      'altered 05',
    ]);
  });
});

describe('canonicalJson', () => {
  it('writes what PostgreSQL prints for the value as jsonb', () => {
    // Expected texts as `SELECT '<JSON.stringify(value)>'::jsonb::text` prints them (PostgreSQL 15).
    expect(canonicalJson({ b: 1, a: { d: [3, { f: 1, e: 'x' }], c: null }, u: undefined })).toBe(
      '{"a": {"c": null, "d": [3, {"e": "x", "f": 1}]}, "b": 1}',
    );
    expect(canonicalJson({ bb: 1, a: 2, '10': 3, é: 4, ab: 5 })).toBe('{"a": 2, "10": 3, "ab": 5, "bb": 1, "é": 4}');
    expect(canonicalJson([1e21, 1e-7, -1.5e-8, 12345678901234, -0, 0.1, NaN, undefined, 'é中\u2028"\\\n'])).toBe(
      '[1000000000000000000000, 0.0000001, -0.000000015, 12345678901234, 0, 0.1, null, null, "é中\u2028\\"\\\\\\n"]',
    );
    expect(canonicalJson({ z: new Date('2026-12-06T01:02:03.456Z'), f: () => 1 })).toBe('{"z": "2026-12-06T01:02:03.456Z"}');
    expect(canonicalJson(undefined)).toBe('null');
    expect(canonicalJson({})).toBe('{}');
    expect(canonicalJson([])).toBe('[]');
  });
});
