/**
 * The launch worker: one batch of an audience launch (the launcher state machine's Distributed
 * Map hands it up to LAUNCH_BATCH_SIZE customers). Wiring only; the work is `launchBatch`
 * (lib/ingest/launch-batch.ts).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { LaunchEnvironmentSchema } from '../../lib/ingest/environments';
import { launchBatch, LaunchBatchSchema, type LaunchBatchResult } from '../../lib/ingest/launch-batch';
import { LAUNCH_SFN_MAX_ATTEMPTS } from '../../lib/ingest/launch-sizing';
import { readEnvironment } from '../../lib/runtime/environment';
import { countWithDimension, observability, observedHandler } from '../../lib/runtime/observability';

const tools = observability('launcher');
const env = readEnvironment(LaunchEnvironmentSchema);
const ports = {
  dynamodb: new DynamoDBClient({}),
  // Throttled starts wait and retry (adaptive mode) rather than failing the batch.
  sfn: new SFNClient({ retryMode: 'adaptive', maxAttempts: LAUNCH_SFN_MAX_ATTEMPTS }),
  tableName: env.CUSTOMER_TABLE_NAME,
  routes: env.JOURNEY_ROUTES,
};

/** Starts the journey for one batch of an audience. */
export async function startBatch(event: unknown): Promise<LaunchBatchResult> {
  const batch = LaunchBatchSchema.parse(event);
  const { journey, launchId } = batch.BatchInput;
  tools.logger.appendKeys({ journey, launchId });
  const result = await launchBatch(ports, batch);
  countWithDimension(tools.metrics, 'journey', journey, {
    launch_started: result.started,
    launch_already_started: result.alreadyStarted,
    launch_not_eligible: result.notEligible,
    launch_condition_not_met: result.conditionNotMet,
    launch_unknown_customers: result.unknownCustomers.length,
    launch_invalid_rows: result.invalidRows.length,
  });
  if (result.invalidRows.length > 0) tools.logger.warn('audience rows without a valid customer id or entry key', { rows: result.invalidRows });
  // Ids only: the marketer fixes the audience with them.
  if (result.unknownCustomers.length > 0) tools.logger.warn('audience customers without a profile, not started', { customerIds: result.unknownCustomers });
  tools.logger.info('launch batch finished', { ...result, unknownCustomers: result.unknownCustomers.length, invalidRows: result.invalidRows.length });
  return result;
}

export const handler = observedHandler(tools, startBatch);
