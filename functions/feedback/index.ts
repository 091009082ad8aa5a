/**
 * The feedback function: SES bounce and complaint events (configuration set → EventBridge)
 * become suppressions and consent-ledger entries. Wiring only; the work is `sesFeedbackOf` and
 * `applySesFeedback` (lib/feedback/ses-events.ts). A malformed SES event throws, so it ends in the
 * dead-letter queue for an operator rather than being dropped.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { applySesFeedback, sesFeedbackOf, type FeedbackOutcome, type SesFeedback } from '../../lib/feedback/ses-events';
import { TableEnvironmentSchema } from '../../lib/ingest/environments';
import { CustomerStore } from '../../lib/store/customer-store';
import { readEnvironment } from '../../lib/runtime/environment';
import { observability, observedHandler } from '../../lib/runtime/observability';

const tools = observability('feedback');
const env = readEnvironment(TableEnvironmentSchema);
const store = new CustomerStore({ client: new DynamoDBClient({}), tableName: env.CUSTOMER_TABLE_NAME });

const EventBridgeEventSchema = z.object({ 'detail-type': z.string(), detail: z.unknown() });

/** What one invocation did: ids and codes only. */
export type FeedbackResult =
  | { readonly status: 'ignored' }
  | ({ readonly status: 'applied'; readonly kind: SesFeedback['kind'] } & FeedbackOutcome);

/** Applies one SES event published to EventBridge. */
export async function recordFeedback(event: unknown): Promise<FeedbackResult> {
  const { detail } = EventBridgeEventSchema.parse(event);
  const feedback = sesFeedbackOf(detail);
  if (!feedback) {
    tools.metrics.addMetric('feedback_ignored', MetricUnit.Count, 1);
    return { status: 'ignored' };
  }
  tools.logger.appendKeys({ customerId: feedback.customerId });
  const outcome = await applySesFeedback(store, feedback);
  tools.metrics.addMetric(`feedback_${feedback.kind}`, MetricUnit.Count, 1);
  tools.logger.info('delivery feedback applied', { kind: feedback.kind, topic: feedback.topic, messageId: feedback.messageId, ...outcome });
  return { status: 'applied', kind: feedback.kind, ...outcome };
}

export const handler = observedHandler(tools, recordFeedback);
