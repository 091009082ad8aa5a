/**
 * The consent export of one customer, for data-subject requests: every consent event with its
 * proof, the current state derived from them, preferences and suppressions. Contact details are
 * not part of it (they are not consent data, and the export is reachable by a link). A consent to
 * texts names the number it was given for, which is consent data; the export a link opens shows
 * only its last four digits ({@link withMaskedPhones}), since the link travels in forwarded emails
 * and on postcards. Operators answering a request by other means read it whole.
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

/** Digits of a number the export a link opens still shows: enough to tell one's numbers apart. */
const SHOWN_PHONE_DIGITS = 4;

/** `+12125550143` → `+•••••••0143`. */
export function maskedPhone(phone: string): string {
  const digits = phone.replace(/^\+/, '');
  return `+${'•'.repeat(Math.max(0, digits.length - SHOWN_PHONE_DIGITS))}${digits.slice(-SHOWN_PHONE_DIGITS)}`;
}

function maskPhoneOf<T extends { readonly phone?: string }>(record: T): T {
  return record.phone === undefined ? record : { ...record, phone: maskedPhone(record.phone) };
}

/** `exported` with every number a consent or a proof names masked (see the module comment). */
export function withMaskedPhones(exported: ConsentExport): ConsentExport {
  return {
    ...exported,
    consents: exported.consents.map(maskPhoneOf),
    ledger: exported.ledger.map((entry) => ({ ...entry, proof: maskPhoneOf(entry.proof) })),
  };
}
