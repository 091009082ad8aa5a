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
import { customersHoldingPhone, type PhoneIndexTable } from '../store/phone-index';

/** The snapshots of the customers whose profile holds `phone` now, by customer id. */
export async function currentHoldersOf(
  deps: { readonly store: CustomerStore; readonly phoneIndex: PhoneIndexTable },
  phone: string,
): Promise<CustomerSnapshot[]> {
  const listed = await customersHoldingPhone(deps.phoneIndex, phone);
  const snapshots = await Promise.all(listed.map((customerId) => deps.store.getSnapshot(customerId)));
  return snapshots.filter((snapshot): snapshot is CustomerSnapshot => snapshot?.profile.phone === phone);
}
