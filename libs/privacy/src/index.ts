export * from './pseudonym';
export * from './vault';
