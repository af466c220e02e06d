export * from './users';
export * from './articles';
export * from './comments';
export * from './sessions';
export * from './idempotency';
export * from './notifications';
