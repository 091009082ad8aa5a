/**
 * Schemas of the records the customer store adds to the shared model: consent events with proof,
 * attribute history, send-ledger entries and gate decisions. One zod schema is the validator
 * and the type, as in lib/customer/model.ts.
 */
import * as z from '../schema/zod-mini';
import {
  AttributeValueSchema,
  ChannelSchema,
  ConsentProofSchema,
  ConsentStatusSchema,
  CustomerIdSchema,
  FrequencySchema,
  InstantSchema,
  NonEmptyTextSchema,
  TopicSchema,
  TouchpointSchema,
  type ConsentStatus,
} from '../customer/model';

/** A consent given, withdrawn or requested, with the proof that shows it later. */
export const ConsentEventSchema = z.object({
  channel: ChannelSchema,
  topic: TopicSchema,
  status: ConsentStatusSchema,
  at: InstantSchema,
  proof: ConsentProofSchema,
});
export type ConsentEvent = z.infer<typeof ConsentEventSchema>;

/** One entry of the append-only consent ledger: the event exactly as recorded. */
export const ConsentLedgerEntrySchema = ConsentEventSchema;
export type ConsentLedgerEntry = z.infer<typeof ConsentLedgerEntrySchema>;

/** How `recordConsent` may change the current state, beyond "only forward in time". */
export interface RecordConsentOptions {
  /**
   * Changes the state only from a state with this status, older than the event: the state the
   * caller read and decided on. A double opt-in grant passes `pending`, so that a withdrawal, or
   * a new request, recorded after the confirmation was read is not overridden by it. When the
   * stored state is otherwise (or there is none), nothing is written, not even the ledger entry:
   * the event did not happen.
   * @default - any status: the latest event by time wins
   */
  readonly from?: ConsentStatus;
}

/**
 * What `recordConsent` did: whether the ledger grew and whether the current state changed, or,
 * for a change asked `from` a status, that the status was no longer that one and nothing was written.
 */
export type ConsentRecordOutcome =
  | {
      /** `duplicate`: the same event (channel, topic, at, status, source) was already in the ledger. */
      readonly ledger: 'appended' | 'duplicate';
      /** `unchanged`: the current state is as recent as this event or more. */
      readonly state: 'updated' | 'unchanged';
    }
  | {
      /** The event was not recorded: it was meant to change a status the consent no longer has. */
      readonly ledger: 'not_appended';
      /**
       * The state is not one the event changes `from` (see {@link RecordConsentOptions}): it
       * changed after the caller read it. Read the state again to learn what it is now.
       */
      readonly state: 'changed_since';
    };

/** An attribute name: any text of 1–128 characters (it is URI-encoded inside sort keys). */
export const AttributeNameSchema = z.string().check(z.minLength(1), z.maxLength(128));

/** When and where a set of attribute changes was learnt. */
export const AttributeChangeContextSchema = z.object({
  at: InstantSchema,
  touchpoint: z.optional(TouchpointSchema),
});
export type AttributeChangeContext = z.infer<typeof AttributeChangeContextSchema>;

/** The changes of one `setAttributes` call. */
export const AttributeChangesSchema = z.record(AttributeNameSchema, AttributeValueSchema);

/** One recorded change of an attribute. */
export const AttributeHistoryEntrySchema = z.object({
  name: AttributeNameSchema,
  value: AttributeValueSchema,
  at: InstantSchema,
  touchpoint: z.optional(TouchpointSchema),
  /** The value this change replaced; absent for the first value and for late changes. */
  previous: z.optional(AttributeValueSchema),
  /** False for a change that arrived after a newer one and so never became the current value. */
  applied: z.boolean(),
});
export type AttributeHistoryEntry = z.infer<typeof AttributeHistoryEntrySchema>;

/** What `setAttributes` did with each attribute name. */
export interface AttributeChangeOutcome {
  /** Became the current value (and got a history entry). */
  readonly changed: readonly string[];
  /** Older than the current value: recorded in the history only. */
  readonly late: readonly string[];
  /** Equal to the current value: nothing written. */
  readonly unchanged: readonly string[];
}

/**
 * Send-ledger statuses. `pending`: reserved, provider not known to have accepted; `sent`: the
 * provider accepted; `unknown`: the provider call failed ambiguously (it may have gone out), never
 * resent automatically; `failed`: the provider definitely rejected it, nothing went out.
 */
export const SEND_STATUSES = ['pending', 'sent', 'unknown', 'failed'] as const;
export const SendStatusSchema = z.enum(SEND_STATUSES);
export type SendStatus = z.infer<typeof SendStatusSchema>;

/** Idempotency key of a send, derived by the caller from execution and step (never the attempt). */
export const IdempotencyKeySchema = z.string().check(z.minLength(1), z.maxLength(512));

/** The id the provider gave the accepted message (SES message id, SMS message id, SQS message id). */
export const ProviderMessageIdSchema = z.string().check(z.minLength(1), z.maxLength(1000));

/** A short, personal-data-free description of a provider failure (an error name or code). */
export const SendErrorSchema = z.string().check(z.minLength(1), z.maxLength(1000));

/** What identifies one send, in a reservation and in its ledger entry alike. */
const SendIdentity = {
  customerId: CustomerIdSchema,
  idempotencyKey: IdempotencyKeySchema,
  journey: NonEmptyTextSchema,
  step: NonEmptyTextSchema,
  execution: NonEmptyTextSchema,
  channel: ChannelSchema,
  topic: TopicSchema,
};

/** The request to reserve a send before the provider is called. */
export const ReserveSendRequestSchema = z.object({
  ...SendIdentity,
  /** The send time; the cap's 7-day window and the entry's retention count from it. */
  at: InstantSchema,
  /**
   * The `frequency` of the snapshot the gate decided on. Its `version` is the expected version
   * (0 when no frequency item exists); its `sends` are what the new list is built from, pruned of
   * entries older than 7 days, so the cap item is rewritten in the same transaction without a read.
   */
  expectedFrequency: FrequencySchema,
});
export type ReserveSendRequest = z.infer<typeof ReserveSendRequestSchema>;

/** A send-ledger entry: one per idempotency key, i.e. per (execution, step). */
export const SendEntrySchema = z.object({
  ...SendIdentity,
  status: SendStatusSchema,
  reservedAt: InstantSchema,
  /** Whether the reservation took a slot of the weekly marketing cap. */
  countedInCap: z.boolean(),
  providerMessageId: z.optional(ProviderMessageIdSchema),
  sentAt: z.optional(InstantSchema),
  error: z.optional(SendErrorSchema),
  /** When the entry became `unknown` or `failed`. */
  settledAt: z.optional(InstantSchema),
  /**
   * On a `pending` entry: when its attempt learnt that the provider certainly took nothing
   * (throttled, unreachable, opted out; `error` names why) and could not withdraw the reservation.
   * The next attempt withdraws it and decides again, instead of settling it `unknown`.
   */
  unsentAt: z.optional(InstantSchema),
});
export type SendEntry = z.infer<typeof SendEntrySchema>;

/** Outcome of `reserveSend`. */
export type ReserveSendOutcome =
  /** The entry is `pending` and, for marketing topics, counted in the cap: call the provider. */
  | { readonly kind: 'reserved'; readonly entry: SendEntry }
  /** An entry already exists for the key: return its outcome, never call the provider again. */
  | { readonly kind: 'duplicate'; readonly entry: SendEntry }
  /**
   * The frequency item's version moved since the snapshot: another send took a cap slot, or a
   * consent, suppression or the preferences changed. Re-read the customer and ask the gate again.
   */
  | { readonly kind: 'changed_since' };

export const DECISION_OUTCOMES = ['sent', 'deferred', 'skipped'] as const;

/** What the gate decided for one Send step, kept so operators can ask why. */
export const DecisionRecordSchema = z
  .object({
    execution: NonEmptyTextSchema,
    journey: NonEmptyTextSchema,
    step: NonEmptyTextSchema,
    at: InstantSchema,
    outcome: z.enum(DECISION_OUTCOMES),
    reason: z.optional(NonEmptyTextSchema),
    channel: z.optional(ChannelSchema),
    until: z.optional(InstantSchema),
  })
  .check(
    z.superRefine((decision, context) => {
      if (decision.outcome === 'sent' && decision.channel === undefined) {
        context.addIssue({ code: 'custom', path: ['channel'], message: 'is required when outcome is "sent"' });
      }
      if (decision.outcome === 'deferred' && decision.until === undefined) {
        context.addIssue({ code: 'custom', path: ['until'], message: 'is required when outcome is "deferred"' });
      }
      if (decision.outcome === 'skipped' && decision.reason === undefined) {
        context.addIssue({ code: 'custom', path: ['reason'], message: 'is required when outcome is "skipped"' });
      }
    }),
  );
export type DecisionRecord = z.infer<typeof DecisionRecordSchema>;
