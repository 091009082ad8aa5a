/** Delivery channel adapters: email (SES v2), SMS (End User Messaging, or the local outbox), direct mail (SQS). */
export * from './errors';
export * from './port';
export * from './email';
export * from './sms';
export * from './sms-segments';
export * from './sms-outbox';
export * from './mail';
