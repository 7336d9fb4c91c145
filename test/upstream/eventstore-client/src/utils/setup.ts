import { basename } from 'node:path';

// THE SHIM's test set-up (ours, not upstream). Three things only:
// - upstream's runner settings that its jest.config.js gave: a 60 s test timeout;
// - jest 27's matcher aliases (toBeCalled, toThrowError, ...), which jest 30 (ours) removed,
//   each mapped to the matcher it was an alias of, so upstream's assertions run unchanged;
// - the upstream tests that are out of scope for the KurrentDB double, by file and test
//   name, with the reason (also in ../../README.md): registered as skipped, so jest reports
//   them; every other test of the selected files runs as written.

jest.setTimeout(60_000);

const ACL = 'needs authentication and stream ACLs, which the double does not emulate (the adapter sets no ACL)';
const PROJECTIONS =
  'needs the projections subsystem to write the links ($by_category, linkTo); link resolution is covered by appendToStream "linkTo"';
const PERSISTENT = 'needs persistent subscriptions, which the double does not serve (the adapter uses catch-up subscriptions)';

export const OUT_OF_SCOPE: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'appendToStream-errors.test.ts': { AccessDenied: ACL },
  'appendToStream-batch-append-flood.test.ts': {
    'Can handle multiple appends within the same event loop':
      'a throughput test: 10,000 appends must finish inside the default 10 s deadline while the double shares one JavaScript thread with the client; on a shared CI machine it measures the machine (many appends in flight on one BatchAppend call are tested in kurrentdb-double.int.spec.ts)',
  },
  'readStream.test.ts': { 'resolve link tos': PROJECTIONS },
  'readAll.test.ts': { 'resolve link tos': PROJECTIONS },
  'dispose.test.ts': { 'Persistent subscription to stream': PERSISTENT, 'Persistent subscription to $all': PERSISTENT },
  'typedEvents.test.ts': { connectToPersistantSubscription: PERSISTENT },
};

type TestFn = jest.It;

const fileName = (): string => basename(expect.getState().testPath ?? '');

const guard = (original: TestFn): TestFn => {
  const wrapped = ((name: string, ...rest: unknown[]) => {
    const reason = OUT_OF_SCOPE[fileName()]?.[name];
    if (reason) return original.skip(`${name} [out of scope: ${reason}]`, () => undefined);
    return (original as unknown as (...args: unknown[]) => unknown)(name, ...rest);
  }) as unknown as TestFn;
  return Object.assign(wrapped, original);
};

globalThis.test = guard(globalThis.test);
globalThis.it = guard(globalThis.it);

const ALIASES: Readonly<Record<string, string>> = {
  toBeCalled: 'toHaveBeenCalled',
  toBeCalledTimes: 'toHaveBeenCalledTimes',
  toBeCalledWith: 'toHaveBeenCalledWith',
  lastCalledWith: 'toHaveBeenLastCalledWith',
  nthCalledWith: 'toHaveBeenNthCalledWith',
  toReturn: 'toHaveReturned',
  toReturnTimes: 'toHaveReturnedTimes',
  toReturnWith: 'toHaveReturnedWith',
  lastReturnedWith: 'toHaveLastReturnedWith',
  nthReturnedWith: 'toHaveNthReturnedWith',
  toThrowError: 'toThrow',
};

type Matchers = Record<string, (...args: unknown[]) => unknown>;

expect.extend(
  Object.fromEntries(
    Object.entries(ALIASES).map(([alias, target]) => [
      alias,
      function (this: jest.MatcherContext, received: unknown, ...args: unknown[]) {
        // Under `.rejects` the matcher gets the rejection; the target expects the promise again.
        const subject = this.promise === 'rejects' ? expect(Promise.reject(received)).rejects : expect(received);
        const matchers = (this.isNot ? subject.not : subject) as unknown as Matchers;
        const outcome = (error?: unknown): jest.CustomMatcherResult => ({
          pass: error === undefined ? !this.isNot : this.isNot,
          message: () => (error instanceof Error ? error.message : ''),
        });
        try {
          const result = matchers[target]!(...args);
          return result instanceof Promise
            ? result.then(
                () => outcome(),
                (error: unknown) => outcome(error),
              )
            : outcome();
        } catch (error) {
          return outcome(error);
        }
      },
    ]),
  ),
);
