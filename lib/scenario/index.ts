/**
 * Scenario and report files of `overture simulate`: schemas, parsing with path-named errors, the
 * canonical report serializer, the JSON Schemas and the independent rules checker.
 */
export * from './scenario';
export * from './report';
export * from './issues';
export * from './json-schema';
export * from './check-report';
export * from './customer-timeline';
export * from './local-time';
