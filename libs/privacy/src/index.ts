export * from './pseudonym';
export * from './vault';
export * from './master-key';
