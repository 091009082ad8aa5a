/**
 * The send function: one journey Send step. Wiring only; the work is `deliverMessage`.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { parse } from 'zod';
import { deliverMessage, type DeliveryOutcome, type DeliveryPorts } from '../../lib/delivery/deliver-message';
import { awsSendClients, channelSenders, deliveryPorts, SendEnvironmentSchema } from '../../lib/delivery/send-environment';
import { toStepResult } from '../../lib/delivery/step-result';
import { RATE_LIMITED, SendStepPayloadSchema, type SendStepResult } from '../../lib/journeys/send-contract';
import { readEnvironment } from '../../lib/runtime/environment';
import { buildOnce, readLinkSecret } from '../../lib/runtime/link-secret';
import { observability, observedHandler } from '../../lib/runtime/observability';

const tools = observability('send');
const env = readEnvironment(SendEnvironmentSchema);
const clients = awsSendClients();
const senders = channelSenders(env, clients);
const ports = buildOnce(async (): Promise<DeliveryPorts> => deliveryPorts(env, clients, senders, await readLinkSecret(env.LINK_SECRET_ID)));

function countOutcome(outcome: DeliveryOutcome): void {
  const { metrics } = tools;
  // A provider's own opt-out list disagreed with our consent records: worth watching per channel.
  for (const channel of outcome.optedOut ?? []) metrics.addMetric(`opted_out_refusal_${channel}`, MetricUnit.Count, 1);
  switch (outcome.outcome) {
    case 'sent':
      if (!outcome.replayed) metrics.addMetric(`sent_${outcome.channel}`, MetricUnit.Count, 1);
      return;
    case 'deferred':
      metrics.addMetric('deferred', MetricUnit.Count, 1);
      // Messages beyond the provider's rate, waiting for a send slot: a burst, or a rate set too low.
      if (outcome.reason === RATE_LIMITED) metrics.addMetric(`rate_limited_${outcome.channel}`, MetricUnit.Count, 1);
      return;
    case 'skipped':
      metrics.addMetric(`skipped_${outcome.reason}`, MetricUnit.Count, 1);
      return;
    default:
      metrics.addMetric(`${outcome.outcome}_${outcome.channel}`, MetricUnit.Count, 1);
  }
}

/** Validates the Task payload (ids only), runs the step and reports its outcome. */
export async function sendStep(event: unknown): Promise<SendStepResult> {
  // Classic zod's `parse` (one function, not the whole API): a bad payload fails the Task with
  // `ZodError`, as in every other function, rather than zod/mini's `$ZodError`.
  const payload = parse(SendStepPayloadSchema, event);
  tools.logger.appendKeys({ customerId: payload.customerId, journey: payload.journey, execution: payload.execution, step: payload.step });
  const outcome = await deliverMessage(await ports(), payload);
  countOutcome(outcome);
  tools.logger.info('send step finished', { ...toStepResult(outcome) });
  return toStepResult(outcome);
}

export const handler = observedHandler(tools, sendStep);
