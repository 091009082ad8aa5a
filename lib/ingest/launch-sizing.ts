/**
 * How fast an audience launch may start executions, derived from the Step Functions quota so
 * that a launch of any size runs at the refill rate instead of failing on throttles.
 *
 * StartExecution (Standard) is a token bucket of 1,300 with a refill of 300 per second in the
 * large regions. Each launch worker starts its batch one customer at a time: a conditional
 * PutItem (the entry claim, ~10 ms) and StartExecution (~40 ms), about 20 starts per second. So
 * 15 workers in parallel start ~300 per second, the refill rate; the bucket absorbs the bursts
 * of a faster moment, and the SDK's adaptive retry backs off if other callers share the quota.
 */

/** StartExecution refill per second (Standard workflows, large regions). */
export const START_EXECUTION_REFILL_PER_SECOND = 300;

/** Starts per second one launch worker makes, starting its batch sequentially. */
export const STARTS_PER_WORKER_PER_SECOND = 20;

/** The Distributed Map's MaxConcurrency: workers whose starts add up to the refill rate. */
export const LAUNCH_MAX_CONCURRENCY = Math.floor(START_EXECUTION_REFILL_PER_SECOND / STARTS_PER_WORKER_PER_SECOND);

/**
 * Customers per batch (ItemBatcher). A batch takes ~5 s at 20 starts per second: long enough to
 * amortize the child execution and the Lambda invocation, far from the function's timeout.
 */
export const LAUNCH_BATCH_SIZE = 100;

/** Attempts of the launch worker's SFN client (adaptive retry mode) before a throttle fails a batch. */
export const LAUNCH_SFN_MAX_ATTEMPTS = 10;
