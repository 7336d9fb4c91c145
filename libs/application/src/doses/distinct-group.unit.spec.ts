import type { DoseInput } from './dose-decision';
import { firstDistinctGroup } from './distinct-group';

const item = (tag: string, streamId: string, key?: string, orgCode = 'CLINIC1') => ({
  tag,
  input: { streamId, actor: { orgCode }, meta: key ? { idempotencyKey: key } : {} } as unknown as DoseInput,
});
const tags = (items: readonly { tag: string }[]): string[] => items.map((i) => i.tag);

describe('firstDistinctGroup', () => {
  it('takes doses in arrival order while persons and keys are distinct', () => {
    const { group, rest } = firstDistinctGroup([item('a', 'p1'), item('b', 'p2', 'k1'), item('c', 'p3', 'k2')], 10);
    expect(tags(group)).toEqual(['a', 'b', 'c']);
    expect(rest).toEqual([]);
  });

  it('leaves a second dose of a person for later, and holds back that person after it', () => {
    const items = [item('a', 'p1'), item('b', 'p1'), item('c', 'p2'), item('d', 'p1')];
    const { group, rest } = firstDistinctGroup(items, 10);
    expect(tags(group)).toEqual(['a', 'c']);
    expect(tags(rest)).toEqual(['b', 'd']);
  });

  it('a key held back holds back its later doses even for another person; keys are per organisation', () => {
    const items = [item('a', 'p1', 'k'), item('b', 'p2', 'k'), item('c', 'p3', 'k'), item('d', 'p4', 'k', 'CLINIC2')];
    const { group, rest } = firstDistinctGroup(items, 10);
    expect(tags(group)).toEqual(['a', 'd']);
    expect(tags(rest)).toEqual(['b', 'c']);
  });

  it('a person left out of a full group still keeps its order: the rest is the input after the group, in order', () => {
    const items = [item('a', 'p1'), item('b', 'p1'), item('c', 'p2'), item('d', 'p3'), item('e', 'p4')];
    const { group, rest } = firstDistinctGroup(items, 2);
    expect(tags(group)).toEqual(['a', 'c']);
    expect(tags(rest)).toEqual(['b', 'd', 'e']);
  });
});
