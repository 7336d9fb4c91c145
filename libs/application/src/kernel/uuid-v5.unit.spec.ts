import type { Actor } from '@vaxledger/domain';
import { type CommandRequest, stampEvents } from './command-executor';
import { keyedEventId, uuidV5 } from './uuid-v5';

const actor: Actor = { orgCode: '12440300MB1B2345QN', role: 'clinic', provinceCode: '440000' };
const fact = { type: 'Noted', schemaVersion: 1, data: {} };

// The ids below were computed by the code before the keyed event id had a function of its own.
// Logs already hold events under these ids and a retried command must find them again:
// they must never change.
describe('event ids derived from an idempotency key', () => {
  it('are the same uuid v5 strings as ever', () => {
    expect(uuidV5('12440300MB1B2345QN|dose-2026-001|0')).toBe('384d127e-b469-54dd-8ae1-b9ba12f17cdb');
    expect(uuidV5('12440300MB1B2345QN|clé é|2')).toBe('e4fb280a-06bf-5a5e-b3c0-8cfaf45e21d6');
  });

  it('are what keyedEventId derives from the organisation, the key and the place of the event', () => {
    expect(keyedEventId('12440300MB1B2345QN', 'dose-2026-001', 0)).toBe('384d127e-b469-54dd-8ae1-b9ba12f17cdb');
    expect(keyedEventId('12440300MB1B2345QN', 'dose-2026-001', 1)).toBe('35bc4f20-f5f8-5922-8c4f-302f98e9ee58');
    expect(keyedEventId('12440300MB1B2345QN', 'clé é', 2)).toBe('e4fb280a-06bf-5a5e-b3c0-8cfaf45e21d6');
  });

  it('are what the command executor stamps on a keyed command, one per event in order', () => {
    const request: CommandRequest = {
      command: 'Note',
      streamId: 'note-1',
      resourceId: 'note-1',
      actor,
      correlationId: 'c',
      body: {},
      idempotencyKey: 'dose-2026-001',
      decide: () => Promise.resolve([]),
    };
    expect(stampEvents(request, [fact, fact], '440000').map((e) => e.eventId)).toEqual([
      '384d127e-b469-54dd-8ae1-b9ba12f17cdb',
      '35bc4f20-f5f8-5922-8c4f-302f98e9ee58',
    ]);
  });
});
