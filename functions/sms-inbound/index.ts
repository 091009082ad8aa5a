/**
 * The sms-inbound function: inbound texts from End User Messaging two-way SMS, via SNS. Wiring
 * only; the work is `processInboundSmsEvent` (lib/sms-keywords).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SNSEvent } from 'aws-lambda';
import { ProviderRejectedError } from '../../lib/channels/errors';
import { PROVIDER_CLIENT_CONFIG } from '../../lib/channels/port';
import { readEnvironment } from '../../lib/runtime/environment';
import { observability, observedHandler } from '../../lib/runtime/observability';
import { processInboundSmsEvent, smsInboundDependencies, SmsInboundEnvironmentSchema, type InboundSmsOutcome } from '../../lib/sms-keywords';

const tools = observability('sms-inbound');
const env = readEnvironment(SmsInboundEnvironmentSchema);
const deps = smsInboundDependencies(env, { dynamodb: new DynamoDBClient({}), sms: new PinpointSMSVoiceV2Client({ ...PROVIDER_CLIENT_CONFIG }) });

/**
 * Applies the texts of one SNS event and logs what each did (ids and keywords only). An answer the
 * provider refused (access, configuration, validation: an operator must act) is counted as
 * `sms_answer_rejected` and thrown, with codes and ids only (observedHandler), for the retry and
 * the dead-letter queue.
 */
export async function inboundSms(event: SNSEvent): Promise<readonly InboundSmsOutcome[]> {
  let outcomes: readonly InboundSmsOutcome[];
  try {
    outcomes = await processInboundSmsEvent(event, deps);
  } catch (error) {
    if (error instanceof ProviderRejectedError) tools.metrics.addMetric('sms_answer_rejected', MetricUnit.Count, 1);
    throw error;
  }
  for (const outcome of outcomes) {
    tools.metrics.addMetric(`sms_${outcome.kind}`, MetricUnit.Count, 1);
    tools.logger.info('inbound sms handled', { ...outcome });
  }
  return outcomes;
}

export const handler = observedHandler(tools, inboundSms);
