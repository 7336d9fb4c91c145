// The application layer: one handler per write use case, and the command kernel they share.
export * from './kernel/command-answer';
export * from './kernel/command-executor';
export * from './kernel/command-meta';
export * from './kernel/errors';
export * from './kernel/facts';
export * from './kernel/fold';
export * from './kernel/idempotency';
export * from './kernel/ports';
export * from './kernel/uuid-v5';
export * from './persons/pseudonym';
export * from './doses/record-dose.handler';
export * from './doses/enter-dose-in-error.handler';
export * from './application';
export * from './aefi/report-aefi.handler';
export * from './aefi/acknowledge-aefi.handler';
export * from './aefi/classify-aefi.handler';
export * from './aefi/raise-aefi-signal.handler';
