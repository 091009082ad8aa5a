/** Inbound SMS keywords: STOP and its synonyms, START/UNSTOP, YES/Y and HELP, from End User Messaging via SNS. */
export * from './keywords';
export * from './confirm-sms-opt-in';
export * from './inbound-sms';
export * from './handle-inbound-sms';
export * from './sns-inbound';
export * from './sms-inbound-environment';
