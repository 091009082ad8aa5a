/**
 * The scenario file of `overture simulate` (the contract in `shared/contracts/simulation.md`):
 * who the customers are, which journeys run, and what happens to whom and when, under a virtual
 * clock from `start` to `until`.
 *
 * One zod schema is both the validator and the type. {@link parseScenario} adds the checks that
 * need the journey catalog and turns every problem into one line that names its path, such as
 * `customers[3].timezone: unknown time zone "Mars/Base"`.
 */
import * as z from 'zod';
import {
  AttributeValueSchema,
  ChannelSchema,
  CustomerIdSchema,
  InstantSchema,
  LifecycleStageSchema,
  PhoneSchema,
  SuppressionSchema,
  TimeZoneSchema,
  TopicSchema,
} from '../customer/model';
// The customer model's objects refusing unknown fields, as every other object of a scenario does:
// a mistyped `Line2` or a `timezone` inside a window would otherwise be dropped without a word.
import { InputPostalAddressSchema, InputPreferencesSchema } from '../customer/input-model';
import { EventNameSchema, JourneyIdSchema, JourneySchema, type Journey } from '../journeys/format';
import { InvalidJourneyError, validateJourney } from '../journeys/validate';
import { AttributeNameSchema } from '../store/records';
import { journeys as catalogJourneys } from '../../workflows';
import { formatIssues, type ScenarioIssue } from './issues';
import { unsimulatedJourneyIssues } from './simulated-journeys';

export type { ScenarioIssue } from './issues';

/** A consent status a scenario may state: the contract allows only these two. */
export const SCENARIO_CONSENT_STATUSES = ['granted', 'revoked'] as const;
export const ScenarioConsentStatusSchema = z.enum(SCENARIO_CONSENT_STATUSES);

/** One consent the customer holds when the scenario starts (or gains later, when `at` is later). */
export const ScenarioConsentSchema = z
  .object({
    channel: ChannelSchema,
    topic: TopicSchema,
    status: ScenarioConsentStatusSchema,
    at: InstantSchema,
    source: z.string().min(1),
  })
  .strict();
export type ScenarioConsent = z.infer<typeof ScenarioConsentSchema>;

/**
 * Customer attributes, by name: what journeys branch on (`tier`, `interests`…). Names follow the
 * store's rule (1–128 characters), so a name it would refuse is reported here, at its path,
 * before anything runs.
 */
export const ScenarioAttributesSchema = z.record(AttributeNameSchema, AttributeValueSchema);

/** One customer of the scenario, as the store will hold them at `start`. */
export const ScenarioCustomerSchema = z
  .object({
    id: CustomerIdSchema,
    stage: LifecycleStageSchema,
    /** IANA name; every local time of the customer (quiet hours, windows, waits) is read in it. */
    timezone: TimeZoneSchema,
    email: z.email().optional(),
    phone: z.optional(PhoneSchema),
    address: z.optional(InputPostalAddressSchema),
    attributes: z.optional(ScenarioAttributesSchema),
    consents: z.array(ScenarioConsentSchema),
    preferences: z.optional(InputPreferencesSchema),
    /** A suppression blocks its channel, for every topic, from its `at` on. */
    suppressions: z.optional(z.array(z.strictObject(SuppressionSchema.shape))),
  })
  .strict();
export type ScenarioCustomer = z.infer<typeof ScenarioCustomerSchema>;

const EventBase = { at: InstantSchema, customerId: CustomerIdSchema };

/** A customer event (`signed_up`, `order_placed`…) as it would arrive on the bus. */
export const CustomerEventEntrySchema = z
  .object({
    ...EventBase,
    type: z.literal('event'),
    name: EventNameSchema,
    properties: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

/** A consent given or withdrawn at `at` (a form, a one-click unsubscribe, STOP…). */
export const ConsentEventEntrySchema = z
  .object({
    ...EventBase,
    type: z.literal('consent'),
    channel: ChannelSchema,
    topic: TopicSchema,
    status: ScenarioConsentStatusSchema,
    source: z.string().min(1),
  })
  .strict();

/** A bounce reported by the provider; only a `hard` one suppresses the channel. */
export const BounceEventEntrySchema = z
  .object({
    ...EventBase,
    type: z.literal('bounce'),
    channel: ChannelSchema,
    kind: z.enum(['hard', 'soft']),
  })
  .strict();

/** A spam complaint; it suppresses the channel from `at` on. */
export const ComplaintEventEntrySchema = z
  .object({ ...EventBase, type: z.literal('complaint'), channel: ChannelSchema })
  .strict();

/**
 * Changes to the customer's profile at `at`. Each field given replaces the current one:
 * `email`, `phone` and `address` may be `null` to remove the contact point; `preferences`
 * replaces the whole preferences object; `attributes` sets the attributes named (others keep
 * their values; a `null` value is stored as `null`).
 */
export const ProfileChangesSchema = z
  .object({
    stage: z.optional(LifecycleStageSchema),
    timezone: z.optional(TimeZoneSchema),
    email: z.email().nullable().optional(),
    phone: z.nullable(PhoneSchema).optional(),
    address: z.nullable(InputPostalAddressSchema).optional(),
    attributes: z.optional(ScenarioAttributesSchema),
    preferences: z.optional(InputPreferencesSchema),
  })
  .strict();
export type ProfileChanges = z.infer<typeof ProfileChangesSchema>;

export const ProfileEventEntrySchema = z
  .object({ ...EventBase, type: z.literal('profile'), changes: ProfileChangesSchema })
  .strict();

/** Everything that happens during the scenario, tagged by `type`. */
export const ScenarioEventSchema = z.discriminatedUnion('type', [
  CustomerEventEntrySchema,
  ConsentEventEntrySchema,
  BounceEventEntrySchema,
  ComplaintEventEntrySchema,
  ProfileEventEntrySchema,
]);
export type ScenarioEvent = z.infer<typeof ScenarioEventSchema>;
export type ScenarioEventType = ScenarioEvent['type'];

/** A catalog journey by id, or an inline journey in the project's own format. */
export const ScenarioJourneySchema = z.union([JourneyIdSchema, JourneySchema]);
export type ScenarioJourney = z.infer<typeof ScenarioJourneySchema>;

const ScenarioShapeSchema = z
  .object({
    /** Virtual time at which the simulation starts. */
    start: InstantSchema,
    /** Virtual time at which it stops; after `start`. */
    until: InstantSchema,
    /** Seed of every random choice (splits are hashed, but ids and jitter are seeded). */
    seed: z.number().int().min(0).max(2 ** 32 - 1),
    journeys: z.array(ScenarioJourneySchema).min(1),
    customers: z.array(ScenarioCustomerSchema),
    events: z.array(ScenarioEventSchema),
  })
  .strict();

/**
 * A scenario, with the checks that need only the file itself: `until` after `start`, customer ids
 * unique, journey ids unique, every event's `customerId` a customer of the scenario and its `at`
 * in `[start, until)`. Whether a named journey exists, and whether an inline one would compile
 * (templates on disk, a graph that resolves), is checked by {@link parseScenario}.
 */
export const ScenarioSchema = ScenarioShapeSchema.superRefine((scenario, ctx) => {
  const start = Date.parse(scenario.start);
  const until = Date.parse(scenario.until);
  // Instants already refused get no second line (an impossible date parses as another day, or not at all).
  if (InstantSchema.safeParse(scenario.start).success && InstantSchema.safeParse(scenario.until).success && !(until > start)) {
    ctx.addIssue({ code: 'custom', path: ['until'], message: `must be after start (${scenario.start})` });
  }

  const firstIndexById = new Map<string, number>();
  scenario.customers.forEach((customer, index) => {
    const first = firstIndexById.get(customer.id);
    if (first === undefined) firstIndexById.set(customer.id, index);
    else ctx.addIssue({ code: 'custom', path: ['customers', index, 'id'], message: `"${customer.id}" repeats customers[${first}].id` });
  });

  const firstIndexByJourney = new Map<string, number>();
  scenario.journeys.forEach((journey, index) => {
    const id = journeyIdOf(journey);
    const first = firstIndexByJourney.get(id);
    if (first === undefined) firstIndexByJourney.set(id, index);
    else ctx.addIssue({ code: 'custom', path: ['journeys', index], message: `journey "${id}" is listed twice (also journeys[${first}])` });
  });

  scenario.events.forEach((event, index) => {
    if (!firstIndexById.has(event.customerId)) {
      ctx.addIssue({ code: 'custom', path: ['events', index, 'customerId'], message: `no customer "${event.customerId}" in customers` });
    }
    const at = Date.parse(event.at);
    // An instant already refused (an impossible date, which Date.parse would move to another day) gets no second, misleading line.
    if (InstantSchema.safeParse(event.at).success && (at < start || (until > start && at >= until))) {
      ctx.addIssue({ code: 'custom', path: ['events', index, 'at'], message: `must be at or after start and before until` });
    }
  });
});
export type Scenario = z.infer<typeof ScenarioSchema>;
/** A scenario as written in a file, before parsing. */
export type ScenarioInput = z.input<typeof ScenarioSchema>;

/** The id of a scenario journey entry: the catalog id, or the inline journey's own `id`. */
export function journeyIdOf(journey: ScenarioJourney): string {
  return typeof journey === 'string' ? journey : journey.id;
}

/** The inline journey definitions of a scenario (catalog ids are left out). */
export function inlineJourneysOf(scenario: Scenario): Journey[] {
  return scenario.journeys.filter((journey): journey is Journey => typeof journey !== 'string');
}

/** Raised for a scenario that must not run; `message` has one `path: problem` line per issue. */
export class ScenarioError extends Error {
  /** The problems, each with its path in the contract's notation (`customers[3].timezone`). */
  readonly issues: readonly ScenarioIssue[];

  constructor(issues: readonly ScenarioIssue[], options?: { cause?: unknown }) {
    super(issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'), options);
    this.name = 'ScenarioError';
    this.issues = issues;
  }
}

/** What {@link parseScenario} needs besides the file. */
export interface ParseScenarioOptions {
  /** Ids of the journeys of the catalog (`Object.keys(journeys)` of `workflows/index.ts`). */
  readonly knownJourneys: readonly string[];
  /** Catalog journeys by id, whose entries are checked when the scenario names them. @default the catalog of `workflows/index.ts` */
  readonly catalog?: Readonly<Record<string, Journey>>;
}

/**
 * Validates a scenario (already read from JSON) and returns it typed.
 *
 * @throws ScenarioError naming every offending path, e.g. `customers[3].timezone: unknown time zone "Mars/Base"`.
 */
export function parseScenario(json: unknown, options: ParseScenarioOptions): Scenario {
  const result = ScenarioSchema.safeParse(json);
  // Unknown journey names and inline journeys that would not compile are reported even when other
  // parts of the file are wrong, so one run of the command lists everything to fix.
  const issues = [
    ...(result.success ? [] : formatIssues(result.error.issues)),
    ...unknownJourneyIssues(json, options.knownJourneys),
    ...inlineJourneyIssues(json),
    ...unsimulatedJourneyIssues(json, { knownJourneys: options.knownJourneys, catalog: options.catalog ?? catalogJourneys }),
  ];
  if (issues.length > 0 || !result.success) throw new ScenarioError(issues, result.success ? undefined : { cause: result.error });
  return result.data;
}

/**
 * Parses the text of a scenario file: JSON syntax errors are reported as a {@link ScenarioError}
 * at the root path, like every other problem.
 */
export function parseScenarioText(text: string, options: ParseScenarioOptions): Scenario {
  let json: unknown;
  try {
    // Editors on Windows may save UTF-8 with a byte order mark, which JSON.parse refuses.
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ScenarioError([{ path: '(root)', message: `not valid JSON: ${reason}` }], { cause: error });
  }
  return parseScenario(json, options);
}

/**
 * The problems synthesis would find in the scenario's inline journeys (references, reachability,
 * loops without a wait, templates on disk, transactional declarations), each at the journey's
 * path: found here, the scenario is refused before anything runs, as the contract requires,
 * instead of failing the synth of the local stack.
 */
function inlineJourneyIssues(json: unknown): ScenarioIssue[] {
  if (typeof json !== 'object' || json === null || !('journeys' in json) || !Array.isArray(json.journeys)) return [];
  const issues: ScenarioIssue[] = [];
  json.journeys.forEach((entry: unknown, index: number) => {
    // A journey the format refuses is reported by the schema, at the paths inside it.
    if (typeof entry !== 'object' || entry === null || !JourneySchema.safeParse(entry).success) return;
    try {
      validateJourney(entry);
    } catch (error) {
      if (!(error instanceof InvalidJourneyError)) throw error;
      for (const problem of error.problems) issues.push({ path: `journeys[${index}]`, message: problem });
    }
  });
  return issues;
}

function unknownJourneyIssues(json: unknown, knownJourneys: readonly string[]): ScenarioIssue[] {
  if (typeof json !== 'object' || json === null || !('journeys' in json) || !Array.isArray(json.journeys)) return [];
  const known = new Set(knownJourneys);
  const list = [...knownJourneys].sort().map((id) => `"${id}"`).join(', ');
  const issues: ScenarioIssue[] = [];
  json.journeys.forEach((entry: unknown, index: number) => {
    if (typeof entry === 'string' && JourneyIdSchema.safeParse(entry).success && !known.has(entry)) {
      issues.push({ path: `journeys[${index}]`, message: `unknown journey "${entry}"; the catalog has ${list || 'no journeys'}` });
    }
  });
  return issues;
}
