/**
 * A customer snapshot for tests of pure decisions (conditions, branches): a prospect in New York
 * with nothing recorded but the given attributes.
 */
import type { CustomerSnapshot } from '../../lib/customer/model';

/** Customer `c-001`, a prospect in New York, holding `attributes` and nothing else. */
export function snapshotWithAttributes(attributes: CustomerSnapshot['attributes']): CustomerSnapshot {
  return {
    profile: { customerId: 'c-001', stage: 'prospect', timezone: 'America/New_York', updatedAt: '2026-03-01T00:00:00Z' },
    consents: [],
    preferences: {},
    suppressions: [],
    attributes,
    frequency: { sends: [], version: 0 },
  };
}
