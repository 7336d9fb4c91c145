export const RUNTIME = Symbol('NodeRuntime');
export const METRICS = Symbol('Metrics');
export const APPLICATION = Symbol('Application');
