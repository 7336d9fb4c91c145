import { forwardTargets, personOfStream, routeOf } from './routing';
import { historyAnswer, historyRequest, parseControlMessage } from '../history/control-messages';

const P = 'p1tz62ri4byn76xi7ekedhqwttwe';
const SERVED = ['440000', '510000', '650000'];

describe('what the hub forwards to whom', () => {
  it('sends supply-chain facts and recalls to every served province but the origin', () => {
    for (const stream of [
      'org-12510000MB0A1234XJ',
      'site-12440300MB1B2345QN',
      'product-8696321',
      'batch-8696321-X2026A',
      'lotrelease-8696321-X2026A',
      'recall-r1',
      'logcheckpoint-510000',
    ])
      expect(forwardTargets(routeOf(stream), '510000', SERVED)).toEqual(['440000', '650000']);
  });

  it('sends a person’s events only to the provinces in the person index, never back to the origin', () => {
    const route = routeOf(`person-510000-${P}`);
    expect(route).toEqual({ kind: 'person', personId: P });
    expect(forwardTargets(route, '510000', SERVED, [])).toEqual([]);
    expect(forwardTargets(route, '510000', SERVED, ['510000'])).toEqual([]);
    expect(forwardTargets(route, '510000', SERVED, ['510000', '440000', '440000'])).toEqual(['440000']);
  });

  it('sends an AEFI event to the served provinces its payload routes it to, and signals everywhere', () => {
    const route = routeOf('aefi-440000-r1', { routeTo: ['510000', '650000', '990000', 'x'] });
    expect(route).toEqual({ kind: 'listed', provinces: ['510000', '650000', '990000'] });
    expect(forwardTargets(route, '440000', SERVED)).toEqual(['510000', '650000']); // 990000 is not served
    expect(forwardTargets(routeOf('aefi-440000-r1', { routeTo: [] }), '440000', SERVED)).toEqual([]);
    expect(forwardTargets(routeOf('signal-510000-8696321-X1'), '510000', SERVED)).toEqual(['440000', '650000']);
  });

  it('keeps audit trails, AEFI events concerning no other province and unknown categories at home', () => {
    for (const stream of ['audit-510000-2026-11-23', `aefi-510000-${P}`, 'whatever-1']) {
      expect(routeOf(stream).kind).toBe('none');
      expect(forwardTargets(routeOf(stream), '510000', SERVED, SERVED)).toEqual([]);
    }
  });

  it('reads the person back out of a person stream id only', () => {
    expect(personOfStream(`person-440000-${P}`)).toBe(P);
    expect(personOfStream(`aefi-440000-${P}`)).toBeNull();
    expect(personOfStream(`person-44000-${P}`)).toBeNull();
  });
});

describe('control messages', () => {
  it('round-trip a request and an answer', () => {
    expect(parseControlMessage(Buffer.from(String(historyRequest(P, '440000').value)))).toEqual({
      v: 1,
      kind: 'history-request',
      personId: P,
      requester: '440000',
    });
    const answer = { personId: P, responder: '000000', eventCount: 0, upTo: null, holders: ['510000'] };
    expect(parseControlMessage(Buffer.from(String(historyAnswer(answer).value)))).toEqual({ v: 1, kind: 'history-answer', ...answer });
  });

  it('refuses anything malformed instead of trusting it', () => {
    const bad = [
      null,
      Buffer.from('not json'),
      Buffer.from('[]'),
      Buffer.from(JSON.stringify({ v: 2, kind: 'history-request', personId: P, requester: '440000' })),
      Buffer.from(JSON.stringify({ v: 1, kind: 'history-request', personId: '440305198805121237', requester: '440000' })),
      Buffer.from(JSON.stringify({ v: 1, kind: 'history-request', personId: P, requester: 'x' })),
      Buffer.from(JSON.stringify({ v: 1, kind: 'history-answer', personId: P, responder: '510000', eventCount: -1, upTo: null })),
      Buffer.from(
        JSON.stringify({ v: 1, kind: 'history-answer', personId: P, responder: '510000', eventCount: 1, upTo: null, holders: ['x'] }),
      ),
      Buffer.from(JSON.stringify({ v: 1, kind: 'delete-everything', personId: P })),
      Buffer.alloc(20_000, 32),
    ];
    for (const bytes of bad) expect(parseControlMessage(bytes)).toBeNull();
  });
});
