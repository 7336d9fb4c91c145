import { Writable } from 'node:stream';
import { logLevel } from 'kafkajs';
import pino from 'pino';
import { kafkaLogCreator } from './kafka-log';

describe("kafkajs's log entries as the node's log lines", () => {
  const capture = (level: string) => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const log = kafkaLogCreator(pino({ level, base: { pid: process.pid } }, sink))(logLevel.WARN);
    return { lines, log };
  };
  const entry = {
    message: 'Connection error: connect ECONNREFUSED 127.0.0.1:19092',
    timestamp: '2026-12-07T16:30:49.681Z',
    logger: 'kafkajs',
    broker: '127.0.0.1:19092',
    clientId: 'vaxledger-510000',
    stack: 'Error: connect ECONNREFUSED\n    at TCPConnectWrap.afterConnect',
  };

  it('writes one pino line with the level, pid, message and the entry fields, without the stack', () => {
    const { lines, log } = capture('info');
    log({ namespace: 'Connection', level: logLevel.ERROR, label: 'ERROR', log: entry });
    expect(lines).toEqual([
      expect.objectContaining({
        level: 50,
        pid: process.pid,
        msg: entry.message,
        component: 'kafkajs',
        namespace: 'Connection',
        kafka: { broker: '127.0.0.1:19092', clientId: 'vaxledger-510000' },
      }),
    ]);
    expect(lines[0]).not.toHaveProperty('stack');
    expect(lines[0]).not.toHaveProperty('timestamp');
  });

  it('keeps the stack at debug, and writes nothing below the node’s level', () => {
    const debug = capture('debug');
    debug.log({ namespace: 'Connection', level: logLevel.ERROR, label: 'ERROR', log: entry });
    expect(debug.lines[0]).toMatchObject({ stack: entry.stack });
    const quiet = capture('error');
    quiet.log({ namespace: 'Consumer', level: logLevel.WARN, label: 'WARN', log: { ...entry, message: 'rebalancing' } });
    expect(quiet.lines).toEqual([]);
  });
});
