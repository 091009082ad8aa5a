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
 */
import * as z from 'zod';
import { InstantSchema } from '../customer/model';
import { JourneyIdSchema } from '../journeys/identifiers';
import { customersWithProfile } from '../store/profile-presence';
import { AudienceRowSchema, entryKeyOfRow } from './audience-row';
import type { JourneyRoute } from './journey-routes';
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

/** The route of `journey`, or UnknownJourneyError. */
export function routeOf(routes: readonly JourneyRoute[], journey: string): JourneyRoute {
  const route = routes.find((candidate) => candidate.journey === journey);
  if (!route) throw new UnknownJourneyError(journey);
  return route;
}

/**
 * Starts the journey for every row of the batch that names a customer with a profile, one after
 * another (see launch-sizing.ts).
 */
export async function launchBatch(
  ports: JourneyStartPorts & { readonly routes: readonly JourneyRoute[] },
  batch: LaunchBatch,
): Promise<LaunchBatchResult> {
  const { journey, launchId, launchedAt } = batch.BatchInput;
  const route = routeOf(ports.routes, journey);
  const counts = { started: 0, already_started: 0, not_eligible: 0 };
  const invalidRows: number[] = [];
  const unknownCustomers: string[] = [];
  const rows = batch.Items.map((item) => AudienceRowSchema.safeParse(item));
  const withProfile = await customersWithProfile(
    ports.dynamodb,
    ports.tableName,
    rows.flatMap((row) => (row.success ? [row.data.customerId] : [])),
  );
  for (const [index, row] of rows.entries()) {
    if (!row.success) {
      invalidRows.push(index);
      continue;
    }
    if (!withProfile.has(row.data.customerId)) {
      unknownCustomers.push(row.data.customerId);
      continue;
    }
    const { outcome } = await startJourney(ports, {
      route,
      customerId: row.data.customerId,
      entryKey: entryKeyOfRow(row.data, launchId),
      at: launchedAt,
    });
    counts[outcome] += 1;
  }
  return {
    started: counts.started,
    alreadyStarted: counts.already_started,
    notEligible: counts.not_eligible,
    unknownCustomers,
    invalidRows,
  };
}
