/**
 * Journey routes: for each deployed journey, its state machine and how customers enter it. The
 * CDK app derives them from the catalog at synth and hands them to the ingest, launcher and
 * inactivity-scan functions as environment variables, so those functions do not bundle the
 * catalog (or the compiler) to know which journey an event starts.
 *
 * The routes travel without their state machine ARNs: Lambda takes 4 KB of environment, and an
 * ARN (~80 bytes) per journey filled it at about 15 journeys. Journey state machines are named
 * `<prefix><journey id>`, so one more variable holding the ARN prefix they share lets the reader
 * rebuild every ARN (`routesWithArns`). Each route travels as a `[journey, trigger, reEntry]`
 * tuple, too: the three key names cost 30 bytes a journey; a journey with a transactional send
 * step adds a fourth element, `true` (see {@link JourneyRoute}'s `ownEventOnly`). And the JSON
 * travels deflated, in base64: routes repeat their shapes (triggers, conditions, rules), and the
 * catalog's five take 404 bytes instead of 791, so about twice as many journeys fit.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import * as z from '../schema/zod-mini';
import { TRANSACTIONAL } from '../customer/model';
import { entryConditionsOf, ReEntrySchema, TriggerSchema } from '../journeys/entry';
import type { Journey } from '../journeys/format';
import { JourneyIdSchema, type EventName } from '../journeys/identifiers';

/** One deployed journey as the functions that start executions see it. */
export const JourneyRouteSchema = z.object({
  journey: JourneyIdSchema,
  stateMachineArn: z.string().check(z.minLength(1)),
  trigger: TriggerSchema,
  reEntry: ReEntrySchema,
  /**
   * `true` when the journey has a transactional send step, which skips consent because it answers
   * the customer's own request: only the customer's own event may start it, and a launch (an
   * audience, a schedule) is refused before anything starts. Absent otherwise.
   */
  ownEventOnly: z.optional(z.literal(true)),
});
export type JourneyRoute = z.infer<typeof JourneyRouteSchema>;

/** A route without its state machine ARN, as {@link JOURNEY_ROUTES_VARIABLE} carries it. */
export type RouteWithoutArn = Omit<JourneyRoute, 'stateMachineArn'>;

/** The environment variable holding the routes (without their ARNs) as deflated JSON, in base64. */
export const JOURNEY_ROUTES_VARIABLE = 'JOURNEY_ROUTES';

/**
 * The environment variable holding the start every journey state machine's ARN shares,
 * `arn:<partition>:states:<region>:<account>:stateMachine:overture-<environment>-`.
 */
export const JOURNEY_STATE_MACHINE_ARN_PREFIX_VARIABLE = 'JOURNEY_STATE_MACHINE_ARN_PREFIX';

/** The value of {@link JOURNEY_STATE_MACHINE_ARN_PREFIX_VARIABLE}. */
export const StateMachineArnPrefixSchema = z.string().check(z.startsWith('arn:'), z.includes(':stateMachine:'));

/**
 * Routes as they travel in {@link JOURNEY_ROUTES_VARIABLE} (written by {@link journeyRoutesVariable}):
 * a JSON array of `[journey, trigger, reEntry]`, one journey id once, deflated, in base64.
 */
export const JourneyRoutesSchema = z.pipe(
  z.pipe(
    z.string(),
    z.transform((text: string, ctx) => {
      try {
        return JSON.parse(inflateRawSync(Buffer.from(text, 'base64')).toString('utf8')) as unknown;
      } catch {
        ctx.issues.push({ code: 'custom', message: 'must be deflated JSON in base64, as journeyRoutesVariable writes it', input: text });
        return z.NEVER;
      }
    }),
  ),
  z.pipe(
    z
      .array(z.tuple([JourneyIdSchema, TriggerSchema, ReEntrySchema, z.optional(z.literal(true))]))
      .check(z.refine((routes) => new Set(routes.map(([journey]) => journey)).size === routes.length, 'must name each journey once')),
    z.transform((routes): RouteWithoutArn[] =>
      routes.map(([journey, trigger, reEntry, ownEventOnly]) => ({ journey, trigger, reEntry, ...(ownEventOnly === true ? { ownEventOnly } : {}) })),
    ),
  ),
);

/** The value of {@link JOURNEY_ROUTES_VARIABLE} for `routes`: their ARNs left out, deflated, in base64. */
export function journeyRoutesVariable(routes: readonly RouteWithoutArn[]): string {
  const json = JSON.stringify(routes.map(({ journey, trigger, reEntry, ownEventOnly }) => (ownEventOnly === true ? [journey, trigger, reEntry, true] : [journey, trigger, reEntry])));
  return deflateRawSync(Buffer.from(json, 'utf8'), { level: 9 }).toString('base64');
}

/** The routes of `journeys`, with the ARN of each one's state machine (CDK tokens at synth). */
export function routesOf(journeys: readonly Journey[], stateMachineArnOf: (journeyId: string) => string): JourneyRoute[] {
  return journeys.map((journey) => ({
    journey: journey.id,
    stateMachineArn: stateMachineArnOf(journey.id),
    trigger: journey.entry.trigger,
    reEntry: journey.entry.reEntry,
    ...(sendsTransactional(journey) ? { ownEventOnly: true as const } : {}),
  }));
}

/** Whether `journey` has a send step of topic `transactional` (validation allows one only in a journey its customer's event starts). */
export function sendsTransactional(journey: Journey): boolean {
  return journey.nodes.some((node) => node.type === 'send' && node.topic === TRANSACTIONAL);
}

/** The routes of {@link JOURNEY_ROUTES_VARIABLE} as the functions see them: each with `arnPrefix` + its journey id. */
export function routesWithArns(routes: readonly RouteWithoutArn[], arnPrefix: string): JourneyRoute[] {
  return routes.map((route) => ({ ...route, stateMachineArn: `${arnPrefix}${route.journey}` }));
}

/** The routes an event named `event` starts. */
export function routesStartedBy(routes: readonly JourneyRoute[], event: EventName): JourneyRoute[] {
  return routes.filter((route) => route.trigger.kind === 'event' && route.trigger.events.includes(event));
}

/**
 * Every customer event name the journeys react to: entry events, waits, goals and
 * `eventWithin` and `eventThrough` conditions (of branches and of entries). The bus routes these
 * to the ingest function besides the standard ones.
 */
export function eventsNamedBy(journeys: readonly Journey[]): EventName[] {
  const names = new Set<EventName>();
  for (const journey of journeys) {
    const { trigger } = journey.entry;
    const conditions = [...entryConditionsOf(trigger)];
    if (trigger.kind === 'event') trigger.events.forEach((name) => names.add(name));
    if (trigger.kind === 'inactivity') names.add(trigger.event);
    for (const node of journey.nodes) {
      if (node.type === 'waitForEvent' || node.type === 'goal') names.add(node.event);
      if (node.type === 'branch') node.rules.forEach((rule) => conditions.push(...rule.when));
    }
    conditions.forEach((condition) => (condition.kind === 'eventWithin' || condition.kind === 'eventThrough') && names.add(condition.event));
  }
  return [...names].sort();
}
