/**
 * Powertools logger and metrics for one Lambda, and the middy wrapper every handler uses, so each
 * handler file only names its service and its plain function.
 *
 * Logs carry ids only (customer, journey, execution): never addresses or message content.
 *
 * Tracing is Lambda's active tracing (set on every function by `OvertureFunction`) and Step
 * Functions' X-Ray tracing, not the Powertools tracer: the tracer wraps the X-Ray SDK, which is in
 * maintenance mode, and it alone added about 125 KB to every bundle and 50 ms to every cold start
 * (async hooks, cls-hooked, semver). Per-call SDK subsegments, when wanted, come from the AWS
 * Distro for OpenTelemetry layer, which costs the bundle nothing.
 */
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context } from 'aws-lambda';
import { METRICS_NAMESPACE } from './metrics-namespace';

export { METRICS_NAMESPACE };

/** The Powertools utilities of one function. */
export interface Observability {
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** Builds the utilities for `serviceName` (the function's role: `send`, `ingest`…). */
export function observability(serviceName: string): Observability {
  return {
    logger: new Logger({ serviceName }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName }),
  };
}

/**
 * Wraps a plain handler in middy with the Powertools middlewares: Lambda context in every log
 * line, metrics flushed after each invocation.
 */
export function observedHandler<Event, Result>(
  tools: Observability,
  handler: (event: Event, context: Context) => Promise<Result>,
) {
  return middy(handler)
    .use(injectLambdaContext(tools.logger, { resetKeys: true }))
    .use(logMetrics(tools.metrics));
}
