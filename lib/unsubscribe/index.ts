/** Signed link tokens and the links built from them: one-click unsubscribe, preference centre, double opt-in. */
export * from './errors';
export * from './token';
export * from './links';
export * from './link-keys';
