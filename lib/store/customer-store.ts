/**
 * The customer store: profile, consents with their ledger, preferences, suppressions, attributes
 * with their history, the send ledger, the frequency cap and gate decisions, in one DynamoDB
 * table (layout in table-design.ts). Every record is validated on write and on read.
 */
import {
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue as DynamoValue,
  type DynamoDBClient,
  type Put,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type * as z from '../schema/zod-mini';
import {
  AttributeStateSchema,
  CustomerIdSchema,
  FrequencySchema,
  InstantSchema,
  PreferencesSchema,
  ProfileSchema,
  SuppressionSchema,
  isMarketing,
  type AttributeState,
  type AttributeValue,
  type ConsentStatus,
  type CountedSend,
  type CustomerSnapshot,
  type Frequency,
  type Preferences,
  type Profile,
  type Suppression,
} from '../customer/model';
import {
  CustomerNotFoundError,
  CustomerStoreError,
  InvalidRecordError,
  SendEntryNotFoundError,
  SendTransitionError,
  StoreContentionError,
} from './errors';
import { digest, expiryAfter, instantKey, itemKeys } from './item-keys';
import { parseRecord } from './record-validation';
import {
  AttributeChangeContextSchema,
  AttributeChangesSchema,
  AttributeHistoryEntrySchema,
  AttributeNameSchema,
  ConsentEventSchema,
  ConsentLedgerEntrySchema,
  DecisionRecordSchema,
  IdempotencyKeySchema,
  ProviderMessageIdSchema,
  ReserveSendRequestSchema,
  SendEntrySchema,
  SendErrorSchema,
  type AttributeChangeContext,
  type AttributeChangeOutcome,
  type AttributeHistoryEntry,
  type ConsentEvent,
  type ConsentLedgerEntry,
  type ConsentRecordOutcome,
  type DecisionRecord,
  type ReserveSendOutcome,
  type ReserveSendRequest,
  type SendEntry,
  type SendStatus,
} from './records';
import { assembleSnapshot, emptyFrequency } from './snapshot-assembly';
import {
  DECISION_RETENTION_DAYS,
  PARTITION_KEY,
  SEND_LEDGER_RETENTION_DAYS,
  SORT_KEY,
  SORT_KEY_PREFIXES,
  TTL_ATTRIBUTE,
} from './table-design';
import { conditionFailedAt, timerPause, transactWrite, type Pause } from './transact-write';

export interface CustomerStoreOptions {
  /** The DynamoDB client; its endpoint may point at dynalite. */
  readonly client: DynamoDBClient;
  /** The customer table, created from `customerTableDefinition` (or the CDK data construct). */
  readonly tableName: string;
  /**
   * Waits `ms` milliseconds of real time between attempts, after losing to a concurrent writer.
   * The local runtime passes a wait that its virtual clock does not govern: that clock stands
   * still while work is in flight, so a pause on it would never end.
   * @default - a `setTimeout` timer
   */
  readonly pause?: Pause;
}

/** The rolling window of the frequency cap; older sends are pruned from the frequency item. */
const CAP_WINDOW_MS = 7 * 86_400_000;
/** A transaction holds at most 100 actions; an attribute change takes two. */
export const MAX_ATTRIBUTE_CHANGES = 50;
/** Attempts of read-then-write loops that lose to concurrent writers before giving up. */
const OPTIMISTIC_ATTEMPTS = 16;

/**
 * At equal instants the more restrictive consent wins, so the outcome never depends on the order
 * in which simultaneous events arrive: revoked over pending over granted, then the larger source.
 */
const CONSENT_STATUS_RANK: Record<ConsentStatus, string> = { granted: '0', pending: '1', revoked: '2' };

type Item = Record<string, DynamoValue>;

/** An attribute's current state as setAttributes reads it, with what its conditional writes need. */
type CurrentAttribute = { state: AttributeState; revision: number; order: string };

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

/** Reads and writes one customer's records; see the module comment. */
export class CustomerStore {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly pause: Pause;

  constructor(options: CustomerStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.pause = options.pause ?? timerPause;
  }

  /** A short random pause after losing to a concurrent writer, so the losers do not collide again in step. */
  private backOff(attempt: number): Promise<void> {
    return this.pause(Math.random() * 5 * Math.min(attempt, 8));
  }

  /**
   * Everything the gate and the send path need, read with ONE strongly consistent Query of the
   * `STATE#` prefix (more only if the state outgrows a 1 MB page). Undefined when no profile exists.
   */
  async getSnapshot(customerId: string): Promise<CustomerSnapshot | undefined> {
    const id = validCustomerId(customerId);
    return this.guard(`read snapshot of customer ${id}`, async () =>
      assembleSnapshot(id, await this.queryPrefix(id, SORT_KEY_PREFIXES.state)),
    );
  }

  /** Like getSnapshot, but throws CustomerNotFoundError when no profile exists. */
  async requireSnapshot(customerId: string): Promise<CustomerSnapshot> {
    const snapshot = await this.getSnapshot(customerId);
    if (snapshot === undefined) throw new CustomerNotFoundError(customerId);
    return snapshot;
  }

  /** Creates or replaces the profile (last write wins). */
  async putProfile(profile: Profile): Promise<void> {
    const valid = parseRecord(ProfileSchema, profile, 'profile');
    await this.guard(`write profile of customer ${valid.customerId}`, () =>
      this.client.send(
        new PutItemCommand({ TableName: this.tableName, Item: this.item(valid.customerId, itemKeys.profile(), 'profile', valid) }),
      ),
    );
  }

  /** Creates or replaces the preferences (last write wins). */
  async putPreferences(customerId: string, preferences: Preferences): Promise<void> {
    const id = validCustomerId(customerId);
    const valid = parseRecord(PreferencesSchema, preferences, 'preferences');
    await this.guard(`write preferences of customer ${id}`, () =>
      this.client.send(
        new PutItemCommand({ TableName: this.tableName, Item: this.item(id, itemKeys.preferences(), 'preferences', valid) }),
      ),
    );
  }

  /**
   * Suppresses a channel. Idempotent per channel: the earliest `at` is kept, since a suppression
   * blocks its channel from its `at` on. Returns `kept_earlier` when one as early or earlier exists.
   */
  async addSuppression(customerId: string, suppression: Suppression): Promise<'added' | 'kept_earlier'> {
    const id = validCustomerId(customerId);
    const valid = parseRecord(SuppressionSchema, suppression, 'suppression');
    return this.guard(`suppress ${valid.channel} of customer ${id}`, async () => {
      const written = await this.putIf({
        TableName: this.tableName,
        Item: this.suppressionItem(id, valid),
        ConditionExpression: 'attribute_not_exists(#pk) OR #atKey > :atKey',
        ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#atKey': 'atKey' },
        ExpressionAttributeValues: { ':atKey': { S: instantKey(valid.at) } },
      });
      return written ? 'added' : 'kept_earlier';
    });
  }

  /**
   * Appends a consent event with its proof to the ledger and, when it is the latest for its
   * channel and topic, makes it the current state, both in ONE TransactWriteItems. A late event
   * (older than the current state) is appended only; replaying the same event (channel, topic,
   * at, status, source) appends nothing.
   */
  async recordConsent(customerId: string, event: ConsentEvent): Promise<ConsentRecordOutcome> {
    const id = validCustomerId(customerId);
    const valid = parseRecord(ConsentEventSchema, event, 'consent');
    const { channel, topic } = valid;
    const { ledger, state, order } = this.consentItems(id, valid);
    const ledgerPut: Put = {
      TableName: this.tableName,
      Item: ledger,
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': PARTITION_KEY },
    };
    const statePut: Put = {
      TableName: this.tableName,
      Item: state,
      ConditionExpression: 'attribute_not_exists(#pk) OR #order < :order',
      ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#order': 'order' },
      ExpressionAttributeValues: { ':order': { S: order } },
    };
    const what = `record ${channel}/${topic} consent of customer ${id}`;
    return this.guard(what, async () => {
      const result = await transactWrite(this.client, [{ Put: ledgerPut }, { Put: statePut }], what, this.pause);
      if (result.committed) return { ledger: 'appended', state: 'updated' };
      const duplicate = conditionFailedAt(result, 0);
      const stale = conditionFailedAt(result, 1);
      if (!duplicate) {
        // Late event: the state stays; the ledger still records it. The state only ever gets
        // newer, so it cannot have become older than this event meanwhile.
        return { ledger: (await this.putIf(ledgerPut)) ? 'appended' : 'duplicate', state: 'unchanged' };
      }
      if (!stale) {
        // In the ledger but not reflected in the state (written by other means): repair the state.
        return { ledger: 'duplicate', state: (await this.putIf(statePut)) ? 'updated' : 'unchanged' };
      }
      return { ledger: 'duplicate', state: 'unchanged' };
    });
  }

  /**
   * Writes a customer that has no records yet (an import into an empty table; the simulator's
   * customers at the start of a scenario) with BatchWriteItem: item for item the records that
   * putProfile, putPreferences, recordConsent (each consent in order), addSuppression (each in
   * order) and setAttributes (each group in order) leave on an empty partition, in one request
   * per 25 records instead of one or two requests per record. Every record is validated as those
   * methods validate it. Nothing checks that the customer is new: an existing one's records with
   * the same keys are overwritten, so this is not for customers that may already exist.
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
    put(this.item(id, itemKeys.profile(), 'profile', profile));
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
   * history entry per change. An unchanged value writes nothing; a change older than the current
   * value goes to the history only (`late`). At most MAX_ATTRIBUTE_CHANGES names per call; the
   * current values are read once and each change is written conditionally on them, in one transaction.
   */
  async setAttributes(
    customerId: string,
    changes: Record<string, AttributeValue>,
    context: AttributeChangeContext,
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
        const current = await this.currentAttributes(id);
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

  /**
   * Reserves a send before the provider is called, in ONE TransactWriteItems: a `pending`
   * send-ledger entry that must not exist yet and, for marketing topics, the frequency item
   * rewritten with this send added and entries older than 7 days pruned, on condition that its
   * version is still the snapshot's. See ReserveSendOutcome for what the caller does next.
   */
  async reserveSend(request: ReserveSendRequest): Promise<ReserveSendOutcome> {
    const valid = parseRecord(ReserveSendRequestSchema, request, 'reservation');
    const { customerId, idempotencyKey, at, expectedFrequency } = valid;
    const counted = isMarketing(valid.topic);
    const entry: SendEntry = {
      customerId,
      idempotencyKey,
      journey: valid.journey,
      step: valid.step,
      execution: valid.execution,
      channel: valid.channel,
      topic: valid.topic,
      status: 'pending',
      reservedAt: at,
      countedInCap: counted,
    };
    const actions: TransactWriteItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: this.item(customerId, itemKeys.sendEntry(idempotencyKey), 'send', {
            ...entry,
            [TTL_ATTRIBUTE]: expiryAfter(at, SEND_LEDGER_RETENTION_DAYS),
          }),
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
    ];
    if (counted) {
      const sends = sortByTime([...pruneSends(expectedFrequency.sends, idempotencyKey, at), { key: idempotencyKey, at }]);
      const next = { sends, version: expectedFrequency.version + 1 };
      actions.push({ Put: this.frequencyPut(customerId, next, expectedFrequency.version) });
    }
    const what = `reserve send ${idempotencyKey} of customer ${customerId}`;
    return this.guard(what, async () => {
      const result = await transactWrite(this.client, actions, what, this.pause);
      if (result.committed) return { kind: 'reserved', entry };
      if (conditionFailedAt(result, 0)) {
        // ALL_OLD hands back the existing entry; read it only if the service left it out.
        const old = result.committed ? undefined : result.reasons[0]?.Item;
        const existing =
          old !== undefined
            ? this.parseStored(SendEntrySchema, old, 'sendEntry', customerId)
            : await this.getSendEntry(customerId, idempotencyKey);
        if (existing === undefined) throw new CustomerStoreError(`${what}: entry reported as existing but not found`);
        return { kind: 'duplicate', entry: existing };
      }
      return { kind: 'frequency_conflict' };
    });
  }

  /** Marks a reservation `sent` with the provider's message id (also from `unknown`, when the truth comes out). */
  async markSent(
    customerId: string,
    idempotencyKey: string,
    details: { providerMessageId: string; at: string },
  ): Promise<SendEntry> {
    const providerMessageId = parseRecord(ProviderMessageIdSchema, details.providerMessageId, 'providerMessageId');
    const at = parseRecord(InstantSchema, details.at, 'at');
    return this.transition(customerId, idempotencyKey, 'sent', ['pending', 'unknown'], { providerMessageId, sentAt: at });
  }

  /**
   * Marks a reservation `unknown`: the provider call failed ambiguously (timeout, 5xx after the
   * request may have been accepted). It is never resent automatically, and keeps its cap slot
   * because the message may have gone out.
   */
  async markUnknown(customerId: string, idempotencyKey: string, details: { error: string; at: string }): Promise<SendEntry> {
    const error = parseRecord(SendErrorSchema, details.error, 'error');
    const at = parseRecord(InstantSchema, details.at, 'at');
    return this.transition(customerId, idempotencyKey, 'unknown', ['pending'], { error, settledAt: at });
  }

  /**
   * Marks a reservation `failed`: the provider definitely rejected it, so nothing reached the
   * customer. Decision: the entry is terminal (a retry of the same step gets `duplicate` with this
   * entry and reports the failure, never re-sends), and its cap slot is released in the same
   * transaction, so a message that never went out does not count against the weekly cap.
   */
  async markFailed(customerId: string, idempotencyKey: string, details: { error: string; at: string }): Promise<SendEntry> {
    const id = validCustomerId(customerId);
    const key = parseRecord(IdempotencyKeySchema, idempotencyKey, 'idempotencyKey');
    const error = parseRecord(SendErrorSchema, details.error, 'error');
    const at = parseRecord(InstantSchema, details.at, 'at');
    const what = `mark send ${key} of customer ${id} failed`;
    return this.guard(what, async () => {
      for (let attempt = 1; attempt <= OPTIMISTIC_ATTEMPTS; attempt += 1) {
        const entry = await this.getSendEntry(id, key);
        if (entry === undefined) throw new SendEntryNotFoundError(id, key);
        if (entry.status === 'failed') return entry;
        if (entry.status !== 'pending') throw new SendTransitionError(id, key, entry.status, 'failed');
        const frequency = entry.countedInCap ? await this.readFrequency(id) : emptyFrequency();
        if (!frequency.sends.some((send) => send.key === key)) {
          return this.transition(id, key, 'failed', ['pending'], { error, settledAt: at });
        }
        const failed: SendEntry = { ...entry, status: 'failed', error, settledAt: at };
        const result = await transactWrite(
          this.client,
          [
            { Update: { ...this.statusUpdate(id, key, ['pending'], { status: 'failed', error, settledAt: at }) } },
            {
              Put: this.frequencyPut(
                id,
                { sends: frequency.sends.filter((send) => send.key !== key), version: frequency.version + 1 },
                frequency.version,
              ),
            },
          ],
          what,
          this.pause,
        );
        if (result.committed) return failed;
        await this.backOff(attempt);
      }
      throw new StoreContentionError(`${what}: concurrent writers kept winning`);
    });
  }

  /**
   * Withdraws a `pending` reservation whose provider call provably sent nothing (throttled, or
   * refused before accepting), so that the Step Functions retry of the same step can reserve and
   * send again: the entry is deleted and its cap slot freed in one transaction. Returns `false`
   * when there was nothing pending to withdraw (already settled, or never reserved).
   */
  async releaseReservation(customerId: string, idempotencyKey: string): Promise<boolean> {
    const id = validCustomerId(customerId);
    const key = parseRecord(IdempotencyKeySchema, idempotencyKey, 'idempotencyKey');
    const what = `release send ${key} of customer ${id}`;
    return this.guard(what, async () => {
      for (let attempt = 1; attempt <= OPTIMISTIC_ATTEMPTS; attempt += 1) {
        const entry = await this.getSendEntry(id, key);
        if (entry?.status !== 'pending') return false;
        const frequency = entry.countedInCap ? await this.readFrequency(id) : emptyFrequency();
        const actions: TransactWriteItem[] = [
          {
            Delete: {
              TableName: this.tableName,
              Key: this.key(id, itemKeys.sendEntry(key)),
              ConditionExpression: '#status = :pending',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':pending': { S: 'pending' } },
            },
          },
        ];
        if (frequency.sends.some((send) => send.key === key)) {
          const sends = frequency.sends.filter((send) => send.key !== key);
          actions.push({ Put: this.frequencyPut(id, { sends, version: frequency.version + 1 }, frequency.version) });
        }
        const result = await transactWrite(this.client, actions, what, this.pause);
        if (result.committed) return true;
        await this.backOff(attempt);
      }
      throw new StoreContentionError(`${what}: concurrent writers kept winning`);
    });
  }

  /** The send-ledger entry for the key, read strongly consistently, or undefined. */
  async getSendEntry(customerId: string, idempotencyKey: string): Promise<SendEntry | undefined> {
    const id = validCustomerId(customerId);
    const key = parseRecord(IdempotencyKeySchema, idempotencyKey, 'idempotencyKey');
    return this.guard(`read send ${key} of customer ${id}`, async () => {
      const { Item } = await this.client.send(
        new GetItemCommand({ TableName: this.tableName, Key: this.key(id, itemKeys.sendEntry(key)), ConsistentRead: true }),
      );
      return Item === undefined ? undefined : this.parseStored(SendEntrySchema, Item, 'sendEntry', id);
    });
  }

  /** Records what the gate decided for a Send step. Idempotent per (execution, step, outcome, at): the first record is kept. */
  async recordDecision(customerId: string, decision: DecisionRecord): Promise<'recorded' | 'duplicate'> {
    const id = validCustomerId(customerId);
    const valid = parseRecord(DecisionRecordSchema, decision, 'decision');
    return this.guard(`record decision of customer ${id}`, async () => {
      const written = await this.putIf({
        TableName: this.tableName,
        Item: this.item(id, itemKeys.decision(valid), 'decision', {
          ...valid,
          [TTL_ATTRIBUTE]: expiryAfter(valid.at, DECISION_RETENTION_DAYS),
        }),
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': PARTITION_KEY },
      });
      return written ? 'recorded' : 'duplicate';
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

  /** The ledger entry and the current-state item of a consent event, and the state's order. */
  private consentItems(id: string, event: ConsentEvent): { ledger: Item; state: Item; order: string } {
    const { channel, topic, status, at } = event;
    const source = event.proof.source;
    const order = `${instantKey(at)}#${CONSENT_STATUS_RANK[status]}#${source}`;
    return {
      ledger: this.item(id, itemKeys.consentLedger({ at, channel, topic, status, source }), 'consent_ledger', event),
      state: this.item(id, itemKeys.consentState(channel, topic), 'consent_state', { channel, topic, status, at, source, order }),
      order,
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
      if (existing !== undefined && sameValue(existing.state.value, value)) {
        unchanged.push(name);
        continue;
      }
      const valueDigest = digest(JSON.stringify(value));
      const order = `${instantKey(at)}#${valueDigest}`;
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
      const state: AttributeState = { value, changedAt: at, touchpoint, previous: existing?.state.value };
      const revision = (existing?.revision ?? 0) + 1;
      actions.push({
        role: 'state',
        put: {
          TableName: this.tableName,
          Item: this.item(id, itemKeys.attributeState(name), 'attribute', { name, ...state, order, revision }),
          ...(existing === undefined
            ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': PARTITION_KEY } }
            : {
                ConditionExpression: '#revision = :revision',
                ExpressionAttributeNames: { '#revision': 'revision' },
                ExpressionAttributeValues: { ':revision': { N: String(existing.revision) } },
              }),
        },
        next: { name, current: { state, revision, order } },
      });
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

  private async transition(
    customerId: string,
    idempotencyKey: string,
    to: SendStatus,
    from: readonly SendStatus[],
    fields: Partial<SendEntry>,
  ): Promise<SendEntry> {
    const id = validCustomerId(customerId);
    const key = parseRecord(IdempotencyKeySchema, idempotencyKey, 'idempotencyKey');
    return this.guard(`mark send ${key} of customer ${id} ${to}`, async () => {
      try {
        const { Attributes } = await this.client.send(
          new UpdateItemCommand({ ...this.statusUpdate(id, key, from, { ...fields, status: to }), ReturnValues: 'ALL_NEW' }),
        );
        if (Attributes === undefined) throw new CustomerStoreError(`send ${key} of customer ${id}: update returned nothing`);
        return this.parseStored(SendEntrySchema, Attributes, 'sendEntry', id);
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const entry = await this.getSendEntry(id, key);
        if (entry === undefined) throw new SendEntryNotFoundError(id, key, { cause: error });
        if (entry.status === to) return entry;
        throw new SendTransitionError(id, key, entry.status, to, { cause: error });
      }
    });
  }

  /** An UpdateItem input setting `fields` on a send entry whose status is one of `from`. */
  private statusUpdate(customerId: string, idempotencyKey: string, from: readonly SendStatus[], fields: Partial<SendEntry>) {
    const names: Record<string, string> = { '#pk': PARTITION_KEY, '#status': 'status' };
    const values: Item = {};
    const assignments: string[] = [];
    Object.entries(fields).forEach(([field, value], index) => {
      if (value === undefined) return;
      names[`#f${index}`] = field;
      values[`:f${index}`] = marshall({ value }).value ?? { NULL: true };
      assignments.push(`#f${index} = :f${index}`);
    });
    from.forEach((status, index) => {
      values[`:from${index}`] = { S: status };
    });
    return {
      TableName: this.tableName,
      Key: this.key(customerId, itemKeys.sendEntry(idempotencyKey)),
      UpdateExpression: `SET ${assignments.join(', ')}`,
      ConditionExpression: `attribute_exists(#pk) AND #status IN (${from.map((_, index) => `:from${index}`).join(', ')})`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
  }

  /** A Put of the frequency item on condition that its version is still `expectedVersion` (0: absent). */
  private frequencyPut(customerId: string, frequency: Frequency, expectedVersion: number): Put {
    const valid = parseRecord(FrequencySchema, frequency, 'frequency');
    return {
      TableName: this.tableName,
      Item: this.item(customerId, itemKeys.frequency(), 'frequency', valid),
      ConditionExpression:
        expectedVersion === 0 ? 'attribute_not_exists(#pk) OR #version = :expected' : '#version = :expected',
      ExpressionAttributeNames:
        expectedVersion === 0 ? { '#pk': PARTITION_KEY, '#version': 'version' } : { '#version': 'version' },
      ExpressionAttributeValues: { ':expected': { N: String(expectedVersion) } },
    };
  }

  private async readFrequency(customerId: string): Promise<Frequency> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: this.key(customerId, itemKeys.frequency()), ConsistentRead: true }),
    );
    return Item === undefined ? emptyFrequency() : this.parseStored(FrequencySchema, Item, 'frequency', customerId);
  }

  private async currentAttributes(customerId: string): Promise<Map<string, CurrentAttribute>> {
    const current = new Map<string, CurrentAttribute>();
    for (const item of await this.queryPrefix(customerId, itemKeys.attributeStatePrefix())) {
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

  /** All items of the partition whose sort key starts with `prefix`, in sort-key order, every page. */
  private async queryPrefix(customerId: string, prefix: string): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
          ExpressionAttributeValues: { ':pk': { S: itemKeys.partition(customerId) }, ':prefix': { S: prefix } },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return items;
  }

  /** PutItem that reports a false condition as `false` instead of an error. */
  private async putIf(put: Put): Promise<boolean> {
    try {
      await this.client.send(new PutItemCommand(put));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  private key(customerId: string, sortKey: string): Item {
    return { [PARTITION_KEY]: { S: itemKeys.partition(customerId) }, [SORT_KEY]: { S: sortKey } };
  }

  private item(customerId: string, sortKey: string, kind: string, body: object): Item {
    return {
      ...marshall({ ...body, kind }, { removeUndefinedValues: true }),
      ...this.key(customerId, sortKey),
    };
  }

  private parseStored<Schema extends z.core.$ZodType>(schema: Schema, item: Item, label: string, customerId: string): z.output<Schema> {
    const data: Record<string, unknown> = unmarshall(item);
    return parseRecord(schema, data, label, `stored item ${String(data[SORT_KEY])} of customer ${customerId}`);
  }

  /** Runs `work`; store errors pass through, anything else (SDK, network) is wrapped with `what` failed. */
  private async guard<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof CustomerStoreError) throw error;
      throw new CustomerStoreError(`${what} failed`, { cause: error });
    }
  }
}

function validCustomerId(customerId: string): string {
  return parseRecord(CustomerIdSchema, customerId, 'customerId');
}

/** Sends still inside the cap window at `at` (entries exactly 7 days old are kept: never undercount). */
function pruneSends(sends: readonly CountedSend[], exceptKey: string, at: string): CountedSend[] {
  const cutoff = Date.parse(at) - CAP_WINDOW_MS;
  return sends.filter((send) => send.key !== exceptKey && Date.parse(send.at) >= cutoff);
}

function sortByTime(sends: CountedSend[]): CountedSend[] {
  return sends.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.key.localeCompare(b.key));
}

function sameValue(a: AttributeValue, b: AttributeValue): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
