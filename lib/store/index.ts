/**
 * The customer store: one DynamoDB partition per customer, read by the gate in one request.
 * The local emulator (./local) is not exported here, so Lambda bundles never pull in dynalite.
 */
export {
  CustomerStore,
  MAX_ATTRIBUTE_CHANGES,
  type AttributeVersions,
  type CustomerImport,
  type CustomerStoreOptions,
  type EventState,
  type SetAttributesOptions,
} from './customer-store';
export { DeliveryStore } from './delivery-store';
export { type Pause } from './transact-write';
export { changedWithin } from './attribute-recency';
export * from './errors';
export * from './records';
export * from './table-design';
