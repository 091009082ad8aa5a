/**
 * The feedback function: SES bounce and complaint events (configuration set → EventBridge) and
 * End User Messaging SMS failure events (configuration set → SNS) become suppressions and
 * consent-ledger entries. Wiring only; the work is in lib/feedback (`sesFeedbackOf` and
 * `applySesFeedback`, `smsFeedbackOf` and `applySmsFeedback`). A malformed event throws, so it
 * ends in the dead-letter queue for an operator rather than being dropped.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { applySesFeedback, sesFeedbackOf, type FeedbackOutcome, type SesFeedback } from '../../lib/feedback/ses-events';
import { applySmsFeedback, smsEventRecordsOfSns, smsFeedbackOf, type SmsFeedback } from '../../lib/feedback/sms-events';
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

/** What one SMS event did: ids and codes only. */
export type SmsFeedbackResult =
  | { readonly status: 'ignored' }
  | { readonly status: 'answer_to_no_customer'; readonly eventType: SmsFeedback['eventType'] }
  | ({ readonly status: 'applied'; readonly kind: SmsFeedback['kind']; readonly eventType: SmsFeedback['eventType'] } & FeedbackOutcome);

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
  // Picked fields only: the feedback also carries the recipients' addresses, which are personal data.
  tools.logger.info('delivery feedback applied', { kind: feedback.kind, topic: feedback.topic, messageId: feedback.messageId, ...outcome });
  return { status: 'applied', kind: feedback.kind, ...outcome };
}

/**
 * Applies the SMS events of one SNS event, in order; the first failure is thrown, so the whole
 * event is retried (records already applied write nothing the second time).
 */
export async function recordSmsFeedback(event: unknown): Promise<SmsFeedbackResult[]> {
  const results: SmsFeedbackResult[] = [];
  for (const record of smsEventRecordsOfSns(event)) {
    const feedback = smsFeedbackOf(record);
    if (!feedback) {
      tools.metrics.addMetric('feedback_ignored', MetricUnit.Count, 1);
      results.push({ status: 'ignored' });
      continue;
    }
    // Failures by type, whatever they mean for the customer, answers to no customer included:
    // carrier filtering shows here first.
    tools.metrics.singleMetric().addDimension('eventType', feedback.eventType).addMetric('sms_failure', MetricUnit.Count, 1);
    if (feedback.kind === 'sms_answer_to_no_customer') {
      tools.logger.info('sms feedback on an answer to no customer', { eventType: feedback.eventType, messageId: feedback.messageId });
      results.push({ status: 'answer_to_no_customer', eventType: feedback.eventType });
      continue;
    }
    const outcome = await applySmsFeedback(store, feedback);
    tools.metrics.addMetric(`feedback_${feedback.kind}`, MetricUnit.Count, 1);
    // Picked fields only: the feedback also carries the destination number, which is personal data.
    tools.logger.info('sms feedback applied', {
      customerId: feedback.customerId,
      kind: feedback.kind,
      eventType: feedback.eventType,
      topic: feedback.topic,
      messageId: feedback.messageId,
      ...outcome,
    });
    results.push({ status: 'applied', kind: feedback.kind, eventType: feedback.eventType, ...outcome });
  }
  return results;
}

function isSnsEvent(event: unknown): boolean {
  return typeof event === 'object' && event !== null && 'Records' in event;
}

/** One invocation: SMS events arrive from SNS (`Records`), SES events from EventBridge. */
export async function handleFeedback(event: unknown): Promise<FeedbackResult | SmsFeedbackResult[]> {
  return isSnsEvent(event) ? recordSmsFeedback(event) : recordFeedback(event);
}

export const handler = observedHandler(tools, handleFeedback);
