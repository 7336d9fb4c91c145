export * from './entities';
export * from './framework/projection';
export * from './framework/projection-runner';
export * from './framework/projection-lag';
export * from './read-models';
