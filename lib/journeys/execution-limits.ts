/**
 * The limits of a Step Functions Standard execution that a journey must fit in, in one place for
 * the validator (which refuses journeys that cannot fit) and the journeyEffects function (which
 * ends a date wait that would not).
 */

/** A day, in seconds. */
export const DAY_SECONDS = 24 * 60 * 60;

/** How long a Standard execution may run: a year. Step Functions times it out after, unrecorded. */
export const EXECUTION_LIFETIME_DAYS = 365;

/**
 * How long after its start an execution may still be waiting: a Standard execution runs at most
 * a year (365 days), less a day for the steps after the wait (a send deferred by quiet hours or
 * the preferred window, the exit).
 */
export const EXECUTION_WAIT_LIMIT_DAYS = EXECUTION_LIFETIME_DAYS - 1;

/** The most events Step Functions keeps in one execution's history; the next one fails it. */
export const EXECUTION_HISTORY_LIMIT = 25_000;
