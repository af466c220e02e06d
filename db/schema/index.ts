export * from './users';
export * from './articles';
export * from './comments';
