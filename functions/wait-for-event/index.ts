/**
 * The waitForEvent function: a journey's `.waitForTaskToken` Task hands it the task token, which
 * it stores by customer and event for the ingest function to return when the event arrives; an
 * event ingested since the wait began, before the token was stored, resumes the execution here.
 * Wiring only; the work is `beginEventWait` (lib/ingest/event-wait.ts). The token is never logged.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { TableEnvironmentSchema } from '../../lib/ingest/environments';
import { beginEventWait, type EventWaitOutcome } from '../../lib/ingest/event-wait';
import { WaitForEventPayloadSchema } from '../../lib/journeys/wait-for-event-contract';
import { readEnvironment } from '../../lib/runtime/environment';
import { observability, observedHandler } from '../../lib/runtime/observability';

const tools = observability('wait-for-event');
const env = readEnvironment(TableEnvironmentSchema);
const ports = { dynamodb: new DynamoDBClient({}), sfn: new SFNClient({}), tableName: env.CUSTOMER_TABLE_NAME };

/** Stores the task token of one waitForEvent step, resuming the execution when the event already came. */
export async function waitForEvent(event: unknown): Promise<EventWaitOutcome> {
  const payload = WaitForEventPayloadSchema.parse(event);
  const { customerId, journey, execution, step } = payload;
  tools.logger.appendKeys({ customerId, journey, execution, step });
  const outcome = await beginEventWait(ports, payload, new Date());
  tools.metrics.addMetric('waits_stored', MetricUnit.Count, 1);
  if (outcome.status === 'resumed') tools.metrics.addMetric('waits_resumed_at_once', MetricUnit.Count, 1);
  tools.logger.info('waiting for event', {
    event: payload.event,
    timeoutSeconds: payload.timeoutSeconds,
    waitStartedAt: payload.waitStartedAt,
    entryAt: payload.entry?.enteredAt,
    ...outcome,
  });
  return outcome;
}

export const handler = observedHandler(tools, waitForEvent);
