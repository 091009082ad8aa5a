/**
 * The consent API: consent capture with double opt-in, one-click unsubscribe (RFC 8058), the
 * preference centre and the consent export. Plain functions over a CustomerStore, one middy
 * handler for API Gateway HTTP API, and a Node adapter that serves the same handler locally.
 */
export * from './capture-consent';
export * from './confirmation-budget';
export * from './consent-export';
export * from './dependencies';
export * from './double-opt-in';
export * from './errors';
export * from './http-api';
export * from './node-adapter';
export * from './one-click-unsubscribe';
export * from './preference-centre';
export * from './rate-limit';
export * from './request-origin';
export * from './requests';
export * from './consent-api-environment';
