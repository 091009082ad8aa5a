/**
 * The instant a consent change is stated at when it must override the state it was decided on.
 *
 * The store keeps, per channel and topic, the state with the latest instant, whatever the order of
 * arrival. A withdrawal stamped before a grant it arrives after (a STOP processed after a YES
 * stamped later, a link press racing an ingested grant) would then reach the ledger only, while
 * the customer was told it worked. So a change that overrides a state read is stated no earlier
 * than just after it (1 ms later), and never, for a grant or request, later than `latestAllowed`:
 * stating a grant in the future would let it outrank withdrawals until then.
 */
import type { ConsentStatus } from './model';

/**
 * `stated` moved to just after `overriddenAt` when that is as late or later. A withdrawal goes past
 * any state it read, even one stated ahead of every clock: the customer's latest word counts. A
 * grant or request goes no later than `latestAllowed`; against a later state it stays at `stated`,
 * and loses, which is the safe way round.
 * @param stated - when the change was made, epoch milliseconds
 * @param overriddenAt - the `at` of the state the change was decided on, if any
 * @param latestAllowed - for a grant or request, the latest instant it may be stated at (epoch ms)
 */
export function overridingInstant(stated: number, status: ConsentStatus, overriddenAt: string | undefined, latestAllowed: number): string {
  if (overriddenAt === undefined) return new Date(stated).toISOString();
  const justAfter = Date.parse(overriddenAt) + 1;
  const limit = status === 'revoked' ? Number.POSITIVE_INFINITY : latestAllowed;
  return new Date(justAfter <= limit ? Math.max(stated, justAfter) : stated).toISOString();
}
