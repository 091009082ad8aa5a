/**
 * The independent rules checker: judges a simulation report against its scenario by the
 * contract's "Rules every report obeys" (1–8) and the report's own structure.
 *
 * It reads the scenario and the report — and one thing more: for the journeys named in the
 * report, the definition of each send step (its allowed channels, in order, and its topic), from
 * the scenario's inline journeys or the catalog of `workflows/index.ts`. Nothing else: not the
 * permission gate, not the store, not the runtime. So it can judge a report from any simulator,
 * and a bug in the gate cannot hide itself by being shared with the checker.
 *
 * Definitions it uses where the contract leaves room:
 * - A record (consent, suppression, bounce, complaint, profile change) dated exactly at a
 *   message's `at` counts at that instant ("at or before `t`"). Consents with the same `at` that
 *   disagree may be read either way.
 * - Times of day are half-open: a span `start`–`end` holds `start` and not `end`, wrapping past
 *   midnight when `end` is before `start`. Local time is the wall clock in the customer's zone at
 *   `t` (their zone after any `profile` change dated at or before `t`).
 * - Rule 6: no interval `(s − 7 days, s]` holds more marketing messages to one customer than the
 *   `maxPerWeek` in force at `s`, where `s` is any message's `at`.
 * - Rule 7 ladder: with `preferences.channels`, the customer's order among the step's channels
 *   (for transactional messages, followed by the step's other channels in the step's order);
 *   without, the step's order. The channel used must be in the ladder, and no channel before it
 *   may pass rules 1–4 at `t` — where a channel whose allowed hours never open on any day (its
 *   preferred window lies inside its quiet hours, or outside 08:00–21:00 for SMS) does not pass,
 *   since it could never carry the message.
 */
import { CHANNELS, TRANSACTIONAL, type Channel } from '../customer/model';
import type { Journey } from '../journeys/format';
import { journeys as catalogJourneys } from '../../workflows';
import { customerTimelines, type CustomerTimeline, type ProfileAt } from './customer-timeline';
import { formatSecondsOfDay, inDailySpan, localSecondsOfDay } from './local-time';
import { compareText, summarize, type Report, type ReportCustomer, type ReportMessage, type ReportSkip } from './report';
import { journeyIdOf, type Scenario } from './scenario';

/** The rules of the contract, by number. */
export const REPORT_RULES = {
  1: 'consent',
  2: 'suppression',
  3: 'reachability',
  4: 'quiet hours',
  5: 'preferred window',
  6: 'frequency cap',
  7: 'channel choice',
  8: 'once',
} as const;
export type ReportRule = keyof typeof REPORT_RULES;

/** One way a report breaks a rule (`1`…`8`) or its own structure (`structure`). */
export interface Violation {
  readonly rule: ReportRule | 'structure';
  /** Where in the report: `messages[4]`, `skipped[0]`, `customers[2]`, `summary.byChannel.email`… */
  readonly path: string;
  /** The entry concerned, when there is one. */
  readonly entry?: ReportMessage | ReportSkip | ReportCustomer;
  /** Why it breaks the rule, with the facts the checker found. */
  readonly why: string;
}

/** What a send step of a journey declares. */
export interface SendStepDefinition {
  readonly channels: readonly Channel[];
  readonly topic: string;
}

/** Where the checker finds journey definitions besides the scenario's inline ones. */
export interface CheckReportOptions {
  /** Catalog journeys by id; `workflows/index.ts` by default. */
  readonly catalog?: Readonly<Record<string, Journey>>;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const CAP_WINDOW_MS = 7 * DAY_MS;
const SMS_LEGAL_HOURS = { start: '08:00', end: '21:00' } as const;

/**
 * Every violation of rules 1–8 and of the report's structure; an empty list means the report
 * obeys the contract. The scenario must be valid (see `parseScenario`); the report must match
 * `ReportSchema` (see `ReportSchema.parse`).
 */
export function checkReport(scenario: Scenario, report: Report, options: CheckReportOptions = {}): Violation[] {
  const timelines = customerTimelines(scenario);
  const catalog = options.catalog ?? catalogJourneys;
  const steps = sendStepsOf(scenario, catalog);
  const journeyIds = new Set(scenario.journeys.map(journeyIdOf));
  const defined = new Set(scenario.journeys.filter((entry) => typeof entry !== 'string' || catalog[entry] !== undefined).map(journeyIdOf));
  const violations: Violation[] = [];

  violations.push(...checkStructure(scenario, report, timelines, journeyIds));
  const checkStepExists = (name: 'messages' | 'skipped', list: readonly (ReportMessage | ReportSkip)[]): void => {
    list.forEach((entry, index) => {
      if (defined.has(entry.journey) && !steps.has(stepKey(entry.journey, entry.step))) {
        violations.push({ rule: 'structure', path: `${name}[${index}]`, entry, why: `journey "${entry.journey}" has no send step "${entry.step}"` });
      }
    });
  };
  checkStepExists('messages', report.messages);
  checkStepExists('skipped', report.skipped);

  report.messages.forEach((message, index) => {
    const timeline = timelines.get(message.customerId);
    if (timeline === undefined) return; // reported as structure
    const step = steps.get(stepKey(message.journey, message.step));
    violations.push(...checkMessage(message, `messages[${index}]`, timeline, step));
  });

  violations.push(...checkFrequencyCap(report.messages, timelines, steps));
  violations.push(...checkOnce(report.messages));
  return violations;
}

/** A violation as one line: `rule 4 (quiet hours) at messages[3] c-001 welcome-email 2026-…: why`. */
export function formatViolation(violation: Violation): string {
  const rule = violation.rule === 'structure' ? 'structure' : `rule ${violation.rule} (${REPORT_RULES[violation.rule]})`;
  const entry = violation.entry;
  const what =
    entry === undefined ? '' : 'step' in entry ? ` ${entry.customerId} ${entry.execution}/${entry.step} at ${entry.at}` : ` ${entry.id}`;
  return `${rule} at ${violation.path}${what}: ${violation.why}`;
}

// ---------------------------------------------------------------------------------------------
// Rules 1–5 and 7, one message at a time

function checkMessage(
  message: ReportMessage,
  path: string,
  timeline: CustomerTimeline,
  step: SendStepDefinition | undefined,
): Violation[] {
  const out: Violation[] = [];
  const violation = (rule: ReportRule | 'structure', why: string): void => {
    out.push({ rule, path, entry: message, why });
  };
  const atMs = Date.parse(message.at);
  // The step's own topic is the truth; a report claiming another one is wrong in itself.
  const topic = step?.topic ?? message.topic;
  if (step !== undefined && step.topic !== message.topic) {
    violation('structure', `topic "${message.topic}" is not the step's topic "${step.topic}"`);
  }
  const marketing = topic !== TRANSACTIONAL;
  const profile = timeline.profileAt(atMs);
  const channel = message.channel;

  // Rule 1
  if (marketing) {
    const consent = timeline.consentAt(channel, topic, atMs);
    if (consent === 'not_granted') {
      violation(1, `no granted consent for (${channel}, ${topic}) at or before ${message.at}: the latest is revoked or there is none`);
    }
  }
  // Rule 2
  const suppression = timeline.suppressionAt(channel, atMs);
  if (suppression !== undefined) {
    violation(2, `${channel} is suppressed since ${new Date(suppression.atMs).toISOString()} (${suppression.why})`);
  }
  // Rule 3
  if (!reachable(profile, channel)) violation(3, `the customer has no ${CONTACT_POINT[channel]} at ${message.at}`);
  // Rules 4 and 5
  if (marketing && channel !== 'mail') {
    const local = localSecondsOfDay(profile.timezone, atMs);
    const localText = `${formatSecondsOfDay(local)} local (${profile.timezone})`;
    const quiet = profile.preferences.quietHours;
    if (quiet !== undefined && inDailySpan(quiet, local)) {
      violation(4, `marketing ${channel} at ${localText} is inside the quiet hours ${quiet.start}–${quiet.end}`);
    }
    if (channel === 'sms' && !inDailySpan(SMS_LEGAL_HOURS, local)) {
      violation(4, `marketing sms at ${localText} is outside 08:00–21:00`);
    }
    const window = profile.preferences.preferredWindow;
    if (window !== undefined && !inDailySpan(window, local)) {
      violation(5, `marketing ${channel} at ${localText} is outside the preferred window ${window.start}–${window.end}`);
    }
  }
  // Rule 7
  const preferred = profile.preferences.channels;
  if (marketing && preferred !== undefined && !preferred.includes(channel)) {
    violation(7, `${channel} is not among the customer's preferred channels (${preferred.join(', ')}) for a marketing message`);
  }
  if (step !== undefined) {
    if (!step.channels.includes(channel)) {
      violation(7, `the step allows ${step.channels.join(', ')}, not ${channel}`);
    } else {
      const ladder = channelLadder(step.channels, preferred, marketing);
      const used = ladder.indexOf(channel);
      const better = ladder.slice(0, Math.max(used, 0)).find((earlier) => passesRulesOneToFour(timeline, profile, earlier, topic, atMs));
      if (better !== undefined) {
        violation(7, `${better} comes before ${channel} in the ladder (${ladder.join(', ')}) and passes rules 1–4 at ${message.at}`);
      }
    }
  }
  return out;
}

const CONTACT_POINT: Readonly<Record<Channel, string>> = { email: 'email address', sms: 'phone number', mail: 'postal address' };

function reachable(profile: ProfileAt, channel: Channel): boolean {
  if (channel === 'email') return profile.email !== undefined;
  if (channel === 'sms') return profile.phone !== undefined;
  return profile.address !== undefined;
}

/** Whether `channel` could certainly have carried the message at `atMs` under rules 1–4. */
function passesRulesOneToFour(timeline: CustomerTimeline, profile: ProfileAt, channel: Channel, topic: string, atMs: number): boolean {
  const marketing = topic !== TRANSACTIONAL;
  if (marketing && timeline.consentAt(channel, topic, atMs) !== 'granted') return false;
  if (timeline.suppressionAt(channel, atMs) !== undefined) return false;
  if (!reachable(profile, channel)) return false;
  if (marketing && channel !== 'mail') {
    const local = localSecondsOfDay(profile.timezone, atMs);
    const quiet = profile.preferences.quietHours;
    if (quiet !== undefined && inDailySpan(quiet, local)) return false;
    if (channel === 'sms' && !inDailySpan(SMS_LEGAL_HOURS, local)) return false;
    // A channel whose allowed hours never open (a preferred window inside the quiet hours, or
    // outside 08:00–21:00 for SMS) can never carry the message, so passing over it is right.
    if (!hoursEverOpen(profile.preferences, channel)) return false;
  }
  return true;
}

/** Whether some local minute of the day is outside the quiet hours, inside the window and, for SMS, in 08:00–21:00. */
function hoursEverOpen(preferences: ProfileAt['preferences'], channel: 'email' | 'sms'): boolean {
  for (let minute = 0; minute < 24 * 60; minute += 1) {
    const seconds = minute * 60;
    if (preferences.quietHours !== undefined && inDailySpan(preferences.quietHours, seconds)) continue;
    if (preferences.preferredWindow !== undefined && !inDailySpan(preferences.preferredWindow, seconds)) continue;
    if (channel === 'sms' && !inDailySpan(SMS_LEGAL_HOURS, seconds)) continue;
    return true;
  }
  return false;
}

/** The order in which channels may be used (see the module comment). */
function channelLadder(stepChannels: readonly Channel[], preferred: readonly Channel[] | undefined, marketing: boolean): Channel[] {
  if (preferred === undefined) return [...stepChannels];
  const first = preferred.filter((channel) => stepChannels.includes(channel));
  return marketing ? first : [...first, ...stepChannels.filter((channel) => !first.includes(channel))];
}

// ---------------------------------------------------------------------------------------------
// Rule 6

function checkFrequencyCap(
  messages: readonly ReportMessage[],
  timelines: ReadonlyMap<string, CustomerTimeline>,
  steps: ReadonlyMap<string, SendStepDefinition>,
): Violation[] {
  const marketingByCustomer = new Map<string, { index: number; atMs: number }[]>();
  messages.forEach((message, index) => {
    const topic = steps.get(stepKey(message.journey, message.step))?.topic ?? message.topic;
    if (topic === TRANSACTIONAL) return;
    const list = marketingByCustomer.get(message.customerId) ?? [];
    list.push({ index, atMs: Date.parse(message.at) });
    marketingByCustomer.set(message.customerId, list);
  });

  const out: Violation[] = [];
  for (const [customerId, sends] of marketingByCustomer) {
    const timeline = timelines.get(customerId);
    if (timeline === undefined) continue;
    for (const send of sends) {
      const max = timeline.profileAt(send.atMs).preferences.maxPerWeek;
      if (max === undefined) continue;
      const inWindow = sends.filter((other) => other.atMs > send.atMs - CAP_WINDOW_MS && other.atMs <= send.atMs);
      if (inWindow.length > max) {
        const message = messages[send.index];
        out.push({
          rule: 6,
          path: `messages[${send.index}]`,
          ...(message === undefined ? {} : { entry: message }),
          why: `${inWindow.length} marketing messages to ${customerId} in the 7 days up to ${new Date(send.atMs).toISOString()} (messages${inWindow
            .map((other) => `[${other.index}]`)
            .join('')}), more than maxPerWeek ${max}`,
        });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Rule 8

function checkOnce(messages: readonly ReportMessage[]): Violation[] {
  const first = new Map<string, number>();
  const out: Violation[] = [];
  messages.forEach((message, index) => {
    const key = `${message.execution}\u0000${message.step}`;
    const earlier = first.get(key);
    if (earlier === undefined) first.set(key, index);
    else out.push({ rule: 8, path: `messages[${index}]`, entry: message, why: `step ${message.step} of ${message.execution} already sent messages[${earlier}]` });
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Structure

function checkStructure(
  scenario: Scenario,
  report: Report,
  timelines: ReadonlyMap<string, CustomerTimeline>,
  journeyIds: ReadonlySet<string>,
): Violation[] {
  const out: Violation[] = [];
  const startMs = Date.parse(scenario.start);
  const untilMs = Date.parse(scenario.until);

  const checkList = (name: 'messages' | 'skipped', list: readonly (ReportMessage | ReportSkip)[]): void => {
    list.forEach((entry, index) => {
      const path = `${name}[${index}]`;
      const problem = (why: string): void => {
        out.push({ rule: 'structure', path, entry, why });
      };
      if (!timelines.has(entry.customerId)) problem(`customer "${entry.customerId}" is not in the scenario`);
      if (!journeyIds.has(entry.journey)) problem(`journey "${entry.journey}" is not one of the scenario's journeys`);
      const atMs = Date.parse(entry.at);
      if (atMs < startMs || atMs > untilMs) problem(`at ${entry.at} is outside the scenario's start–until`);
      const previous = list[index - 1];
      if (previous !== undefined && contractOrder(previous, entry) > 0) {
        problem(`out of order: ${name}[${index - 1}] should come after it (order: at, then customerId, then step)`);
      }
    });
  };
  checkList('messages', report.messages);
  checkList('skipped', report.skipped);

  const reported = new Map<string, number>();
  report.customers.forEach((customer, index) => {
    const path = `customers[${index}]`;
    if (!timelines.has(customer.id)) out.push({ rule: 'structure', path, entry: customer, why: `customer "${customer.id}" is not in the scenario` });
    const earlier = reported.get(customer.id);
    if (earlier !== undefined) out.push({ rule: 'structure', path, entry: customer, why: `customer "${customer.id}" repeats customers[${earlier}]` });
    else reported.set(customer.id, index);
  });
  for (const customer of scenario.customers) {
    if (!reported.has(customer.id)) out.push({ rule: 'structure', path: 'customers', why: `scenario customer "${customer.id}" is missing` });
  }

  const expected = summarize(report.messages, report.skipped);
  const summary = report.summary;
  const compare = (path: string, actual: number | undefined, wanted: number | undefined): void => {
    if ((actual ?? 0) !== (wanted ?? 0)) {
      out.push({ rule: 'structure', path, why: `says ${actual ?? 0}, the lists hold ${wanted ?? 0}` });
    }
  };
  compare('summary.messages', summary.messages, expected.messages);
  compare('summary.skipped', summary.skipped, expected.skipped);
  for (const channel of CHANNELS) compare(`summary.byChannel.${channel}`, summary.byChannel[channel], expected.byChannel[channel]);
  const reasons = new Set([...Object.keys(summary.byReason), ...Object.keys(expected.byReason)] as (keyof typeof summary.byReason)[]);
  for (const reason of [...reasons].sort(compareText)) compare(`summary.byReason.${reason}`, summary.byReason[reason], expected.byReason[reason]);
  return out;
}

/** The contract's order of both lists: `at` (as an instant), then `customerId`, then `step`. */
function contractOrder(a: ReportMessage | ReportSkip, b: ReportMessage | ReportSkip): number {
  return Date.parse(a.at) - Date.parse(b.at) || compareText(a.customerId, b.customerId) || compareText(a.step, b.step);
}

// ---------------------------------------------------------------------------------------------
// Journey definitions: the send steps' channels and topics

function stepKey(journey: string, step: string): string {
  return `${journey}\u0000${step}`;
}

/**
 * The send steps of the scenario's journeys: inline definitions from the scenario, catalog ids
 * from `catalog`. A journey found in neither contributes nothing, and rule 7 is then judged on
 * the customer's preferences alone.
 */
export function sendStepsOf(scenario: Scenario, catalog: Readonly<Record<string, Journey>>): Map<string, SendStepDefinition> {
  const steps = new Map<string, SendStepDefinition>();
  for (const entry of scenario.journeys) {
    const journey = typeof entry === 'string' ? catalog[entry] : entry;
    if (journey === undefined) continue;
    for (const node of journey.nodes) {
      if (node.type === 'send') steps.set(stepKey(journey.id, node.id), { channels: node.channels, topic: node.topic });
    }
  }
  return steps;
}
