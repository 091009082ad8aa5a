/**
 * Powertools logger, metrics and tracer for one Lambda, and the middy wrapper every handler uses,
 * so each handler file only names its service and its plain function.
 *
 * Logs carry ids only (customer, journey, execution): never addresses or message content.
 */
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Context } from 'aws-lambda';
import { METRICS_NAMESPACE } from './metrics-namespace';

export { METRICS_NAMESPACE };

/** The three Powertools utilities of one function. */
export interface Observability {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tracer: Tracer;
}

/** Builds the utilities for `serviceName` (the function's role: `send`, `ingest`…). */
export function observability(serviceName: string): Observability {
  return {
    logger: new Logger({ serviceName }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName }),
    tracer: new Tracer({ serviceName }),
  };
}

/**
 * Wraps a plain handler in middy with the Powertools middlewares: Lambda context in every log
 * line, metrics flushed after each invocation, the invocation traced.
 */
export function observedHandler<Event, Result>(
  tools: Observability,
  handler: (event: Event, context: Context) => Promise<Result>,
) {
  return middy(handler)
    .use(captureLambdaHandler(tools.tracer))
    .use(injectLambdaContext(tools.logger, { resetKeys: true }))
    .use(logMetrics(tools.metrics));
}
