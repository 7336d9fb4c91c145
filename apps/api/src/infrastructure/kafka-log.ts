import { logLevel as KafkaLevel, type logCreator } from 'kafkajs';
import pino, { type Logger } from 'pino';

type Method = 'error' | 'warn' | 'info' | 'debug';

const methodOf = (level: KafkaLevel): Method =>
  level === KafkaLevel.ERROR || level === KafkaLevel.NOTHING
    ? 'error'
    : level === KafkaLevel.WARN
      ? 'warn'
      : level === KafkaLevel.INFO
        ? 'info'
        : 'debug';

/**
 * kafkajs's log entries as the node's own log lines (pino JSON with `pid`, `level`, `time`,
 * `msg`), not kafkajs's own format on stdout: one shape for whatever reads the log. The entry's
 * fields (broker, clientId, retry counts…) come along under `kafka`; its stack trace only at
 * debug level. Entries carry broker and protocol facts, never a message's payload.
 */
export const kafkaLogCreator =
  (logger: Logger): logCreator =>
  () =>
  ({ namespace, level, log }) => {
    const { message, timestamp: _timestamp, logger: _source, stack, ...fields } = log as Record<string, unknown> & { message?: unknown };
    const method = methodOf(level);
    if (!logger.isLevelEnabled(method)) return;
    logger[method](
      {
        component: 'kafkajs',
        namespace,
        ...(Object.keys(fields).length > 0 ? { kafka: fields } : {}),
        ...(typeof stack === 'string' && logger.isLevelEnabled('debug') ? { stack } : {}),
      },
      typeof message === 'string' ? message : 'kafkajs',
    );
  };

/** The logger kafkajs writes through: the node's level, the same base fields as its HTTP log. */
export const kafkaLogger = (level: string): Logger => pino({ level, base: { pid: process.pid } });
