export * from './entities';
export * from './framework/projection';
export * from './framework/projection-runner';
export * from './framework/projection-lag';
export * from './read-models';
export * from './queries/list-queries';
export * from './queries/list-scope';
export * from './queries/master-data-queries';
