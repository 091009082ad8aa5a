/**
 * The ingest function: every customer event on the Overture bus. Wiring only; the work is
 * `ingestCustomerEvent` (lib/ingest/ingest-event.ts). Invalid events, and events for a customer
 * erased since (reason `erased_customer`), go to the dead-letter queue with the reason and are not
 * retried; other failures throw, so Lambda retries the event and finally dead-letters it too.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { parseCustomerEvent } from '../../lib/ingest/customer-event';
import { sendToDeadLetterQueue } from '../../lib/ingest/dead-letters';
import { IngestEnvironmentSchema } from '../../lib/ingest/environments';
import { ERASED_CUSTOMER_REASON, ErasedCustomerError, ingestCustomerEvent, type IngestOutcome, type IngestPorts } from '../../lib/ingest/ingest-event';
import { CustomerStore } from '../../lib/store/customer-store';
import { readEnvironment } from '../../lib/runtime/environment';
import { observability, observedHandler } from '../../lib/runtime/observability';

const tools = observability('ingest');
const env = readEnvironment(IngestEnvironmentSchema);
const dynamodb = new DynamoDBClient({});
const sfn = new SFNClient({});
const sqs = new SQSClient({});
const ports: IngestPorts = {
  store: new CustomerStore({ client: dynamodb, tableName: env.CUSTOMER_TABLE_NAME }),
  dynamodb,
  sfn,
  tableName: env.CUSTOMER_TABLE_NAME,
  routes: env.JOURNEY_ROUTES,
};

/** What one invocation did: ids and codes only. */
export type IngestResult = { readonly status: 'rejected'; readonly reason: string } | ({ readonly status: 'ingested' } & IngestOutcome);

/** Validates one EventBridge event and ingests it, or dead-letters it with the reason. */
export async function ingestEvent(event: unknown): Promise<IngestResult> {
  const { logger, metrics } = tools;
  const parsed = parseCustomerEvent(event);
  if (!parsed.valid) {
    await sendToDeadLetterQueue(sqs, env.DEAD_LETTER_QUEUE_URL, {
      event,
      reason: parsed.reason,
      customerId: parsed.customerId,
      rejectedBy: 'ingest',
    });
    metrics.addMetric('events_rejected', MetricUnit.Count, 1);
    logger.warn('customer event rejected', { customerId: parsed.customerId, reason: parsed.reason });
    return { status: 'rejected', reason: parsed.reason };
  }
  const { customerId, name } = parsed.event;
  logger.appendKeys({ customerId, event: name });
  let outcome: IngestOutcome;
  try {
    outcome = await ingestCustomerEvent(ports, parsed.event);
  } catch (error) {
    // An erased customer's late event: refused for good, so dead-lettered now rather than retried.
    if (!(error instanceof ErasedCustomerError)) throw error;
    await sendToDeadLetterQueue(sqs, env.DEAD_LETTER_QUEUE_URL, { event, reason: ERASED_CUSTOMER_REASON, customerId, rejectedBy: 'ingest' });
    metrics.addMetric('events_rejected', MetricUnit.Count, 1);
    logger.warn('customer event rejected', { customerId, reason: ERASED_CUSTOMER_REASON, erasedAt: error.erasedAt });
    return { status: 'rejected', reason: ERASED_CUSTOMER_REASON };
  }
  metrics.addMetric('events_ingested', MetricUnit.Count, 1);
  metrics.addMetric('executions_resumed', MetricUnit.Count, outcome.resumed.length);
  for (const resumed of outcome.resumed) logger.info('execution resumed', { ...resumed });
  for (const start of outcome.journeys) {
    metrics.singleMetric().addDimension('journey', start.journey).addMetric(`entries_${start.outcome}`, MetricUnit.Count, 1);
    logger.info('journey entry', { ...start });
  }
  logger.info('customer event ingested', {
    profile: outcome.profile,
    consentsRecorded: outcome.consentsRecorded,
    smsGrantsForEarlierNumber: outcome.smsGrantsForEarlierNumber,
    attributesChanged: outcome.attributes.changed.length,
    expiredWaits: outcome.expiredWaits,
    laterWaits: outcome.laterWaits,
  });
  return { status: 'ingested', ...outcome };
}

export const handler = observedHandler(tools, ingestEvent);
