/**
 * The report of `overture simulate` (the contract in `shared/contracts/simulation.md`): every
 * message handed to a provider, every send step that did not send and why, each customer's final
 * lifecycle stage, and a summary. {@link serializeReport} writes it in one canonical form, so the
 * same run gives the same bytes.
 */
import * as z from 'zod';
import { ChannelSchema, CustomerIdSchema, InstantSchema, LifecycleStageSchema, TopicSchema, type Channel } from '../customer/model';
import { JourneyIdSchema, NodeIdSchema } from '../journeys/format';
import { ExecutionNameSchema } from '../journeys/send-contract';

/**
 * Why a send step sent nothing: the closed set of `skipped[].reason`.
 *
 * From the permission gate (`SKIP_REASONS` of `lib/permission/reasons.ts`):
 * - `no_consent`: marketing, and the latest consent for (channel, topic) at the instant is not `granted`;
 * - `suppressed`: the channel is suppressed (hard bounce, complaint, listed suppression);
 * - `unreachable`: no contact point (email address, phone number, postal address) for any allowed channel;
 * - `frequency_capped`: marketing, and the customer's `maxPerWeek` is reached in the 7 days up to the instant;
 * - `not_preferred`: marketing, and every channel the step allows is left out of `preferences.channels`;
 * - `no_allowed_hours`: marketing, and the channel's allowed hours never open (quiet hours cover the window…);
 * - `no_channel`: the step allows no channel.
 *
 * From the send path (`DELIVERY_SKIP_REASONS` of `lib/delivery/deliver-message.ts`):
 * - `unknown_customer`: the customer is not in the store;
 * - `goal_reached`: the journey's goal event happened since entry, so the journey ends instead;
 * - `nothing_to_follow_up`: a follow-up step (`followUpOf`) none of whose earlier steps sent a message.
 *
 * From the send path's failures (`DELIVERY_FAILURE_REASONS`): the gate allowed the message but it
 * did not go out:
 * - `provider_rejected`: the provider refused it for good;
 * - `message_invalid`: it could not be built (template, missing variable).
 *
 * From the journey's failed send steps (the journey record `sendFailed`, lib/ingest/journey-records.ts):
 * the send Task failed after its retries, and the send ledger has no answer for the step:
 * - `message_invalid` again when a template error stopped the message being built (a variable the
 *   customer lacks, printed without `default`);
 * - `send_failed`: any other error.
 *
 * Restated here rather than imported so that reading a report loads no send-path code; a test
 * keeps the list equal to the union of those sources.
 */
export const REPORT_SKIP_REASONS = [
  'no_consent',
  'suppressed',
  'unreachable',
  'frequency_capped',
  'not_preferred',
  'no_allowed_hours',
  'no_channel',
  'unknown_customer',
  'goal_reached',
  'nothing_to_follow_up',
  'provider_rejected',
  'message_invalid',
  'send_failed',
] as const;
export const ReportSkipReasonSchema = z.enum(REPORT_SKIP_REASONS);
export type ReportSkipReason = z.infer<typeof ReportSkipReasonSchema>;

const StepIds = {
  customerId: CustomerIdSchema,
  journey: JourneyIdSchema,
  /** The journey execution's name: deterministic, e.g. `welcome-c-001-signed_up-1`. */
  execution: ExecutionNameSchema,
  /** The send node's id in the journey. */
  step: NodeIdSchema,
};

/** A message handed to a provider (SES, SMS, the direct-mail queue) at virtual time `at`. */
export const ReportMessageSchema = z
  .object({
    ...StepIds,
    channel: ChannelSchema,
    /** The consent topic the step required; `transactional` when it needed no marketing consent. */
    topic: TopicSchema,
    at: InstantSchema,
  })
  .strict();
export type ReportMessage = z.infer<typeof ReportMessageSchema>;

/** A send step that sent nothing, decided at virtual time `at`. */
export const ReportSkipSchema = z.object({ ...StepIds, reason: ReportSkipReasonSchema, at: InstantSchema }).strict();
export type ReportSkip = z.infer<typeof ReportSkipSchema>;

/** A customer's lifecycle stage when the simulation stopped. */
export const ReportCustomerSchema = z.object({ id: CustomerIdSchema, stage: LifecycleStageSchema }).strict();
export type ReportCustomer = z.infer<typeof ReportCustomerSchema>;

const CountSchema = z.number().int().min(0);

/** Counts of the two lists: messages by channel, skips by reason (absent keys count zero). */
export const ReportSummarySchema = z
  .object({
    messages: CountSchema,
    skipped: CountSchema,
    byChannel: z.partialRecord(ChannelSchema, CountSchema),
    byReason: z.partialRecord(ReportSkipReasonSchema, CountSchema),
  })
  .strict();
export type ReportSummary = z.infer<typeof ReportSummarySchema>;

export const ReportSchema = z
  .object({
    messages: z.array(ReportMessageSchema),
    skipped: z.array(ReportSkipSchema),
    customers: z.array(ReportCustomerSchema),
    summary: ReportSummarySchema,
  })
  .strict();
export type Report = z.infer<typeof ReportSchema>;

/**
 * The summary of the two lists: totals, messages by channel and skips by reason, with only the
 * keys that occur.
 */
export function summarize(messages: readonly ReportMessage[], skipped: readonly ReportSkip[]): ReportSummary {
  const byChannel: Partial<Record<Channel, number>> = {};
  for (const message of messages) byChannel[message.channel] = (byChannel[message.channel] ?? 0) + 1;
  const byReason: Partial<Record<ReportSkipReason, number>> = {};
  for (const skip of skipped) byReason[skip.reason] = (byReason[skip.reason] ?? 0) + 1;
  return { messages: messages.length, skipped: skipped.length, byChannel, byReason };
}

/**
 * An instant in the report's canonical form: UTC with `Z`, milliseconds only when not zero
 * (`2026-03-02T22:00:00Z`, `2026-03-02T22:00:00.250Z`).
 */
export function formatInstant(instant: Date | string | number): string {
  const iso = new Date(instant).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

/**
 * The order of both lists: by `at` (as an instant), then `customerId`, then `step` — and, so that
 * the order is total, then `journey` and `execution`.
 */
export function compareEntries(
  a: Pick<ReportMessage, 'at' | 'customerId' | 'step' | 'journey' | 'execution'>,
  b: Pick<ReportMessage, 'at' | 'customerId' | 'step' | 'journey' | 'execution'>,
): number {
  return (
    Date.parse(a.at) - Date.parse(b.at) ||
    compareText(a.customerId, b.customerId) ||
    compareText(a.step, b.step) ||
    compareText(a.journey, b.journey) ||
    compareText(a.execution, b.execution)
  );
}

/** Code-unit order, the same on every machine and locale (unlike `localeCompare`). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The report in canonical form: both lists sorted by {@link compareEntries}, customers by id,
 * (ties broken by the rest of the entry, so the order is total), instants in {@link formatInstant} form, the summary's maps with keys in alphabetical order and
 * every object's keys in the schema's order.
 */
export function canonicalReport(report: Report): Report {
  const messages = report.messages
    .map((m) => ({ customerId: m.customerId, journey: m.journey, execution: m.execution, step: m.step, channel: m.channel, topic: m.topic, at: formatInstant(m.at) }))
    .sort(totalOrder);
  const skipped = report.skipped
    .map((s) => ({ customerId: s.customerId, journey: s.journey, execution: s.execution, step: s.step, reason: s.reason, at: formatInstant(s.at) }))
    .sort(totalOrder);
  const customers = report.customers.map((c) => ({ id: c.id, stage: c.stage })).sort((a, b) => compareText(a.id, b.id));
  return {
    messages,
    skipped,
    customers,
    summary: {
      messages: report.summary.messages,
      skipped: report.summary.skipped,
      byChannel: sortedKeys(report.summary.byChannel),
      byReason: sortedKeys(report.summary.byReason),
    },
  };
}

/**
 * The report as stable JSON: {@link canonicalReport}, two-space indent, a trailing newline. The
 * same report always gives the same bytes, whatever order its entries were collected in.
 */
export function serializeReport(report: Report): string {
  return `${JSON.stringify(canonicalReport(report), null, 2)}\n`;
}

/** {@link compareEntries}, then the whole canonical entry, so that even identical-looking keys order one way. */
function totalOrder<T extends ReportMessage | ReportSkip>(a: T, b: T): number {
  return compareEntries(a, b) || compareText(JSON.stringify(a), JSON.stringify(b));
}

function sortedKeys<K extends string>(record: Partial<Record<K, number>>): Partial<Record<K, number>> {
  const sorted: Partial<Record<K, number>> = {};
  for (const key of (Object.keys(record) as K[]).sort(compareText)) sorted[key] = record[key];
  return sorted;
}
