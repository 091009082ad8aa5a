/**
 * Journey routes: for each deployed journey, its state machine and how customers enter it. The
 * CDK app derives them from the catalog at synth and hands them to the ingest, launcher and
 * inactivity-scan functions as one environment variable, so those functions do not bundle the
 * catalog (or the compiler) to know which journey an event starts.
 */
import * as z from '../schema/zod-mini';
import { entryConditionsOf, ReEntrySchema, TriggerSchema } from '../journeys/entry';
import type { Journey } from '../journeys/format';
import { JourneyIdSchema, type EventName } from '../journeys/identifiers';

/** One deployed journey as the functions that start executions see it. */
export const JourneyRouteSchema = z.object({
  journey: JourneyIdSchema,
  stateMachineArn: z.string().check(z.minLength(1)),
  trigger: TriggerSchema,
  reEntry: ReEntrySchema,
});
export type JourneyRoute = z.infer<typeof JourneyRouteSchema>;

/** The environment variable holding the routes as JSON. */
export const JOURNEY_ROUTES_VARIABLE = 'JOURNEY_ROUTES';

/** Routes as they travel in {@link JOURNEY_ROUTES_VARIABLE}: a JSON array, one journey id once. */
export const JourneyRoutesSchema = z.pipe(
  z.pipe(
    z.string(),
    z.transform((text: string, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.issues.push({ code: 'custom', message: 'must be JSON', input: text });
        return z.NEVER;
      }
    }),
  ),
  z
    .array(JourneyRouteSchema)
    .check(z.refine((routes) => new Set(routes.map((route) => route.journey)).size === routes.length, 'must name each journey once')),
);

/** The routes of `journeys`, with the ARN of each one's state machine (CDK tokens at synth). */
export function routesOf(journeys: readonly Journey[], stateMachineArnOf: (journeyId: string) => string): JourneyRoute[] {
  return journeys.map((journey) => ({
    journey: journey.id,
    stateMachineArn: stateMachineArnOf(journey.id),
    trigger: journey.entry.trigger,
    reEntry: journey.entry.reEntry,
  }));
}

/** The routes an event named `event` starts. */
export function routesStartedBy(routes: readonly JourneyRoute[], event: EventName): JourneyRoute[] {
  return routes.filter((route) => route.trigger.kind === 'event' && route.trigger.events.includes(event));
}

/**
 * Every customer event name the journeys react to: entry events, waits, goals and
 * `eventWithin` conditions (of branches and of entries). The bus routes these to the ingest
 * function besides the standard ones.
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
    conditions.forEach((condition) => condition.kind === 'eventWithin' && names.add(condition.event));
  }
  return [...names].sort();
}
