/**
 * The journeyEffects function: buckets, branches, computed waits, stage changes, goals and exits
 * of every journey (contract: lib/journeys/effects-contract.ts). Wiring only; the work is
 * `performJourneyEffect` (lib/journeys/effects.ts) over the customer table (lib/ingest/journey-records.ts).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { parse } from 'zod';
import { TableEnvironmentSchema } from '../../lib/ingest/environments';
import { journeyEffectsPorts } from '../../lib/ingest/journey-records';
import { performJourneyEffect } from '../../lib/journeys/effects';
import { JourneyEffectsInputSchema, type JourneyEffectsOutput } from '../../lib/journeys/effects-contract';
import { CustomerStore } from '../../lib/store/customer-store';
import { readEnvironment } from '../../lib/runtime/environment';
import { observability, observedHandler } from '../../lib/runtime/observability';

const tools = observability('journey-effects');
const env = readEnvironment(TableEnvironmentSchema);
const client = new DynamoDBClient({});
const ports = journeyEffectsPorts({
  store: new CustomerStore({ client, tableName: env.CUSTOMER_TABLE_NAME }),
  client,
  tableName: env.CUSTOMER_TABLE_NAME,
});

/** Actions worth a metric per journey: how customers leave journeys and move between stages. */
const COUNTED_ACTIONS = new Set(['goal', 'exit', 'sendFailed', 'setStage']);

/** Performs one journeyEffects action. */
export async function journeyEffects(event: unknown): Promise<JourneyEffectsOutput> {
  // Classic zod's `parse` (one function, not the whole API): a bad input fails the Task with
  // `ZodError`, as in every other function, rather than zod/mini's `$ZodError`.
  const input = parse(JourneyEffectsInputSchema, event);
  const { customerId, journey, execution, step, action } = input;
  tools.logger.appendKeys({ customerId, journey, execution, step });
  const output = await performJourneyEffect(input, ports);
  if (COUNTED_ACTIONS.has(action)) {
    tools.metrics.singleMetric().addDimension('journey', journey).addMetric(`journey_${action}`, MetricUnit.Count, 1);
  }
  // Once more across journeys (the service dimension alone), for the one alarm that watches every
  // journey's failed sends (SEND_FAILED_ALARM, lib/constructs/operations.ts).
  if (action === 'sendFailed') tools.metrics.singleMetric().addMetric('journey_sendFailed', MetricUnit.Count, 1);
  tools.logger.info('journey effect', { action, ...output });
  return output;
}

export const handler = observedHandler(tools, journeyEffects);
