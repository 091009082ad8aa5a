/**
 * What the ingest function does with one valid customer event, in this order:
 *
 * 1. the profile and the attributes' versions are read with one Query; profile fields, preferences
 *    and consents are written through the customer store (a profile is created when the event
 *    brings a time zone; an event older than the stored profile does not overwrite it; only the
 *    fields the event names are written, so a stage a journey set meanwhile stays) and the phone
 *    index follows the profile's number. An SMS grant whose proof names no number is recorded for
 *    the number the event states, else the profile's when that was stated by the grant's time,
 *    else for none the profile can hold (see {@link numberedProof}); an email grant naming no
 *    address, for an address likewise (see {@link addressedProof});
 * 2. the attributes are set with their history, together with `lastEvent.<name>` (its value and
 *    `changedAt` are the event's time) which goals, `eventWithin` conditions and the inactivity
 *    scan read — so any execution resumed or started next already sees the event;
 * 3. executions waiting for this event since before it happened are resumed (task tokens); a wait
 *    that began after the event keeps waiting. A wait whose token is stored only after this query
 *    is resumed by the waitForEvent function itself from `lastEvent.<name>` written in step 2
 *    (see event-wait.ts), so that order matters and costs this path no extra request;
 * 4. journeys whose entry is this event are started, for customers that have a profile, under
 *    the entry key of the event id (see start-journey.ts). An entry with conditions (`when`) is
 *    started only when they hold for the customer as the event left them: the customer's snapshot
 *    is read once for all such entries (one Query, and none when no entry of the event has
 *    conditions), after the writes above and before any entry is claimed, so an event whose
 *    customer does not qualify claims no re-entry and starts nothing (`condition_not_met`).
 *
 * An event for a customer erased in the last 31 days (an EventBridge retry, a replay of the bus's
 * archive) is refused before any write with {@link ErasedCustomerError}: the tombstone the erasure
 * leaves is under the prefix of the first Query, which reads it at no extra request.
 *
 * Every step is idempotent, so EventBridge's at-least-once delivery and Lambda's retries repeat
 * nothing: the profile write is last-write-wins by the event's time, the consent ledger ignores a
 * replayed event, an attribute seen again at the same instant writes nothing, spent tokens are
 * gone, and execution names repeat.
 */
import { ADDRESS_BEFORE_PROFILE_EMAIL } from '../customer/consent-address';
import type { ConsentProof, CustomerSnapshot, Profile } from '../customer/model';
import { conditionInstant, type Condition } from '../journeys/conditions';
import { entryConditionsOf, meetsEntryConditions } from '../journeys/entry';
import { lastEventAttribute } from '../journeys/event-history';
import type { CustomerStore, ProfileRead } from '../store/customer-store';
import { indexProfilePhone, unindexPhone } from '../store/phone-index';
import type { AttributeChangeOutcome } from '../store/records';
import type { ConsentChange, CustomerEvent, ProfileFields } from './customer-event';
import { routesStartedBy, type JourneyRoute } from './journey-routes';
import { resumeWaitingExecutions, type ResumePorts } from './resume-waiting';
import { startJourney, type JourneyStartOutcome, type JourneyStartPorts } from './start-journey';

/** Everything ingest reads and writes through. */
export interface IngestPorts extends JourneyStartPorts, ResumePorts {
  readonly store: CustomerStore;
  /** The deployed journeys (see journey-routes.ts). */
  readonly routes: readonly JourneyRoute[];
}

/**
 * What happened to the profile. `missing`: none exists and the event brings no time zone to create
 * one; `unchanged`: the event names no field, or only values the profile already has; `stale`: the
 * profile was updated by a later event.
 */
export type ProfileOutcome = 'created' | 'updated' | 'stale' | 'unchanged' | 'missing';

/** What ingest did with one event: ids, codes and counts only (safe to log). */
export interface IngestOutcome {
  readonly profile: ProfileOutcome;
  readonly consentsRecorded: number;
  /**
   * SMS grants naming no number that were given before the profile's phone was stated, so for a
   * number it held earlier: recorded for {@link NUMBER_BEFORE_PROFILE_PHONE}, they permit no text
   * to the current number until it is confirmed (YES, START).
   */
  readonly smsGrantsForEarlierNumber: number;
  readonly attributes: AttributeChangeOutcome;
  /** Executions resumed by this event. */
  readonly resumed: readonly { readonly journey: string; readonly execution: string }[];
  /** Waits found spent: timed out, ended, or already resumed by the waitForEvent function. */
  readonly expiredWaits: number;
  /** Waits for this event that began after it happened: they keep waiting for a later one. */
  readonly laterWaits: number;
  /** One entry per journey this event starts (see {@link IngestEntryOutcome}). */
  readonly journeys: readonly { readonly journey: string; readonly execution?: string; readonly outcome: IngestEntryOutcome }[];
}

/**
 * What became of one journey the event enters: a start's outcome (`started`, `already_started`,
 * `not_eligible` for the re-entry rule), or, with nothing claimed or started, `no_profile` when
 * the customer is unknown, `condition_not_met` when a condition of the entry's `when` does not
 * hold for the customer once the event is written.
 */
export type IngestEntryOutcome = JourneyStartOutcome | 'no_profile' | 'condition_not_met';

/**
 * An event for a customer who was erased (see lib/store/erase-customer.ts): it is refused, not
 * written, so that a late event does not bring back the consents and attributes the erasure
 * removed. The ingest function dead-letters it with {@link ERASED_CUSTOMER_REASON}. Ids only.
 */
export class ErasedCustomerError extends Error {
  constructor(
    readonly customerId: string,
    readonly erasedAt: string,
  ) {
    super(`customer ${customerId} was erased at ${erasedAt}: the event is refused, nothing was written`);
    this.name = 'ErasedCustomerError';
  }
}

/** The dead-letter reason of an event refused with {@link ErasedCustomerError}. */
export const ERASED_CUSTOMER_REASON = 'erased_customer';

/** Whether `condition` reads the customer's stage only. */
function isStageCondition(condition: Condition): condition is Extract<Condition, { kind: 'stage' }> {
  return condition.kind === 'stage';
}

/** Ingests one validated customer event (see the module comment for the order of steps). */
export async function ingestCustomerEvent(ports: IngestPorts, event: CustomerEvent): Promise<IngestOutcome> {
  const { customerId, occurredAt } = event;
  // One read for both the profile and the attributes' versions, which setAttributes writes on condition of.
  // The same Query reads an erasure's tombstone: refused before any write, at no extra request.
  const { profile: existing, profileRead, phoneStatedAt, emailStatedAt, erasedAt, attributes: current } = await ports.store.readEventState(customerId);
  // A customer captured again after the erasure has a profile: a new customer (docs/consent.md).
  if (existing === undefined && erasedAt !== undefined) throw new ErasedCustomerError(customerId, erasedAt);
  const { outcome: profile, after } = await writeProfile(ports, existing, profileRead, event);
  if (event.preferences) await ports.store.putPreferences(customerId, event.preferences, { at: occurredAt });

  const numbers = grantNumbers(event, after, existing?.phone === after?.phone ? phoneStatedAt : undefined);
  const addresses = grantAddresses(event, after, existing?.email === after?.email ? emailStatedAt : undefined);
  let consentsRecorded = 0;
  let smsGrantsForEarlierNumber = 0;
  for (const consent of event.consents) {
    const at = consent.at ?? occurredAt;
    const proof = addressedProof(consent, numberedProof(consent, numbers, at), addresses, at);
    if (proof.phone === NUMBER_BEFORE_PROFILE_PHONE && consent.proof.phone === undefined) smsGrantsForEarlierNumber += 1;
    const outcome = await ports.store.recordConsent(customerId, { channel: consent.channel, topic: consent.topic, status: consent.status, at, proof });
    if (outcome.ledger === 'appended') consentsRecorded += 1;
  }

  const attributes = await ports.store.setAttributes(
    customerId,
    { ...event.attributes, [lastEventAttribute(event.name)]: occurredAt },
    { at: occurredAt, touchpoint: event.touchpoint },
    { current },
  );

  const { resumed, expired, later } = await resumeWaitingExecutions(ports, customerId, {
    event: event.name,
    eventId: event.eventId,
    occurredAt,
  });

  // Every outcome but `missing` leaves a profile: among them an update of one that another event
  // created after this one's read (a sign-up and a lead of the same form, ingested at once).
  const hasProfile = profile !== 'missing';
  const journeys: IngestOutcome['journeys'][number][] = [];
  // Read once, and only for an entry with conditions: after this event's writes, as branches read it.
  let snapshot: Promise<CustomerSnapshot | undefined> | undefined;
  for (const route of routesStartedBy(ports.routes, event.name)) {
    if (!hasProfile) {
      journeys.push({ journey: route.journey, outcome: 'no_profile' });
      continue;
    }
    const conditions = entryConditionsOf(route.trigger);
    if (conditions.length > 0 && after !== undefined && conditions.every(isStageCondition)) {
      // On the stage alone (welcome, prospect-nurture): the profile this event left says it, no read needed.
      if (!conditions.every((condition) => condition.in.includes(after.stage))) {
        journeys.push({ journey: route.journey, outcome: 'condition_not_met' });
        continue;
      }
    } else if (conditions.length > 0) {
      const customer = await (snapshot ??= ports.store.getSnapshot(customerId));
      if (customer === undefined) {
        // Erased since the profile was written.
        journeys.push({ journey: route.journey, outcome: 'no_profile' });
        continue;
      }
      if (!meetsEntryConditions(route.trigger, customer, conditionInstant((ports.now ?? (() => new Date()))(), occurredAt))) {
        journeys.push({ journey: route.journey, outcome: 'condition_not_met' });
        continue;
      }
    }
    const start = await startJourney(ports, { route, customerId, entryKey: event.eventId, at: occurredAt });
    journeys.push({ journey: route.journey, execution: start.execution, outcome: start.outcome });
  }

  return {
    profile,
    consentsRecorded,
    smsGrantsForEarlierNumber,
    attributes,
    resumed: resumed.map((task) => ({ journey: task.journey, execution: task.execution })),
    expiredWaits: expired,
    laterWaits: later,
    journeys,
  };
}

/**
 * The number an SMS grant naming none is recorded for when it was given before the profile's
 * phone was stated: the number the customer held then is not kept, so the grant is tied to one no
 * profile can hold (country code 999 is assigned to no country, and every phone coming in must be
 * a valid number: ValidPhoneSchema). The gate then counts it for no number (consent-number.ts):
 * texts to the number the customer got after the grant wait for a YES or START from it, as they do
 * when the events arrive in time order, whereas a grant left without a number would count for
 * any. Its ledger entry says so to whoever reads the proof.
 */
export const NUMBER_BEFORE_PROFILE_PHONE = '+99900000000';

/** The numbers an event's SMS grants that name none may be tied to (see {@link numberedProof}). */
interface GrantNumbers {
  /** The number the event itself states, tied to its grants whatever their time: the same statement. */
  readonly stated?: string;
  /** The number the profile holds, stated by an earlier event, and since when (epoch ms). */
  readonly held?: { readonly phone: string; readonly sinceMs: number };
}

/**
 * The numbers of {@link GrantNumbers}: `phoneStatedAt` is when the profile's phone, as read before
 * the event's writes, was stated, passed only while `after` still holds that number (a number
 * written by another event since the read has no known time, and is tied to no grant).
 */
function grantNumbers(event: CustomerEvent, after: Profile | undefined, phoneStatedAt: string | undefined): GrantNumbers {
  if (event.profile?.phone !== undefined) return { stated: event.profile.phone };
  if (after?.phone === undefined) return {};
  const sinceMs = phoneStatedAt === undefined ? Number.NaN : Date.parse(phoneStatedAt);
  return { held: { phone: after.phone, sinceMs } };
}

/**
 * The proof `consent`, stated at `at`, is recorded with. Consent to texts is consent for one
 * number (lib/customer/consent-number.ts): an SMS grant whose proof names none is given the
 * number the event states, else the number the profile holds when that number was stated at or
 * before the grant, so that a later change of number does not carry it over whatever order the
 * events arrive in. A grant older than the profile's number (events out of order, a late sync
 * carrying an older `at`) was given for a number the customer held before: it is given
 * {@link NUMBER_BEFORE_PROFILE_PHONE}. With no number on the profile, it stays without one. A
 * proof that names a number keeps it, even one the profile does not hold: that is the number the
 * producer says the customer agreed for, and the gate then texts the profile's number only once
 * it is that one. Requests (`pending`) and withdrawals are recorded as sent: a request recorded
 * without a number is confirmed by no YES (sms-double-opt-in.ts), and a withdrawal needs no
 * number to count.
 */
function numberedProof(consent: ConsentChange, numbers: GrantNumbers, at: string): ConsentProof {
  if (consent.channel !== 'sms' || consent.status !== 'granted' || consent.proof.phone !== undefined) return consent.proof;
  if (numbers.stated !== undefined) return { ...consent.proof, phone: numbers.stated };
  if (numbers.held === undefined) return consent.proof;
  // NaN (no known time) compares false: tied to no current number.
  const heldByThen = numbers.held.sinceMs <= Date.parse(at);
  return { ...consent.proof, phone: heldByThen ? numbers.held.phone : NUMBER_BEFORE_PROFILE_PHONE };
}

/** The addresses an event's email grants that name none may be tied to, as {@link GrantNumbers} for numbers. */
interface GrantAddresses {
  readonly stated?: string;
  readonly held?: { readonly email: string; readonly sinceMs: number };
}

/** The addresses of {@link GrantAddresses}, read as {@link grantNumbers} reads numbers. */
function grantAddresses(event: CustomerEvent, after: Profile | undefined, emailStatedAt: string | undefined): GrantAddresses {
  if (event.profile?.email !== undefined) return { stated: event.profile.email };
  if (after?.email === undefined) return {};
  const sinceMs = emailStatedAt === undefined ? Number.NaN : Date.parse(emailStatedAt);
  return { held: { email: after.email, sinceMs } };
}

/**
 * `proof`, of `consent` stated at `at`, with the address an email grant is for. Consent to
 * marketing email is consent for one address (lib/customer/consent-address.ts): an email grant
 * whose proof names none is given the address the event states, else the address the profile
 * holds when that was stated at or before the grant, else {@link ADDRESS_BEFORE_PROFILE_EMAIL}
 * (given for an address the customer held before), as {@link numberedProof} does for numbers.
 * With no address on the profile it stays without one; a proof that names one keeps it.
 */
function addressedProof(consent: ConsentChange, proof: ConsentProof, addresses: GrantAddresses, at: string): ConsentProof {
  if (consent.channel !== 'email' || consent.status !== 'granted' || proof.email !== undefined) return proof;
  if (addresses.stated !== undefined) return { ...proof, email: addresses.stated };
  if (addresses.held === undefined) return proof;
  // NaN (no known time) compares false: tied to no current address.
  const heldByThen = addresses.held.sinceMs <= Date.parse(at);
  return { ...proof, email: heldByThen ? addresses.held.email : ADDRESS_BEFORE_PROFILE_EMAIL };
}

/** What {@link writeProfile} did, and the profile as it stands after it, when there is one. */
interface ProfileWrite {
  readonly outcome: ProfileOutcome;
  readonly after?: Profile;
}

/**
 * Writes the event's profile fields: creates the profile (a new one needs a time zone; its stage
 * defaults to `prospect`, journeys move it on), or sets the fields the event names, each last
 * write wins by the event's time (CustomerStore.updateProfile): a late event's fields land unless
 * a later event or journey set them. `existing`, the profile as read before, spares the write when
 * it shows the event repeated; `read`, the same read as stored, is what the update plans its write
 * on (one transaction for a changed address, no failed write and second read first). The write
 * itself is conditional on the times read and names only the event's fields, so nothing written
 * since the read is lost: the update then reads the profile again. `stale` when every field was
 * set later.
 */
async function writeProfile(ports: IngestPorts, existing: Profile | undefined, read: ProfileRead | undefined, event: CustomerEvent): Promise<ProfileWrite> {
  const fields = definedFields(event.profile ?? {});
  if (existing === undefined) {
    if (fields.timezone === undefined) return { outcome: 'missing' };
    const created: Profile = { stage: 'prospect', ...fields, timezone: fields.timezone, customerId: event.customerId, updatedAt: event.occurredAt };
    if (await ports.store.createProfile(created)) {
      await indexPhone(ports, undefined, created);
      return { outcome: 'created', after: created };
    }
    // Another event created it since the read: this one's fields go over it like any update.
  } else {
    if (Object.keys(fields).length === 0) return { outcome: 'unchanged', after: existing };
    if (Date.parse(existing.updatedAt) === Date.parse(event.occurredAt) && holds(existing, fields)) {
      // The same event again, maybe retried after a run cut short between the profile and the index.
      await indexPhone(ports, undefined, existing);
      return { outcome: 'unchanged', after: existing };
    }
  }
  // No read when the profile was created since it: the read found none.
  const result = await ports.store.updateProfile(event.customerId, fields, event.occurredAt, { read });
  if (result.kind !== 'updated') return { outcome: result.kind, after: existing };
  await indexPhone(ports, result.before, result.after);
  // Equal fields still moved their times on, so that an older event arriving later is stale.
  const written = Object.fromEntries(Object.keys(fields).map((name) => [name, result.after[name as keyof Profile]]));
  return { outcome: holds(result.before, written) ? 'unchanged' : 'updated', after: result.after };
}

/**
 * Inbound SMS (STOP, START) finds the customers holding a number through the phone index: move this
 * customer's entry with the profile (other customers holding either number keep theirs). The new
 * number first, so a run cut short leaves an extra entry (callers check holders against the
 * profile), never a missing one; the old one only while the profile holds another (a later event
 * may have brought it back, and indexed it, since this one's write).
 */
async function indexPhone(ports: IngestPorts, before: Profile | undefined, after: Profile): Promise<void> {
  const phoneIndex = { client: ports.dynamodb, tableName: ports.tableName };
  await indexProfilePhone(phoneIndex, after);
  if (before?.phone !== undefined && before.phone !== after.phone) await unindexPhone(phoneIndex, before.phone, after.customerId);
}

/** Whether `profile` already holds every one of `fields`. */
function holds(profile: Profile, fields: Partial<Profile>): boolean {
  return Object.entries(fields).every(([name, value]) => JSON.stringify(profile[name as keyof Profile]) === JSON.stringify(value));
}

function definedFields(fields: ProfileFields): Partial<Profile> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<Profile>;
}
