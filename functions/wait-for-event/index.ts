/**
 * The waitForEvent function: a journey's `.waitForTaskToken` Task hands it the task token, which
 * it stores by customer and event for the ingest function to return when the event arrives.
 * Wiring only; the work is `storeTaskToken` (lib/ingest/task-tokens.ts). The token is never logged.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { TableEnvironmentSchema } from '../../lib/ingest/environments';
import { storeTaskToken } from '../../lib/ingest/task-tokens';
import { WaitForEventPayloadSchema } from '../../lib/journeys/wait-for-event-contract';
import { readEnvironment } from '../../lib/runtime/environment';
import { observability, observedHandler } from '../../lib/runtime/observability';

const tools = observability('wait-for-event');
const env = readEnvironment(TableEnvironmentSchema);
const store = { client: new DynamoDBClient({}), tableName: env.CUSTOMER_TABLE_NAME };

/** Stores the task token of one waitForEvent step. */
export async function waitForEvent(event: unknown): Promise<Record<string, never>> {
  const payload = WaitForEventPayloadSchema.parse(event);
  const { customerId, journey, execution, step } = payload;
  tools.logger.appendKeys({ customerId, journey, execution, step });
  await storeTaskToken(store, payload, new Date());
  tools.metrics.addMetric('waits_stored', MetricUnit.Count, 1);
  tools.logger.info('waiting for event', { event: payload.event, timeoutSeconds: payload.timeoutSeconds });
  return {};
}

export const handler = observedHandler(tools, waitForEvent);
