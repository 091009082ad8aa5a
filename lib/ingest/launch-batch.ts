/**
 * One batch of an audience launch: the launcher state machine's Distributed Map reads the
 * audience CSV from S3, keeps only the `customerId` column of each row (ItemSelector, so no other
 * column reaches an execution's input), batches them (ItemBatcher) and hands each batch to the
 * launch worker, which starts the journey for every customer in it (see start-journey.ts). The
 * entry key is the launch id — the launcher execution's name — so relaunching the same launch
 * starts nothing twice.
 *
 * An audience file names customers by id:
 *
 * ```csv
 * customerId
 * c-001
 * c-002
 * ```
 */
import * as z from 'zod';
import { CustomerIdSchema, InstantSchema } from '../customer/model';
import { JourneyIdSchema } from '../journeys/identifiers';
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
  /** `{ customerId }` per CSV row (the launcher's ItemSelector); validated one by one. */
  Items: z.array(z.unknown()).max(10_000),
});
export type LaunchBatch = z.infer<typeof LaunchBatchSchema>;

/** One audience row, as the ItemSelector passes it. */
export const AudienceRowSchema = z.object({ customerId: CustomerIdSchema });

/** Counts of one batch (the Map's result; ids stay out of it). */
export interface LaunchBatchResult {
  readonly started: number;
  readonly alreadyStarted: number;
  readonly notEligible: number;
  /** Rows without a valid customer id; logged by row index, never by content. */
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

/** Starts the journey for every row of the batch, one after another (see launch-sizing.ts). */
export async function launchBatch(
  ports: JourneyStartPorts & { readonly routes: readonly JourneyRoute[] },
  batch: LaunchBatch,
): Promise<LaunchBatchResult> {
  const { journey, launchId, launchedAt } = batch.BatchInput;
  const route = routeOf(ports.routes, journey);
  const counts = { started: 0, already_started: 0, not_eligible: 0 };
  const invalidRows: number[] = [];
  for (const [index, item] of batch.Items.entries()) {
    const row = AudienceRowSchema.safeParse(item);
    if (!row.success) {
      invalidRows.push(index);
      continue;
    }
    const { outcome } = await startJourney(ports, {
      route,
      customerId: row.data.customerId,
      entryKey: launchId,
      at: launchedAt,
    });
    counts[outcome] += 1;
  }
  return { started: counts.started, alreadyStarted: counts.already_started, notEligible: counts.not_eligible, invalidRows };
}
