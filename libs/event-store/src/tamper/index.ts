export * from './leaf-hash';
export * from './checkpoint';
export * from './verify-log';
export * from './verify-store';
