import { START as CLIENT_START } from '@eventstore/db-client';
import { StreamConflictError, StreamDeletedError } from '../errors';
import { fromPosition, positionOf, translate } from './kurrentdb-mapping';

describe('KurrentDB position mapping', () => {
  it('maps a commit position to the port and back as commit = prepare', () => {
    expect(positionOf({ commit: 1234n, prepare: 1234n })).toBe(1234n);
    expect(fromPosition(1234n)).toEqual({ commit: 1234n, prepare: 1234n });
    expect(fromPosition(0n)).toBe(CLIENT_START);
  });

  it('refuses an event whose prepare position differs rather than risk skipping one', () => {
    expect(() => positionOf({ commit: 10n, prepare: 12n })).toThrow(/explicit transactions are not supported/);
  });
});

describe('KurrentDB client errors as the port errors', () => {
  // Plain objects shaped like the client's errors: `type` is what the client sets.
  it('turns a wrong expected version into a stream conflict with the actual revision', () => {
    const error = translate({ type: 'wrong-expected-version', streamName: 'batch-1', expectedVersion: 0n, actualVersion: 3n }, 'append');
    expect(error).toBeInstanceOf(StreamConflictError);
    expect(error).toMatchObject({ code: 'STREAM_CONFLICT', streamId: 'batch-1', actual: 3 });
    expect(translate({ type: 'wrong-expected-version', streamName: 'b', actualVersion: 'no_stream' }, 'x')).toMatchObject({ actual: null });
  });

  it('turns a deleted stream into STREAM_DELETED naming it', () => {
    const error = translate({ type: 'stream-deleted', streamName: 'site-9' }, 'read of site-9');
    expect(error).toBeInstanceOf(StreamDeletedError);
    expect(error.message).toBe('stream site-9 is deleted in the event store');
  });

  it.each([
    [{ type: 'unavailable', message: '14 UNAVAILABLE: No connection established' }, /KurrentDB is unavailable \(append to x\)/],
    [{ type: 'deadline-exceeded', message: '4 DEADLINE_EXCEEDED' }, /did not answer in time/],
    [{ type: 'timeout', message: 'timeout' }, /did not answer in time/],
    [{ type: 'not-leader', message: 'not leader' }, /not the leader/],
    [{ type: 'access-denied', message: 'denied' }, /refused access .* credentials/],
    [{ code: 14, message: '14 UNAVAILABLE: connect ECONNREFUSED' }, /KurrentDB is unavailable/],
    [{ code: 4, message: 'deadline' }, /did not answer in time/],
    [new Error('something odd'), /KurrentDB call failed \(append to x\): something odd/],
  ])('turns %o into STORE_UNAVAILABLE with a clear message', (raw, message) => {
    expect(translate(raw, 'append to x')).toMatchObject({ code: 'STORE_UNAVAILABLE', message: expect.stringMatching(message) });
  });

  it('keeps port errors as they are and treats an oversized append as too large, with the limit', () => {
    const conflict = new StreamConflictError('s', '1', 2);
    expect(translate(conflict, 'x')).toBe(conflict);
    expect(translate({ type: 'maximum-append-size-exceeded', message: 'too big', maxAppendSize: 1024 }, 'x')).toMatchObject({
      code: 'APPEND_TOO_LARGE',
      limitBytes: 1024,
    });
  });
});
