export * from './envelope/envelope.codec';
export * from './envelope/event-mapping';
export * from './topics';
export * from './sync-store';
export * from './relay/outbox-relay';
export * from './inbox/inbox-consumer';
