/**
 * Who an inbound text speaks for: every customer whose profile holds the sending number now.
 *
 * The phone index lists the customers a number was stored for, and can still list one whose
 * profile has moved on to another number (see lib/store/phone-index.ts). Texts go to the number on
 * the profile at send time, so only the profiles that hold the number now are the number's: a
 * customer who moved away gets their texts elsewhere, and the number may be someone else's by now.
 */
import type { CustomerSnapshot } from '../customer/model';
import type { CustomerStore } from '../store/customer-store';
import { phoneListing, type PhoneIndexTable } from '../store/phone-index';

/** Who holds a number now, and whether the index may have missed some of them. */
export interface NumberHolders {
  /** The snapshots of the customers whose profile holds the number now, by customer id. */
  readonly snapshots: CustomerSnapshot[];
  /**
   * The number is still indexed in the earlier one-item-per-number layout, which named only the
   * customer stored last: another customer may hold it without being listed.
   */
  readonly maybeIncomplete: boolean;
}

/** The customers whose profile holds `phone` now (see the module comment). */
export async function currentHoldersOf(
  deps: { readonly store: CustomerStore; readonly phoneIndex: PhoneIndexTable },
  phone: string,
): Promise<NumberHolders> {
  const listing = await phoneListing(deps.phoneIndex, phone);
  const snapshots = await Promise.all(listing.customerIds.map((customerId) => deps.store.getSnapshot(customerId)));
  return {
    snapshots: snapshots.filter((snapshot): snapshot is CustomerSnapshot => snapshot?.profile.phone === phone),
    maybeIncomplete: listing.oldLayout,
  };
}
