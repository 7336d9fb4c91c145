export * from './entities';
export * from './framework/projection';
export * from './framework/projection-runner';
export * from './read-models';
export * from './aefi/aefi.queries';
