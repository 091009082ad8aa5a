/**
 * The consent export of one customer, for data-subject requests: every consent event with its
 * proof, the current state derived from them, preferences and suppressions. Contact details are
 * not part of it (they are not consent data, and the export is reachable by a link).
 */
import type { ConsentState, Preferences, Suppression } from '../customer/model';
import type { CustomerStore } from '../store/customer-store';
import type { ConsentLedgerEntry } from '../store/records';

export interface ConsentExport {
  readonly customerId: string;
  readonly exportedAt: string;
  /** The latest consent per channel and topic. */
  readonly consents: readonly ConsentState[];
  /** Every consent event in time order, with its proof (who, when, where, how). */
  readonly ledger: readonly ConsentLedgerEntry[];
  readonly preferences: Preferences;
  readonly suppressions: readonly Suppression[];
}

/**
 * Reads the export. An unknown customer gets the same shape with nothing in it, so the export
 * never tells whether a customer exists.
 */
export async function exportConsents(store: CustomerStore, customerId: string, now: Date): Promise<ConsentExport> {
  const snapshot = await store.getSnapshot(customerId);
  const ledger = snapshot === undefined ? [] : await store.consentLedger(customerId);
  return {
    customerId,
    exportedAt: now.toISOString(),
    consents: snapshot?.consents ?? [],
    ledger,
    preferences: snapshot?.preferences ?? {},
    suppressions: snapshot?.suppressions ?? [],
  };
}
