export const RUNTIME = Symbol('NodeRuntime');
export const EXECUTOR = Symbol('CommandExecutor');
export const METRICS = Symbol('Metrics');
export const APPLICATION = Symbol('Application');
