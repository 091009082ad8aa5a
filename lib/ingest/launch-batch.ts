/**
 * One batch of an audience launch: the launcher state machine's Distributed Map reads the
 * audience CSV from S3, keeps only the `customerId` and `entryKey` columns of each row
 * (ItemSelector, so no other column reaches an execution's input), batches them (ItemBatcher) and
 * hands each batch to the launch worker, which starts the journey for every customer in it (see
 * start-journey.ts). A customer enters under the row's entry key, or, when the row leaves it
 * empty, under the launch id — the launcher execution's name — so relaunching the same launch
 * starts nothing twice. See audience-row.ts for the file's format.
 *
 * A customer without a profile is skipped before anything is claimed: its execution could only
 * fail (the journey's first step reads the profile), and the entry claim written for it would
 * keep it out of a journey that never enters twice after it has a profile. The batch reports
 * such ids so the marketer can fix the audience; ids are not personal data here.
 *
 * A launch enters customers as the journey's own trigger would (see launch-entry-check.ts): a
 * customer an event trigger's `when` does not admit at the launch instant, or whom an inactivity
 * trigger no longer finds inactive, is counted `conditionNotMet` and claims no re-entry. An
 * inactivity journey's customer the re-entry rule keeps out although they lapsed again since their
 * latest entry is left for the scan of the day the rule lets them in (deferred-lapses.ts). A journey
 * with a transactional send step is never launched (its route's `ownEventOnly`): that message
 * skips consent because it answers the customer's own request, and a launch is nobody's request.
 * The batch fails with LaunchRefusedError before it reads or starts anything, which fails the
 * launcher's Map Run, so the launch ends FAILED with the error's message.
 */
import * as z from 'zod';
import { InstantSchema } from '../customer/model';
import { JourneyIdSchema } from '../journeys/identifiers';
import { customersWithProfile } from '../store/profile-presence';
import { AudienceRowSchema, entryKeyOfRow } from './audience-row';
import { deferRefusedLapses, refusedLapseOf, type RefusedLapse } from './deferred-lapses';
import type { JourneyRoute } from './journey-routes';
import { admittedAtLaunch, entryReadsOf, readEntrySnapshots } from './launch-entry-check';
import { startJourney, type JourneyStartPorts } from './start-journey';

/** The input of one launch worker invocation, as the Distributed Map's ItemBatcher builds it. */
export const LaunchBatchSchema = z.object({
  BatchInput: z.object({
    journey: JourneyIdSchema,
    /** The launcher execution's name. */
    launchId: z.string().min(1).max(80),
    /** The launcher execution's start time: when the audience enters. */
    launchedAt: InstantSchema,
  }),
  /** `{ customerId, entryKey }` per CSV row (the launcher's ItemSelector); validated one by one. */
  Items: z.array(z.unknown()).max(10_000),
});
export type LaunchBatch = z.infer<typeof LaunchBatchSchema>;

/** What one batch did (the Map's result for the batch). */
export interface LaunchBatchResult {
  /** Customers who entered the journey. */
  readonly started: number;
  /** Customers already started under the same entry key: by this launch before (a redriven batch, a repeated launch), or by another launch with the row's key. */
  readonly alreadyStarted: number;
  /** Customers the journey's re-entry rule keeps out. */
  readonly notEligible: number;
  /**
   * Customers the journey's trigger does not admit at the launch instant: an event trigger's `when`
   * does not hold for them, or an inactivity trigger's customer came back since. Nothing claimed.
   */
  readonly conditionNotMet: number;
  /** Ids without a profile, in batch order: skipped, nothing claimed or started for them. */
  readonly unknownCustomers: readonly string[];
  /** Rows without a valid customer id, or with an entry key that cannot be one; logged by row index, never by content. */
  readonly invalidRows: readonly number[];
}

/** Raised when a batch names a journey that is not deployed. */
export class UnknownJourneyError extends Error {
  constructor(
    readonly journey: string,
    options?: ErrorOptions,
  ) {
    super(`journey "${journey}" is not deployed; launch one of the deployed journeys`, options);
    this.name = 'UnknownJourneyError';
  }
}

/**
 * Raised for a launch of a journey with a transactional send step: only the customer's own event
 * may start it (see {@link launchRefusal}). Nothing is started.
 */
export class LaunchRefusedError extends Error {
  constructor(readonly journey: string) {
    super(launchRefusal(journey));
    this.name = 'LaunchRefusedError';
  }
}

/**
 * Why a launch of `journey`, a journey with a transactional send step, is refused: the CLI, the
 * local stack's launch route and the launch worker say the same.
 */
export function launchRefusal(journey: string): string {
  return (
    `journey "${journey}" sends a transactional message, which skips marketing consent because it answers the customer's own request, ` +
    'so only the customer\'s own event may start it; a launch is nobody\'s request, and nothing was launched'
  );
}

/** The route of `journey`, or UnknownJourneyError. */
export function routeOf(routes: readonly JourneyRoute[], journey: string): JourneyRoute {
  const route = routes.find((candidate) => candidate.journey === journey);
  if (!route) throw new UnknownJourneyError(journey);
  return route;
}

/**
 * Starts the journey for every row of the batch that names a customer with a profile whom the
 * journey's trigger admits, one after another (see launch-sizing.ts).
 * @throws LaunchRefusedError for a journey only the customer's own event may start
 */
export async function launchBatch(
  ports: JourneyStartPorts & { readonly routes: readonly JourneyRoute[] },
  batch: LaunchBatch,
): Promise<LaunchBatchResult> {
  const { journey, launchId, launchedAt } = batch.BatchInput;
  const route = routeOf(ports.routes, journey);
  if (route.ownEventOnly === true) throw new LaunchRefusedError(journey);
  const counts = { started: 0, already_started: 0, not_eligible: 0, condition_not_met: 0 };
  const invalidRows: number[] = [];
  const unknownCustomers: string[] = [];
  const refused: RefusedLapse[] = [];
  const rows = batch.Items.map((item) => AudienceRowSchema.safeParse(item));
  const customerIds = rows.flatMap((row) => (row.success ? [row.data.customerId] : []));
  const reads = entryReadsOf(route.trigger);
  // A journey whose trigger tests its customers reads what the test needs, the profile among it.
  const snapshots = reads.kind === 'none' ? undefined : await readEntrySnapshots(ports.dynamodb, ports.tableName, customerIds, reads);
  const withProfile = snapshots === undefined ? await customersWithProfile(ports.dynamodb, ports.tableName, customerIds) : new Set(snapshots.keys());
  for (const [index, row] of rows.entries()) {
    if (!row.success) {
      invalidRows.push(index);
      continue;
    }
    const { customerId } = row.data;
    if (!withProfile.has(customerId)) {
      unknownCustomers.push(customerId);
      continue;
    }
    const snapshot = snapshots?.get(customerId);
    if (snapshot !== undefined && !admittedAtLaunch(route.trigger, snapshot, launchedAt)) {
      counts.condition_not_met += 1;
      continue;
    }
    const { outcome } = await startJourney(ports, { route, customerId, entryKey: entryKeyOfRow(row.data, launchId), at: launchedAt, launched: true });
    counts[outcome] += 1;
    const lapse = outcome === 'not_eligible' ? refusedLapseOf(route, customerId, snapshot) : undefined;
    if (lapse !== undefined) refused.push(lapse);
  }
  // One read of their entry records for the batch; a retried batch refuses them again and writes the same items.
  await deferRefusedLapses(ports, route, refused);
  return {
    started: counts.started,
    alreadyStarted: counts.already_started,
    notEligible: counts.not_eligible,
    conditionNotMet: counts.condition_not_met,
    unknownCustomers,
    invalidRows,
  };
}
