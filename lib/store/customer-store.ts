/**
 * The customer store: everything the send path needs ({@link DeliveryStore}) and the rest of a
 * customer's records: profile, preferences, suppressions, attributes with their history, imports,
 * and the consent ledger and decisions read back for export and `overture why`. One DynamoDB
 * table (layout in table-design.ts); every record is validated on write and on read.
 */
import { BatchWriteItemCommand, ConditionalCheckFailedException, GetItemCommand, UpdateItemCommand, type Put, type Update } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  AttributeStateSchema,
  InstantSchema,
  type LifecycleStage,
  PreferencesSchema,
  ProfileSchema,
  SuppressionSchema,
  type AttributeState,
  type AttributeValue,
  type Preferences,
  type Profile,
  type Suppression,
} from '../customer/model';
import * as z from '../schema/zod-mini';
import { DeliveryStore, OPTIMISTIC_ATTEMPTS, setFields, validCustomerId, type Item } from './delivery-store';
import { CustomerStoreError, InvalidRecordError, StoreContentionError } from './errors';
import { digest, instantKey, itemKeys, lapseIndexKeys } from './item-keys';
import { changesSendFields, sendFieldsUnchanged, stageNotSetBack, stageReplaces } from './profile-conditions';
import { parseRecord } from './record-validation';
import { assembleRecords, type CustomerRecords } from './snapshot-assembly';
import {
  AttributeChangeContextSchema,
  AttributeChangesSchema,
  AttributeHistoryEntrySchema,
  AttributeNameSchema,
  ConsentEventSchema,
  ConsentLedgerEntrySchema,
  DecisionRecordSchema,
  type AttributeChangeContext,
  type AttributeChangeOutcome,
  type AttributeHistoryEntry,
  type ConsentEvent,
  type ConsentLedgerEntry,
  type DecisionRecord,
} from './records';
import { PARTITION_KEY, SORT_KEY, SORT_KEY_PREFIXES, UPDATED_AT_KEY, profileFieldAtKey } from './table-design';
import { ERASURE_TOMBSTONE_SORT_KEY } from './erase-customer';
import { conditionFailedAt, transactWrite } from './transact-write';

export type { CustomerStoreOptions } from './delivery-store';

/** A transaction holds at most 100 actions; an attribute change takes two. */
export const MAX_ATTRIBUTE_CHANGES = 50;

/** An attribute's current state as setAttributes reads it, with what its conditional writes need. */
type CurrentAttribute = { state: AttributeState; revision: number; order: string };

/**
 * The current states of a customer's attributes with the versions setAttributes writes on
 * condition of, as {@link CustomerStore.readEventState} read them.
 */
export type AttributeVersions = ReadonlyMap<string, CurrentAttribute>;

/**
 * The profile as a read found it, each field's time included: what
 * {@link CustomerStore.updateProfile} plans its first write on when given one
 * ({@link UpdateProfileOptions.read}). Pass it on as {@link CustomerStore.readEventState} gave it.
 */
export interface ProfileRead {
  /** The profile's stored item. */
  readonly item: Item;
}

/** What ingest reads before it writes an event: the profile, if any, and the attributes' versions. */
export interface EventState {
  readonly profile?: Profile;
  /** The profile as read, for updateProfile (see {@link ProfileRead}); absent when there is no profile. */
  readonly profileRead?: ProfileRead;
  /**
   * When the profile's phone was last stated (UTC), so that ingest ties an SMS grant only to a
   * number the profile held by the grant's time; absent when the profile holds no phone.
   */
  readonly phoneStatedAt?: string;
  /** When the profile's email was last stated (UTC), for email grants as `phoneStatedAt` is for SMS ones. */
  readonly emailStatedAt?: string;
  /** When the customer was erased, from the tombstone an erasure leaves (erase-customer.ts); absent otherwise. */
  readonly erasedAt?: string;
  readonly attributes: AttributeVersions;
}

/** Options of {@link CustomerStore.setAttributes}. */
export interface SetAttributesOptions {
  /**
   * The attributes' versions as read just before (see readEventState), so the first attempt need
   * not read them again. Stale versions cost a retry, not a wrong write: every write is conditional
   * on the version it replaces. @default - read by setAttributes
   */
  readonly current?: AttributeVersions;
}

/** The writes of one setAttributes pass (see planAttributeChanges). */
interface AttributePlan {
  /** Each write; a state write carries the attribute's state once it is applied. */
  readonly actions: Array<{ role: 'state' | 'history'; put: Put; next?: { name: string; current: CurrentAttribute } }>;
  readonly changed: string[];
  readonly late: string[];
  readonly unchanged: string[];
}

/** Most items of one BatchWriteItem request. */
const BATCH_WRITE_LIMIT = 25;

/**
 * A customer as an import brings it (see {@link CustomerStore.importCustomer}): the profile and
 * what putPreferences, recordConsent, addSuppression and setAttributes would be called with.
 */
export interface CustomerImport {
  readonly profile: Profile;
  readonly preferences?: Preferences;
  /** In the order they would be recorded. */
  readonly consents?: readonly ConsentEvent[];
  readonly suppressions?: readonly Suppression[];
  /** Attribute changes, one group per setAttributes call, in order. */
  readonly attributes?: readonly { readonly changes: Record<string, AttributeValue>; readonly context: AttributeChangeContext }[];
}

/** A customer as a first contact brings it (see {@link CustomerStore.createCustomer}). */
export interface NewCustomer {
  readonly profile: Profile;
  /** Stated at `profile.updatedAt`, as putPreferences with that `at`. */
  readonly preferences: Preferences;
  /** At most one per channel and topic: a transaction writes each item once. */
  readonly consents: readonly ConsentEvent[];
}

/**
 * Most consent events {@link CustomerStore.createCustomer} takes: each is two of a transaction's
 * 100 actions (ledger entry and state), beside the profile, the preferences and the frequency item.
 */
export const MAX_NEW_CUSTOMER_CONSENTS = 48;

/** The profile fields {@link CustomerStore.updateProfile} may set; the others stay as they are. */
// Marked pure so that bundles which never update a profile (journey-effects', feedback's) leave it out.
const ProfileUpdateSchema = /* @__PURE__ */ z.partial(/* @__PURE__ */ z.omit(ProfileSchema, { customerId: true, updatedAt: true }));
export type ProfileUpdate = z.infer<typeof ProfileUpdateSchema>;

/** The profile's fields, each with its own time (see profileFieldAtKey). */
const PROFILE_FIELDS = /* @__PURE__ */ Object.keys(ProfileSchema.shape).filter((field) => field !== 'customerId' && field !== 'updatedAt');

/** What {@link CustomerStore.updateProfile} did. */
export type ProfileUpdateOutcome =
  | { readonly kind: 'updated'; readonly before: Profile; readonly after: Profile }
  /** The stored profile was updated later than the update's instant: nothing written. */
  | { readonly kind: 'stale' }
  /** There is no profile: nothing written. */
  | { readonly kind: 'missing' };

/**
 * The condition that the instant attribute `name` (an expression name, e.g. `#key`) is absent or
 * no later than `value` (an expression value): a write stated at `value` is not older than it.
 * An item written before the attribute existed has none; its first such write is ordered by arrival.
 */
function noLaterThan(name: string, value: string): string {
  return `(attribute_not_exists(${name}) OR ${name} <= ${value})`;
}

/**
 * When the profile `item`'s `field` was last stated, as a UTC instant: its own time, else (a
 * field written before fields had one) the profile's; undefined when the field was never set, or
 * when the profile has no time either.
 */
function fieldStatedAt(item: Item, field: string): string | undefined {
  const own = item[profileFieldAtKey(field)]?.S;
  if (own !== undefined || item[field] === undefined) return own;
  return item[UPDATED_AT_KEY]?.S;
}

/**
 * Whether the profile `item` takes `value` for `field`, stated at `stated` (an instant key): the
 * field was never stated or stated earlier, or at the same instant, unless the value is a stage
 * that would set the customer back (see stageReplaces).
 */
function isNews(item: Item, field: string, value: unknown, stated: string): boolean {
  const own = fieldStatedAt(item, field);
  if (own === undefined || own < stated) return true;
  if (own > stated) return false;
  const stored = item[field]?.S;
  return field !== 'stage' || stored === undefined || stageReplaces(value as LifecycleStage, stored as LifecycleStage);
}

/**
 * What a conditional profile write requires of each field it sets: that the field was stated no
 * later than the write (`no_later`; a stage at the same instant, that it does not set the customer
 * back), or that its time is still the one in `read` (`as_read`, for a write decided on a read of
 * the item: every write moves the time of each field it sets), or that every field's time and the
 * profile's are still those in `read` (`pinned`, for a write that changes a field a send depends
 * on: it goes in a transaction, which hands back no old item, so the read is the profile before).
 * All are flat on purpose: the local emulator's expression parser takes time exponential in the
 * depth of nested parentheses (21 ms a request for a three-deep condition, against 1.4 ms).
 */
type FieldCondition = { readonly kind: 'no_later' } | { readonly kind: 'as_read' | 'pinned'; readonly read: Item };

/** Options of {@link CustomerStore.updateProfile}. */
export interface UpdateProfileOptions {
  /**
   * The profile as the caller read it just before (readEventState's `profileRead`), so that the
   * first write is planned on it instead of on the guess that the update is the profile's latest
   * statement and changes no send field: a change of time zone, email, phone or address then
   * costs its transaction alone, not a failed write and a read first. The write is conditioned on
   * the times read, so a profile changed since costs a read and a write again, never a lost change.
   * @default - none: the first write is that guess
   */
  readonly read?: ProfileRead;
}

/** One conditional profile write of {@link CustomerStore.updateProfile}. */
interface ProfilePlan {
  readonly fields: ProfileUpdate;
  /** The profile's new time, when the write is its latest statement. */
  readonly updatedAt?: string;
  readonly condition: FieldCondition;
}

/**
 * The write of `fields`, stated at `updatedAt` (its key `stated`), over the profile `item` as read:
 * only the fields that are news there (see isNews), with the profile's time when the update
 * restates it, conditioned on the times read (every one when it changes a send field, so it can
 * move the frequency version in the same transaction); `stale` when no field is news.
 */
function profilePlanOn(item: Item, fields: ProfileUpdate, stated: string, updatedAt: string): ProfilePlan | 'stale' {
  const news = Object.entries(fields).filter(([field, value]) => isNews(item, field, value, stated));
  if (news.length === 0) return 'stale';
  const fieldsNow = Object.fromEntries(news) as ProfileUpdate;
  const restates = (item[UPDATED_AT_KEY]?.S ?? stated) <= stated;
  const time = restates ? { updatedAt } : {};
  if (changesSendFields(item, fieldsNow)) return { fields: fieldsNow, ...time, condition: { kind: 'pinned', read: item } };
  return { fields: fieldsNow, ...time, condition: restates ? { kind: 'no_later' } : { kind: 'as_read', read: item } };
}

/** Reads and writes one customer's records; see the module comment. */
export class CustomerStore extends DeliveryStore {
  /**
   * Creates or replaces the profile (last write wins). A replacement that changes a field a send
   * depends on (SEND_PROFILE_FIELDS) moves the frequency version in the same transaction, as a
   * permission change does, so a send decided on the old profile decides again; any other write
   * is one conditional PutItem.
   */
  async putProfile(profile: Profile): Promise<void> {
    const valid = parseRecord(ProfileSchema, profile, 'profile');
    const what = `write profile of customer ${valid.customerId}`;
    await this.guard(what, async () => {
      const item = this.profileItem(valid);
      const same = sendFieldsUnchanged(valid, { absentToo: true });
      const unchanged = await this.putIf({
        TableName: this.tableName,
        Item: item,
        // No profile yet: no send can be in flight (the send path stops at a customer without one).
        ConditionExpression: `attribute_not_exists(#pk) OR (${same.conditions.join(' AND ')})`,
        ExpressionAttributeNames: { '#pk': PARTITION_KEY, ...same.names },
        ExpressionAttributeValues: same.values,
      });
      if (!unchanged) await this.putChangingPermission(valid.customerId, { TableName: this.tableName, Item: item }, what);
    });
  }

  /** The profile, with one strongly consistent GetItem; undefined when the customer has none. */
  async getProfile(customerId: string): Promise<Profile | undefined> {
    const id = validCustomerId(customerId);
    return this.guard(`read profile of customer ${id}`, async () => {
      const { Item } = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: this.key(id, itemKeys.profile()), ConsistentRead: true }));
      return Item === undefined ? undefined : this.parseStored(ProfileSchema, Item, 'profile', id);
    });
  }

  /** Creates the profile if the customer has none; false (nothing written) when one exists. */
  async createProfile(profile: Profile): Promise<boolean> {
    const valid = parseRecord(ProfileSchema, profile, 'profile');
    return this.guard(`create profile of customer ${valid.customerId}`, () =>
      this.putIf({
        TableName: this.tableName,
        Item: this.profileItem(valid),
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': PARTITION_KEY },
      }),
    );
  }

  /**
   * Creates a customer from a first contact in ONE TransactWriteItems: the profile, its
   * preferences and each consent event (ledger entry and state), so that a write cut short
   * (throttled, a Lambda timeout) leaves all of it or nothing, and a retry finds either the whole
   * customer or none. Every put is conditioned on its item being absent: a first contact creates a
   * customer the store holds none of these records of, and never writes over another writer's
   * (an ingested consent event or preferences, kept before any profile: a CRM's consent sync
   * ahead of the sign-up). False (nothing written) when the customer has a profile, preferences,
   * or the state or ledger entry of one of the consents already.
   * @throws InvalidRecordError for more than {@link MAX_NEW_CUSTOMER_CONSENTS} consent events.
   */
  async createCustomer(customer: NewCustomer): Promise<boolean> {
    const profile = parseRecord(ProfileSchema, customer.profile, 'profile');
    const id = validCustomerId(profile.customerId);
    const preferences = parseRecord(PreferencesSchema, customer.preferences, 'preferences');
    const consents = customer.consents.map((event) => parseRecord(ConsentEventSchema, event, 'consent'));
    if (consents.length > MAX_NEW_CUSTOMER_CONSENTS) {
      throw new InvalidRecordError([{ path: 'consents', message: `must hold at most ${MAX_NEW_CUSTOMER_CONSENTS} events` }]);
    }
    // Each item only where none is: whatever another writer put there first stays as it is.
    const ifAbsent = (item: Put['Item']): Put => ({
      TableName: this.tableName,
      Item: item,
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': PARTITION_KEY },
    });
    const puts: Put[] = [
      ifAbsent(this.profileItem(profile)),
      ifAbsent(this.preferencesPut(id, preferences, instantKey(profile.updatedAt)).Item),
      ...consents.flatMap((event) => {
        const { ledgerPut, statePut } = this.consentPuts(id, event);
        return [ifAbsent(ledgerPut.Item), ifAbsent(statePut.Item)];
      }),
    ];
    const what = `create customer ${id}`;
    return this.guard(what, async () => {
      const result = await transactWrite(this.client, [...puts.map((put) => ({ Put: put })), this.permissionChange(id)], what, this.pause);
      if (result.committed) return true;
      if (puts.some((_, index) => conditionFailedAt(result, index))) return false;
      throw new StoreContentionError(`${what}: the transaction was cancelled for no record's condition`);
    });
  }

  /**
   * Sets `fields` on the profile, each last-write-wins by the time of the event that brought it,
   * `at`, in whatever order events arrive: a field stated later than `at` (its own time, see
   * table-design.ts) is kept, and the others are written. The profile's `updatedAt` moves to `at`
   * only when `at` is its latest statement. Only the named fields are written, so what others
   * wrote since the caller read the profile stays (a stage a journey set, say). `stale` when every
   * field is kept. A stage stated at the same instant as the stored one is kept only when it does
   * not set the customer back (see setStage). In order, the usual case, this is one conditional
   * write; an event older than the profile costs a read and, when some of its fields are still
   * news, a second write. A write that changes a field a send is decided or addressed on (time
   * zone, email, phone, postal address: SEND_PROFILE_FIELDS) moves the frequency version in the
   * same transaction, as a permission change does, so a send decided on the profile before it
   * gets `changed_since` at its reservation and decides again; it costs the read and a
   * transaction. A write that restates such a field as it is stays one conditional write. Given
   * the profile as the caller read it (`options.read`), the first write is planned on that read:
   * the transaction alone for such a change, and no write at all when every field was stated later.
   */
  async updateProfile(customerId: string, fields: ProfileUpdate, at: string, options: UpdateProfileOptions = {}): Promise<ProfileUpdateOutcome> {
    const id = validCustomerId(customerId);
    const valid = Object.fromEntries(
      Object.entries(parseRecord(ProfileUpdateSchema, fields, 'profile')).filter(([, value]) => value !== undefined),
    ) as ProfileUpdate;
    const updatedAt = parseRecord(InstantSchema, at, 'updatedAt');
    const stated = instantKey(updatedAt);
    const key = this.key(id, itemKeys.profile());
    const what = `update profile of customer ${id}`;
    return this.guard(what, async () => {
      // On the caller's read when given one. Else first as the latest statement of the profile: no
      // read, since events mostly come in order. A field stored without its own time is then judged
      // by the profile's (`updatedAtKey`). Its send fields must be as they are, or it fails and the
      // read below decides. A field's time only moves on, so `stale` on an earlier read stands.
      const first = options.read === undefined ? { fields: valid, updatedAt, condition: { kind: 'no_later' } as const } : profilePlanOn(options.read.item, valid, stated, updatedAt);
      if (first === 'stale') return { kind: 'stale' };
      let plan: ProfilePlan = first;
      for (let attempt = 1; attempt <= OPTIMISTIC_ATTEMPTS; attempt += 1) {
        const before = await this.applyProfilePlan(key, id, plan, stated, what);
        if (before !== undefined) return { kind: 'updated', before, after: { ...before, ...plan.fields, ...(plan.updatedAt === undefined ? {} : { updatedAt }) } };
        const { Item } = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
        if (Item === undefined) return { kind: 'missing' };
        const next = profilePlanOn(Item, valid, stated, updatedAt);
        if (next === 'stale') return { kind: 'stale' };
        plan = next;
      }
      throw new StoreContentionError(`${what}: concurrent writers kept winning`);
    });
  }

  /**
   * Writes `plan`: with the frequency version moved on in the same transaction when its condition
   * is `pinned` (it changes a send field), else as one UpdateItem. The profile as it was before;
   * undefined when the condition failed and nothing was written.
   */
  private async applyProfilePlan(key: Item, id: string, plan: ProfilePlan, stated: string, what: string): Promise<Profile | undefined> {
    const { condition } = plan;
    if (condition.kind !== 'pinned') return this.updateProfileIf(key, id, plan.fields, stated, plan.updatedAt, condition);
    const update = this.profileUpdate(key, plan.fields, stated, plan.updatedAt, condition);
    const result = await transactWrite(this.client, [{ Update: update }, this.permissionChange(id)], what, this.pause);
    return result.committed ? this.parseStored(ProfileSchema, condition.read, 'profile', id) : undefined;
  }

  /**
   * Sets `fields` as {@link profileUpdate} writes them, as one UpdateItem: the profile as it was
   * before; undefined when the condition failed and nothing was written.
   */
  private async updateProfileIf(
    key: Item,
    id: string,
    fields: ProfileUpdate,
    stated: string,
    updatedAt: string | undefined,
    condition: FieldCondition,
  ): Promise<Profile | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateItemCommand({ ...this.profileUpdate(key, fields, stated, updatedAt, condition), ReturnValues: 'ALL_OLD' }),
      );
      return this.parseStored(ProfileSchema, Attributes ?? {}, 'profile', id);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /**
   * The update that sets `fields` (each with its own time, `stated`) and, given `updatedAt`, the
   * profile's time, on condition that the profile exists, that `updatedAt`, if given, is no older
   * than the profile's, and that each field meets `condition`. Unless `pinned` (a write that goes
   * with a permission change), also on condition that each send field it sets already holds its
   * value: such a write changes nothing a send in flight was decided on.
   */
  private profileUpdate(key: Item, fields: ProfileUpdate, stated: string, updatedAt: string | undefined, condition: FieldCondition): Update {
    const names: Record<string, string> = { '#pk': PARTITION_KEY };
    // `:key` only where a condition compares with it: DynamoDB refuses unused values.
    const values: Item = updatedAt !== undefined || condition.kind === 'no_later' ? { ':key': { S: stated } } : {};
    const conditions = ['attribute_exists(#pk)'];
    if (updatedAt !== undefined) {
      names['#key'] = UPDATED_AT_KEY;
      conditions.push(noLaterThan('#key', ':key'));
    }
    const also = (parts: { conditions: string[]; names: Record<string, string>; values: Item }): void => {
      conditions.push(...parts.conditions);
      Object.assign(names, parts.names);
      Object.assign(values, parts.values);
    };
    if (condition.kind === 'no_later') {
      Object.keys(fields).forEach((field, index) => {
        const at = `#at${index}`;
        names[at] = profileFieldAtKey(field);
        conditions.push(noLaterThan(at, ':key'));
        if (field === 'stage' && fields.stage !== undefined) also(stageNotSetBack(at, fields.stage));
      });
    } else {
      // as_read: the times of the fields it sets; pinned: every field's and the profile's.
      const times = condition.kind === 'as_read' ? Object.keys(fields).map(profileFieldAtKey) : [...PROFILE_FIELDS.map(profileFieldAtKey), UPDATED_AT_KEY];
      times.forEach((time, index) => {
        const at = `#at${index}`;
        names[at] = time;
        const read = condition.read[time];
        if (read === undefined) conditions.push(`attribute_not_exists(${at})`);
        else {
          values[`:read${index}`] = read;
          conditions.push(`${at} = :read${index}`);
        }
      });
    }
    if (condition.kind !== 'pinned') also(sendFieldsUnchanged(fields));
    const times = Object.fromEntries(Object.keys(fields).map((field) => [profileFieldAtKey(field), stated]));
    const set = setFields({ ...fields, ...times, ...(updatedAt === undefined ? {} : { updatedAt, [UPDATED_AT_KEY]: stated }) });
    return {
      TableName: this.tableName,
      Key: key,
      UpdateExpression: set.expression,
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeNames: { ...names, ...set.names },
      ExpressionAttributeValues: { ...values, ...set.values },
    };
  }

  /**
   * Sets the profile's stage as of `at`, leaving every other field and `updatedAt` as they are
   * (a stage change is not an event restating the profile), unless a stage set later is on file,
   * or one set at the same instant that `stage` would set the customer back from (`active` over
   * `new_customer`: two journeys' goals on one order; see stagesYieldingTo), whichever arrived
   * first: `kept_later`, nothing written. `missing` when there is no profile.
   */
  async setStage(customerId: string, stage: LifecycleStage, at: string): Promise<'set' | 'kept_later' | 'missing'> {
    const id = validCustomerId(customerId);
    const stated = instantKey(parseRecord(InstantSchema, at, 'at'));
    const key = this.key(id, itemKeys.profile());
    return this.guard(`set stage of customer ${id}`, async () => {
      if ((await this.updateProfileIf(key, id, { stage }, stated, undefined, { kind: 'no_later' })) !== undefined) return 'set';
      const { Item } = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
      return Item === undefined ? 'missing' : 'kept_later';
    });
  }

  /**
   * Creates or replaces the preferences. Given `at` (when the customer stated them), last write
   * wins by that time: preferences stated later are kept (`stale`, nothing written), in whatever
   * order the writes arrive. Without it, last write wins by arrival (an import).
   */
  async putPreferences(customerId: string, preferences: Preferences, options: { at?: string } = {}): Promise<'written' | 'stale'> {
    const id = validCustomerId(customerId);
    const valid = parseRecord(PreferencesSchema, preferences, 'preferences');
    const what = `write preferences of customer ${id}`;
    if (options.at === undefined) {
      await this.guard(what, () =>
        this.putChangingPermission(id, { TableName: this.tableName, Item: this.item(id, itemKeys.preferences(), 'preferences', valid) }, what),
      );
      return 'written';
    }
    const key = instantKey(parseRecord(InstantSchema, options.at, 'at'));
    const written = await this.guard(what, () =>
      this.putChangingPermission(
        id,
        this.preferencesPut(id, valid, key),
        what,
      ),
    );
    return written ? 'written' : 'stale';
  }

  /**
   * Suppresses a channel. Idempotent per channel: the earliest `at` is kept, since a suppression
   * blocks its channel from its `at` on. Returns `kept_earlier` when one as early or earlier exists.
   */
  async addSuppression(customerId: string, suppression: Suppression): Promise<'added' | 'kept_earlier'> {
    const id = validCustomerId(customerId);
    const valid = parseRecord(SuppressionSchema, suppression, 'suppression');
    const what = `suppress ${valid.channel} of customer ${id}`;
    return this.guard(what, async () => {
      const written = await this.putChangingPermission(
        id,
        {
          TableName: this.tableName,
          Item: this.suppressionItem(id, valid),
          ConditionExpression: 'attribute_not_exists(#pk) OR #atKey > :atKey',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#atKey': 'atKey' },
          ExpressionAttributeValues: { ':atKey': { S: instantKey(valid.at) } },
        },
        what,
      );
      return written ? 'added' : 'kept_earlier';
    });
  }

  /**
   * Writes a customer that has no records yet (an import into an empty table; the simulator's
   * customers at the start of a scenario) with BatchWriteItem: item for item the records that
   * putProfile, putPreferences, recordConsent (each consent in order), addSuppression (each in
   * order) and setAttributes (each group in order) leave on an empty partition, in one request
   * per 25 records instead of one or two requests per record. Every record is validated as those
   * methods validate it. Nothing checks that the customer is new: an existing one's records with
   * the same keys are overwritten, so this is not for customers that may already exist. The one
   * item left out is the frequency item those methods create by moving its version (so that sends
   * in flight decide again): a new customer has no send in flight, and no item is version 0.
   */
  async importCustomer(customer: CustomerImport): Promise<void> {
    const profile = parseRecord(ProfileSchema, customer.profile, 'profile');
    const id = validCustomerId(profile.customerId);
    const items = new Map<string, Item>();
    const put = (item: Item): void => {
      const key = item[SORT_KEY]?.S;
      if (key === undefined) throw new CustomerStoreError(`import of customer ${id}: a record has no sort key`);
      items.set(key, item);
    };
    put(this.profileItem(profile));
    if (customer.preferences !== undefined) {
      put(this.item(id, itemKeys.preferences(), 'preferences', parseRecord(PreferencesSchema, customer.preferences, 'preferences')));
    }
    // recordConsent: a ledger entry once per event; the state when it is the latest (strictly) so far.
    const consentOrders = new Map<string, string>();
    for (const event of customer.consents ?? []) {
      const { ledger, state, order } = this.consentItems(id, parseRecord(ConsentEventSchema, event, 'consent'));
      const ledgerKey = ledger[SORT_KEY]?.S ?? '';
      if (!items.has(ledgerKey)) put(ledger);
      const stateKey = state[SORT_KEY]?.S ?? '';
      const current = consentOrders.get(stateKey);
      if (current === undefined || current < order) {
        consentOrders.set(stateKey, order);
        put(state);
      }
    }
    // addSuppression: the earliest `at` per channel stays.
    const suppressedAt = new Map<string, string>();
    for (const suppression of customer.suppressions ?? []) {
      const valid = parseRecord(SuppressionSchema, suppression, 'suppression');
      const item = this.suppressionItem(id, valid);
      const key = item[SORT_KEY]?.S ?? '';
      const earlier = suppressedAt.get(key);
      if (earlier === undefined || earlier > instantKey(valid.at)) {
        suppressedAt.set(key, instantKey(valid.at));
        put(item);
      }
    }
    // setAttributes: each group planned over the states the earlier groups left.
    const attributes = new Map<string, CurrentAttribute>();
    const recorded = new Set<string>();
    for (const group of customer.attributes ?? []) {
      const changes = parseRecord(AttributeChangesSchema, group.changes, 'attributes');
      const context = parseRecord(AttributeChangeContextSchema, group.context, 'context');
      for (const action of this.planAttributeChanges(id, attributes, changes, context, recorded).actions) {
        const item = action.put.Item ?? {};
        const key = item[SORT_KEY]?.S ?? '';
        if (action.role === 'history') recorded.add(key);
        if (action.next !== undefined) attributes.set(action.next.name, action.next.current);
        put(item);
      }
    }
    await this.guard(`import customer ${id}`, () => this.batchPut(id, [...items.values()]));
  }

  /**
   * The customer's `STATE#` records whether or not a profile exists, with getSnapshot's one Query:
   * for the consent export, which must show what ingest kept of a customer before their profile.
   */
  async customerRecords(customerId: string): Promise<CustomerRecords> {
    const id = validCustomerId(customerId);
    return this.guard(`read records of customer ${id}`, async () => assembleRecords(id, await this.queryPrefix(id, SORT_KEY_PREFIXES.state)));
  }

  /** The consent ledger in time order (for data-subject export and proof of consent). */
  async consentLedger(customerId: string): Promise<ConsentLedgerEntry[]> {
    const id = validCustomerId(customerId);
    return this.guard(`read consent ledger of customer ${id}`, async () =>
      (await this.queryPrefix(id, SORT_KEY_PREFIXES.consentLedger)).map((item) =>
        this.parseStored(ConsentLedgerEntrySchema, item, 'consent', id),
      ),
    );
  }

  /**
   * Sets attributes, keeping for each the previous value, when and where it changed, and a
   * history entry per change. A change older than the current value goes to the history only
   * (`late`). An unchanged value writes no history; seen later than the current state, it moves
   * the state's instant forward (so that an older change arriving after it is late), else it
   * writes nothing. At most MAX_ATTRIBUTE_CHANGES names per call; the current values are read
   * once (or taken from `options.current`) and each write is conditional on them, in one
   * transaction.
   */
  async setAttributes(
    customerId: string,
    changes: Record<string, AttributeValue>,
    context: AttributeChangeContext,
    options: SetAttributesOptions = {},
  ): Promise<AttributeChangeOutcome> {
    const id = validCustomerId(customerId);
    const validChanges = parseRecord(AttributeChangesSchema, changes, 'attributes');
    const { at, touchpoint } = parseRecord(AttributeChangeContextSchema, context, 'context');
    const names = Object.keys(validChanges);
    if (names.length > MAX_ATTRIBUTE_CHANGES) {
      throw new InvalidRecordError([{ path: 'attributes', message: `must hold at most ${MAX_ATTRIBUTE_CHANGES} changes per call` }]);
    }
    const what = `set attributes of customer ${id}`;
    return this.guard(what, async () => {
      const recorded = new Set<string>();
      for (let attempt = 1; attempt <= OPTIMISTIC_ATTEMPTS; attempt += 1) {
        const current = attempt === 1 && options.current !== undefined ? options.current : await this.currentAttributes(id);
        const { actions, changed, late, unchanged } = this.planAttributeChanges(id, current, validChanges, { at, touchpoint }, recorded);
        if (actions.length === 0) return { changed, late, unchanged };
        const result = await transactWrite(
          this.client,
          actions.map(({ put }) => ({ Put: put })),
          what,
          this.pause,
        );
        if (result.committed) return { changed, late, unchanged };
        // A failed history condition means that change is already recorded: leave it out and
        // retry. A failed state condition means a concurrent writer won: re-read and recompute.
        actions.forEach((action, index) => {
          const key = action.put.Item?.[SORT_KEY]?.S;
          if (action.role === 'history' && conditionFailedAt(result, index) && key !== undefined) recorded.add(key);
        });
        await this.backOff(attempt);
      }
      throw new StoreContentionError(`${what}: concurrent writers kept winning`);
    });
  }

  /** The recorded changes of one attribute in time order. */
  async attributeHistory(customerId: string, name: string): Promise<AttributeHistoryEntry[]> {
    const id = validCustomerId(customerId);
    const validName = parseRecord(AttributeNameSchema, name, 'name');
    return this.guard(`read attribute history of customer ${id}`, async () => {
      const items = await this.queryPrefix(id, itemKeys.attributeHistoryPrefix(validName));
      return items.map((item) => this.parseStored(AttributeHistoryEntrySchema, item, 'attributeHistory', id));
    });
  }

  /** The gate decisions recorded for the customer in time order (for `overture why CUSTOMER`). */
  async decisions(customerId: string): Promise<DecisionRecord[]> {
    const id = validCustomerId(customerId);
    return this.guard(`read decisions of customer ${id}`, async () =>
      (await this.queryPrefix(id, SORT_KEY_PREFIXES.decision)).map((item) =>
        this.parseStored(DecisionRecordSchema, item, 'decision', id),
      ),
    );
  }

  // --- internals -------------------------------------------------------------------------------

  /**
   * The put of preferences stated at `key` (an instant key), on condition that the preferences
   * there were stated no later: last write wins by when the customer stated them.
   */
  private preferencesPut(id: string, preferences: Preferences, key: string): Put {
    return {
      TableName: this.tableName,
      Item: this.item(id, itemKeys.preferences(), 'preferences', { ...preferences, [UPDATED_AT_KEY]: key }),
      ConditionExpression: noLaterThan('#key', ':key'),
      ExpressionAttributeNames: { '#key': UPDATED_AT_KEY },
      ExpressionAttributeValues: { ':key': { S: key } },
    };
  }

  private suppressionItem(id: string, suppression: Suppression): Item {
    return this.item(id, itemKeys.suppression(suppression.channel), 'suppression', { ...suppression, atKey: instantKey(suppression.at) });
  }

  /**
   * The writes that apply `changes` over the `current` states (see setAttributes): a history
   * entry per change not `recorded` yet, and the new state of each change that is not late, each
   * on condition that the state it replaces is still there.
   */
  private planAttributeChanges(
    id: string,
    current: ReadonlyMap<string, CurrentAttribute>,
    changes: Record<string, AttributeValue>,
    { at, touchpoint }: AttributeChangeContext,
    recorded: ReadonlySet<string>,
  ): AttributePlan {
    const changed: string[] = [];
    const late: string[] = [];
    const unchanged: string[] = [];
    const actions: AttributePlan['actions'] = [];
    for (const name of Object.keys(changes)) {
      const value = changes[name] ?? null;
      const existing = current.get(name);
      const valueDigest = digest(JSON.stringify(value));
      const order = `${instantKey(at)}#${valueDigest}`;
      if (existing !== undefined && sameValue(existing.state.value, value)) {
        unchanged.push(name);
        // The value stands, seen again later: the state must remember that sighting, or a change
        // older than it that arrives after it (EventBridge keeps no order) would pass for newer.
        if (order > existing.order) actions.push(this.stateAction(id, name, existing.state, order, existing));
        continue;
      }
      const applied = existing === undefined || order > existing.order;
      const entry: AttributeHistoryEntry = {
        name,
        value,
        at,
        touchpoint,
        previous: applied ? existing?.state.value : undefined,
        applied,
      };
      const historyKey = itemKeys.attributeHistory(name, at, valueDigest);
      if (!recorded.has(historyKey)) {
        actions.push({
          role: 'history',
          put: {
            TableName: this.tableName,
            Item: this.item(id, historyKey, 'attribute_history', entry),
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': PARTITION_KEY },
          },
        });
      }
      if (!applied) {
        late.push(name);
        continue;
      }
      changed.push(name);
      actions.push(this.stateAction(id, name, { value, changedAt: at, touchpoint, previous: existing?.state.value }, order, existing));
    }
    return { actions, changed, late, unchanged };
  }

  /** Writes `items` with BatchWriteItem, 25 at a time, until none is left unprocessed. */
  private async batchPut(customerId: string, items: readonly Item[]): Promise<void> {
    for (let first = 0; first < items.length; first += BATCH_WRITE_LIMIT) {
      let requests = items.slice(first, first + BATCH_WRITE_LIMIT).map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 1; requests.length > 0; attempt += 1) {
        if (attempt > OPTIMISTIC_ATTEMPTS) throw new StoreContentionError(`import customer ${customerId}: writes kept coming back unprocessed`);
        if (attempt > 1) await this.backOff(attempt - 1);
        const { UnprocessedItems } = await this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.tableName]: requests } }));
        requests = (UnprocessedItems?.[this.tableName] ?? []).flatMap((request) => (request.PutRequest?.Item ? [{ PutRequest: { Item: request.PutRequest.Item } }] : []));
      }
    }
  }

  /**
   * The profile and the attributes' versions, with ONE strongly consistent Query of the `STATE#`
   * prefix: what ingest reads before it writes an event's profile and attributes (pass
   * `attributes` on to setAttributes as `current`).
   */
  async readEventState(customerId: string): Promise<EventState> {
    const id = validCustomerId(customerId);
    return this.guard(`read profile and attributes of customer ${id}`, async () => {
      const items = await this.queryPrefix(id, SORT_KEY_PREFIXES.state);
      const profileItem = items.find((item) => item[SORT_KEY]?.S === itemKeys.profile());
      const profile = profileItem === undefined ? undefined : this.parseStored(ProfileSchema, profileItem, 'profile', id);
      const attributePrefix = itemKeys.attributeStatePrefix();
      const phoneStatedAt = profile?.phone === undefined || profileItem === undefined ? undefined : fieldStatedAt(profileItem, 'phone');
      const emailStatedAt = profile?.email === undefined || profileItem === undefined ? undefined : fieldStatedAt(profileItem, 'email');
      // The tombstone is under the same prefix: the Query read it too, if the customer was erased.
      const erasedAt = items.find((item) => item[SORT_KEY]?.S === ERASURE_TOMBSTONE_SORT_KEY)?.erasedAt?.S;
      return {
        profile,
        ...(profileItem === undefined ? {} : { profileRead: { item: profileItem } }),
        ...(phoneStatedAt === undefined ? {} : { phoneStatedAt }),
        ...(emailStatedAt === undefined ? {} : { emailStatedAt }),
        ...(erasedAt === undefined ? {} : { erasedAt }),
        attributes: attributeVersionsOf(id, items.filter((item) => item[SORT_KEY]?.S?.startsWith(attributePrefix) === true)),
      };
    });
  }

  /** The profile's item, with the UTC instants that updateProfile's and setStage's conditions compare: every field stated now. */
  private profileItem(profile: Profile): Item {
    const stated = instantKey(profile.updatedAt);
    const times = Object.entries(profile)
      .filter(([field, value]) => field !== 'customerId' && field !== 'updatedAt' && value !== undefined)
      .map(([field]) => [profileFieldAtKey(field), stated]);
    return this.item(profile.customerId, itemKeys.profile(), 'profile', { ...profile, [UPDATED_AT_KEY]: stated, ...Object.fromEntries(times) });
  }

  /**
   * The write of an attribute's `state` at `order`, on condition that the state it replaces
   * (`existing`, or none) is still there.
   */
  private stateAction(id: string, name: string, state: AttributeState, order: string, existing: CurrentAttribute | undefined): AttributePlan['actions'][number] {
    const revision = (existing?.revision ?? 0) + 1;
    return {
      role: 'state',
      put: {
        TableName: this.tableName,
        Item: this.item(id, itemKeys.attributeState(name), 'attribute', {
          name,
          ...state,
          order,
          revision,
          ...lapseIndexKeys(id, name, state.changedAt),
        }),
        ...(existing === undefined
          ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': PARTITION_KEY } }
          : {
              ConditionExpression: '#revision = :revision',
              ExpressionAttributeNames: { '#revision': 'revision' },
              ExpressionAttributeValues: { ':revision': { N: String(existing.revision) } },
            }),
      },
      next: { name, current: { state, revision, order } },
    };
  }

  private async currentAttributes(customerId: string): Promise<Map<string, CurrentAttribute>> {
    return attributeVersionsOf(customerId, await this.queryPrefix(customerId, itemKeys.attributeStatePrefix()));
  }
}

function sameValue(a: AttributeValue, b: AttributeValue): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The attributes' current states and versions from their `STATE#ATTRIBUTE#` items. */
function attributeVersionsOf(customerId: string, items: readonly Item[]): Map<string, CurrentAttribute> {
  const current = new Map<string, CurrentAttribute>();
  for (const item of items) {
    const data: Record<string, unknown> = unmarshall(item);
    const context = `stored item ${String(data[SORT_KEY])} of customer ${customerId}`;
    const name = parseRecord(AttributeNameSchema, data.name, 'attribute.name', context);
    current.set(name, {
      state: parseRecord(AttributeStateSchema, data, `attributes.${name}`, context),
      revision: typeof data.revision === 'number' ? data.revision : 0,
      order: typeof data.order === 'string' ? data.order : '',
    });
  }
  return current;
}
