export const RUNTIME = Symbol('NodeRuntime');
export const METRICS = Symbol('Metrics');
export const APPLICATION = Symbol('Application');
/** The node's clock: `() => RFC 3339 instant` (tests inject a fixed or stepping one). */
export const CLOCK = Symbol('Clock');
