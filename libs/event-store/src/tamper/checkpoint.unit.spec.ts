import { createHash, randomBytes } from 'node:crypto';
import { CHAIN_TAG, chainOver, chainStep, GENESIS_HEAD } from './checkpoint';
import { part } from './leaf-hash';

// The chain as ADR 0019 defines it, written plainly: chainStep's faster form must give the same.
const reference = (head: string, leaf: string): string =>
  createHash('sha256')
    .update(part(Buffer.from(CHAIN_TAG, 'utf8')))
    .update(Buffer.from(head, 'hex'))
    .update(Buffer.from(leaf, 'hex'))
    .digest('hex');

describe('chainStep', () => {
  it('gives the chain formula of ADR 0019 for well-formed heads and leaves', () => {
    let head = GENESIS_HEAD;
    const leaves = Array.from({ length: 50 }, () => randomBytes(32).toString('hex'));
    for (const leaf of leaves) {
      expect(chainStep(head, leaf)).toBe(reference(head, leaf));
      head = reference(head, leaf);
    }
    expect(chainOver(GENESIS_HEAD, leaves)).toBe(head);
    expect(chainStep(head.toUpperCase(), leaves[0]!)).toBe(reference(head, leaves[0]!));
  });

  it('hashes malformed values as before (hex read up to the first non-hex character)', () => {
    const leaf = randomBytes(32).toString('hex');
    for (const bad of [`zz${leaf.slice(2)}`, `${leaf.slice(0, 10)}g${leaf.slice(11)}`, leaf.slice(1), `${leaf}00`, '', 'abc']) {
      expect(chainStep(bad, leaf)).toBe(reference(bad, leaf));
      expect(chainStep(leaf, bad)).toBe(reference(leaf, bad));
    }
  });
});
