/**
 * Powertools logger and metrics for one Lambda, and the middy wrapper every handler uses, so each
 * handler file only names its service and its plain function.
 *
 * Logs carry ids only (customer, journey, execution): never addresses or message content. Errors
 * are held to that here, for every function at once: the logger writes any error it is given as
 * its `loggableError` facts ({@link loggableErrors}), and an error that escapes a handler is logged
 * so and replaced by its `idOnlyError` ({@link idOnlyErrors}), because the Lambda runtime, Step
 * Functions and the dead-letter queues write out whatever escapes.
 *
 * Tracing is Lambda's active tracing (set on every function by `OvertureFunction`) and Step
 * Functions' X-Ray tracing, not the Powertools tracer: the tracer wraps the X-Ray SDK, which is in
 * maintenance mode, and it alone added about 125 KB to every bundle and 50 ms to every cold start
 * (async hooks, cls-hooked, semver). Per-call SDK subsegments, when wanted, come from the AWS
 * Distro for OpenTelemetry layer, which costs the bundle nothing.
 */
import middy, { type MiddlewareObj } from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import type { CustomJsonReplacerFn } from '@aws-lambda-powertools/logger/types';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context } from 'aws-lambda';
import { idOnlyError } from './id-only-error';
import { loggableError } from './loggable-error';
import { METRICS_NAMESPACE } from './metrics-namespace';

export { METRICS_NAMESPACE };

/** The Powertools utilities of one function. */
export interface Observability {
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/**
 * Writes every Error in a log item, at any depth, as its loggable facts. The logger's own
 * formatting would write the message, the whole stack, every enumerable field and the cause
 * chain, which is where a provider quotes an address or a number; so `logger.warn('…', { error })`
 * is safe whoever writes it. (Powertools calls this before its own rules for each value.)
 */
const loggableErrors: CustomJsonReplacerFn = (_key, value: unknown) => (value instanceof Error ? loggableError(value) : value);

/** Builds the utilities for `serviceName` (the function's role: `send`, `ingest`…). */
export function observability(serviceName: string): Observability {
  return {
    logger: new Logger({ serviceName, jsonReplacerFn: loggableErrors }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName }),
  };
}

/**
 * Publishes each of `counts` at once as a metric of its own with the one dimension `name` =
 * `value` (besides the service). Each needs a single metric of its own: a single metric publishes
 * at its first `addMetric` and drops its dimensions, so a second `addMetric` on it is counted
 * without them.
 */
export function countWithDimension(metrics: Metrics, name: string, value: string, counts: Readonly<Record<string, number>>): void {
  for (const [metric, count] of Object.entries(counts)) metrics.singleMetric().addDimension(name, value).addMetric(metric, MetricUnit.Count, count);
}

/**
 * Logs an error that escapes the handler (its loggable facts, with the invocation's ids) and lets
 * its {@link idOnlyError} escape instead: the name Step Functions' Retry and Catch match is kept,
 * and Lambda's retries of a failed invocation are unchanged, since it still fails.
 */
function idOnlyErrors(logger: Logger): MiddlewareObj {
  return {
    onError: (request) => {
      logger.error('invocation failed', { error: loggableError(request.error) });
      request.error = idOnlyError(request.error);
    },
  };
}

/**
 * Wraps a plain handler in middy with the Powertools middlewares: Lambda context in every log
 * line, metrics flushed after each invocation, and id-only errors (added last, so its onError
 * runs first, while the invocation's keys are still on the logger).
 */
export function observedHandler<Event, Result>(
  tools: Observability,
  handler: (event: Event, context: Context) => Promise<Result>,
) {
  return middy(handler)
    .use(injectLambdaContext(tools.logger, { resetKeys: true }))
    .use(logMetrics(tools.metrics))
    .use(idOnlyErrors(tools.logger));
}
