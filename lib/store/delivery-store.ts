/**
 * What the send path reads and writes in the customer table: the snapshot the gate decides on,
 * the send ledger with the frequency cap, the gate's decisions, and the consent revocations a
 * provider reports. `CustomerStore` (customer-store.ts) adds everything else: profiles,
 * preferences, suppressions, imports, attributes and the histories. The two are apart so that the
 * send function, the largest bundle, carries only this part. Every record is validated on write
 * and on read; the layout is in table-design.ts.
 */
import {
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
  ConsentStatusSchema,
  CustomerIdSchema,
  FrequencySchema,
  InstantSchema,
  isMarketing,
  type Channel,
  type ConsentStatus,
  type CountedSend,
  type CustomerSnapshot,
  type Frequency,
} from '../customer/model';
import {
  CustomerNotFoundError,
  CustomerStoreError,
  guarded,
  SendEntryNotFoundError,
  SendTransitionError,
  StoreContentionError,
} from './errors';
import { expiryAfter, instantKey, itemKeys } from './item-keys';
import { parseRecord } from './record-validation';
import {
  ConsentEventSchema,
  DecisionRecordSchema,
  IdempotencyKeySchema,
  ProviderMessageIdSchema,
  ReserveSendRequestSchema,
  SendEntrySchema,
  SendErrorSchema,
  type ConsentEvent,
  type ConsentRecordOutcome,
  type DecisionRecord,
  type RecordConsentOptions,
  type ReserveSendOutcome,
  type ReserveSendRequest,
  type SendEntry,
  type SendStatus,
} from './records';
import { permissionSortKeys, readTogether } from './permission-records';
import { assembleSnapshot, emptyFrequency } from './snapshot-assembly';
import { withoutBlankAddress } from './stored-address';
import {
  DECISION_RETENTION_DAYS,
  PARTITION_KEY,
  SEND_LEDGER_RETENTION_DAYS,
  SORT_KEY,
  SORT_KEY_PREFIXES,
  TTL_ATTRIBUTE,
} from './table-design';
import { conditionFailedAt, timerPause, transactWrite, type Pause } from './transact-write';

/** A condition a status change also requires of the entry, besides its status (statusUpdate). */
interface StatusCondition {
  readonly condition: string;
  readonly names?: Record<string, string>;
  readonly values?: Item;
}

/** Options of {@link DeliveryStore} and `CustomerStore`: the table, and how to wait between attempts. */
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
/** Attempts of read-then-write loops that lose to concurrent writers before giving up. */
export const OPTIMISTIC_ATTEMPTS = 16;

/**
 * At equal instants the more restrictive consent wins, so the outcome never depends on the order
 * in which simultaneous events arrive: revoked over pending over granted, then the larger source.
 */
const CONSENT_STATUS_RANK: Record<ConsentStatus, string> = { granted: '0', pending: '1', revoked: '2' };

/** A DynamoDB item in the SDK's attribute-value form. */
export type Item = Record<string, DynamoValue>;

/** Reads and writes what one customer's sends need; see the module comment. */
export class DeliveryStore {
  protected readonly client: DynamoDBClient;
  protected readonly tableName: string;
  protected readonly pause: Pause;

  constructor(options: CustomerStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.pause = options.pause ?? timerPause;
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

  /**
   * The snapshot a Send step decides on: getSnapshot's Query, with the records that decide whether
   * `message.channels` may carry `message.topic` read again, together, with ONE TransactGetItems:
   * the frequency item (its version is what the reservation is conditioned on), the preferences,
   * and each channel's suppression and consent for the topic. DynamoDB does not isolate a Query
   * from a transaction that commits while it runs, so the Query alone could hold a permission
   * change's new version beside the consent from before it; read as one snapshot, every change
   * is either in these records or after them, and then it moves the version and the reservation
   * fails. Undefined when no profile exists.
   */
  async getDecisionSnapshot(customerId: string, message: { readonly channels: readonly Channel[]; readonly topic: string }): Promise<CustomerSnapshot | undefined> {
    const id = validCustomerId(customerId);
    return this.guard(`read snapshot of customer ${id}`, async () => {
      const queried = await this.queryPrefix(id, SORT_KEY_PREFIXES.state);
      // No profile, no customer: nothing to decide, and nothing more to read.
      if (!queried.some((item) => item[SORT_KEY]?.S === itemKeys.profile())) return undefined;
      const keys = permissionSortKeys(message);
      const together = await readTogether(this.client, this.tableName, id, keys, this.pause);
      return assembleSnapshot(id, [...queried.filter((item) => !keys.includes(item[SORT_KEY]?.S ?? '')), ...together]);
    });
  }

  /** Like getSnapshot, but throws CustomerNotFoundError when no profile exists. */
  async requireSnapshot(customerId: string): Promise<CustomerSnapshot> {
    const snapshot = await this.getSnapshot(customerId);
    if (snapshot === undefined) throw new CustomerNotFoundError(customerId);
    return snapshot;
  }

  /**
   * Appends a consent event with its proof to the ledger and, when it is the latest for its
   * channel and topic, makes it the current state, both in ONE TransactWriteItems. A late event
   * (older than the current state) is appended only; replaying the same event (channel, topic,
   * at, status, source) appends nothing. With `options.from`, the event is recorded only as a
   * change of a state with that status, older than the event; otherwise nothing is written and
   * the outcome's state is `changed_since` (a replay of an event already in the ledger is still
   * `duplicate`).
   */
  async recordConsent(customerId: string, event: ConsentEvent, options: RecordConsentOptions = {}): Promise<ConsentRecordOutcome> {
    const id = validCustomerId(customerId);
    const valid = parseRecord(ConsentEventSchema, event, 'consent');
    const from = options.from === undefined ? undefined : parseRecord(ConsentStatusSchema, options.from, 'from');
    const { channel, topic } = valid;
    const { ledgerPut, statePut } = this.consentPuts(id, valid, from);
    const what = `record ${channel}/${topic} consent of customer ${id}`;
    return this.guard(what, async () => {
      const result = await transactWrite(this.client, [{ Put: ledgerPut }, { Put: statePut }, this.permissionChange(id)], what, this.pause);
      if (result.committed) return { ledger: 'appended', state: 'updated' };
      const duplicate = conditionFailedAt(result, 0);
      const stale = conditionFailedAt(result, 1);
      if (!duplicate) {
        if (from !== undefined && stale) {
          // The state is no longer the one the caller read and decided on (say, a withdrawal, or a
          // new request, recorded after its read): the event it meant to record no longer
          // applies, so none of it is written.
          return { ledger: 'not_appended', state: 'changed_since' };
        }
        // Late event: the state stays; the ledger still records it. The state only ever gets
        // newer, so it cannot have become older than this event meanwhile.
        return { ledger: (await this.putIf(ledgerPut)) ? 'appended' : 'duplicate', state: 'unchanged' };
      }
      if (!stale) {
        // In the ledger but not reflected in the state (written by other means): repair the state.
        return { ledger: 'duplicate', state: (await this.putChangingPermission(id, statePut, what)) ? 'updated' : 'unchanged' };
      }
      // Already recorded, e.g. a retry of an event that was applied and may since have been
      // superseded: it changes nothing now, with or without `from`.
      return { ledger: 'duplicate', state: 'unchanged' };
    });
  }

  /**
   * Reserves a send before the provider is called, in ONE TransactWriteItems: a `pending`
   * send-ledger entry that must not exist yet and, on condition that the frequency item's version
   * is still the snapshot's, for marketing topics that item rewritten with this send added and
   * entries older than 7 days pruned (for other topics, a check of the version alone). Every
   * consent, suppression and preference change, and every change of the profile's time zone,
   * email, phone or postal address, moves that version (see permissionChange), so a change
   * recorded after the gate's read and before the reservation stops the send; one after
   * the reservation is too late for this message, as it would be once the provider has it. The
   * snapshot must come from getDecisionSnapshot, whose version and permission records are read
   * together. See ReserveSendOutcome for what the caller does next.
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
    } else {
      // Not counted, yet decided on the same suppressions and preferences: their version still holds.
      actions.push({
        ConditionCheck: { TableName: this.tableName, Key: this.key(customerId, itemKeys.frequency()), ...this.frequencyCondition(expectedFrequency.version) },
      });
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
      return { kind: 'changed_since' };
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
   * because the message may have gone out. Not an entry marked unsent (`unsentAt`): its provider
   * certainly took nothing, so it may not become "maybe sent" (a SendTransitionError; the attempt
   * that finds it withdraws it instead, and the step sends).
   */
  async markUnknown(customerId: string, idempotencyKey: string, details: { error: string; at: string }): Promise<SendEntry> {
    const error = parseRecord(SendErrorSchema, details.error, 'error');
    const at = parseRecord(InstantSchema, details.at, 'at');
    return this.transition(customerId, idempotencyKey, 'unknown', ['pending'], { error, settledAt: at }, { condition: 'attribute_not_exists(#unsentAt)', names: { '#unsentAt': 'unsentAt' } });
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
   * Marks the `pending` reservation made at `reservedAt` as unsent (`unsentAt`, with `error`): its
   * provider call certainly sent nothing, but releaseReservation failed. One UpdateItem of the
   * entry alone, so it can succeed where the release's transaction with the contended frequency
   * item did not; the entry and its cap slot stay until a later attempt releases them
   * (`releaseReservation(…, 'unsent')`). `reservedAt` keeps it to the caller's own reservation: if
   * the failed release did commit and another attempt has reserved since, that one is left alone.
   * Returns `false` when no such reservation is pending.
   */
  async markUnsent(customerId: string, idempotencyKey: string, details: { reservedAt: string; error: string; at: string }): Promise<boolean> {
    const id = validCustomerId(customerId);
    const key = parseRecord(IdempotencyKeySchema, idempotencyKey, 'idempotencyKey');
    const reservedAt = parseRecord(InstantSchema, details.reservedAt, 'reservedAt');
    const error = parseRecord(SendErrorSchema, details.error, 'error');
    const at = parseRecord(InstantSchema, details.at, 'at');
    return this.guard(`mark send ${key} of customer ${id} unsent`, async () => {
      const update = this.statusUpdate(id, key, ['pending'], { error, unsentAt: at }, {
        condition: '#reservedAt = :reservedAt',
        names: { '#reservedAt': 'reservedAt' },
        values: { ':reservedAt': { S: reservedAt } },
      });
      try {
        await this.client.send(new UpdateItemCommand(update));
        return true;
      } catch (caught) {
        if (caught instanceof ConditionalCheckFailedException) return false;
        throw caught;
      }
    });
  }

  /**
   * Withdraws a `pending` reservation whose provider call provably sent nothing (throttled, or
   * refused before accepting), so that the Step Functions retry of the same step can reserve and
   * send again: the entry is deleted and its cap slot freed in one transaction. `which` says whose
   * reservation it is: `own`, the caller's, just refused; `unsent`, one an earlier attempt marked
   * with markUnsent. Only a marked entry is withdrawn as `unsent`: an unmarked `pending` entry found
   * by a later attempt may belong to an attempt whose message is on its way. Returns `false` when
   * there was nothing of that kind to withdraw (already settled or withdrawn, or never reserved).
   */
  async releaseReservation(customerId: string, idempotencyKey: string, which: 'own' | 'unsent' = 'own'): Promise<boolean> {
    const id = validCustomerId(customerId);
    const key = parseRecord(IdempotencyKeySchema, idempotencyKey, 'idempotencyKey');
    const what = `release send ${key} of customer ${id}`;
    const marked = which === 'unsent' ? ' AND attribute_exists(#unsentAt)' : '';
    return this.guard(what, async () => {
      for (let attempt = 1; attempt <= OPTIMISTIC_ATTEMPTS; attempt += 1) {
        const entry = await this.getSendEntry(id, key);
        if (entry?.status !== 'pending' || (which === 'unsent' && entry.unsentAt === undefined)) return false;
        const frequency = entry.countedInCap ? await this.readFrequency(id) : emptyFrequency();
        const actions: TransactWriteItem[] = [
          {
            Delete: {
              TableName: this.tableName,
              Key: this.key(id, itemKeys.sendEntry(key)),
              ConditionExpression: `#status = :pending${marked}`,
              ExpressionAttributeNames: { '#status': 'status', ...(which === 'unsent' ? { '#unsentAt': 'unsentAt' } : {}) },
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

  // --- internals -------------------------------------------------------------------------------

  /** A short random pause after losing to a concurrent writer, so the losers do not collide again in step. */
  protected backOff(attempt: number): Promise<void> {
    return this.pause(Math.random() * 5 * Math.min(attempt, 8));
  }

  /** The ledger entry and the current-state item of a consent event, and the state's order. */
  protected consentItems(id: string, event: ConsentEvent): { ledger: Item; state: Item; order: string } {
    const { channel, topic, status, at } = event;
    const source = event.proof.source;
    const order = `${instantKey(at)}#${CONSENT_STATUS_RANK[status]}#${source}`;
    return {
      ledger: this.item(id, itemKeys.consentLedger({ at, channel, topic, status, source }), 'consent_ledger', event),
      state: this.item(id, itemKeys.consentState(channel, topic), 'consent_state', {
        channel,
        topic,
        status,
        at,
        source,
        ...(event.proof.phone === undefined ? {} : { phone: event.proof.phone }),
        ...(event.proof.email === undefined ? {} : { email: event.proof.email }),
        ...(event.proof.destination === undefined ? {} : { destination: event.proof.destination }),
        order,
      }),
      order,
    };
  }

  /**
   * The puts that record a consent event: its ledger entry, unless the ledger holds it already,
   * and its current state, when it is newer than the state there (or there is none). With `from`,
   * the state is written only over a state with that status, older than the event.
   */
  protected consentPuts(id: string, event: ConsentEvent, from?: ConsentStatus): { ledgerPut: Put; statePut: Put } {
    const { ledger, state, order } = this.consentItems(id, event);
    const ledgerPut: Put = {
      TableName: this.tableName,
      Item: ledger,
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': PARTITION_KEY },
    };
    const statePut: Put = {
      TableName: this.tableName,
      Item: state,
      ...(from === undefined
        ? {
            ConditionExpression: 'attribute_not_exists(#pk) OR #order < :order',
            ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#order': 'order' },
            ExpressionAttributeValues: { ':order': { S: order } },
          }
        : {
            // An absent state has no status, so it is not `from` either; a newer state, even with
            // that status (a new request), is not the one the caller read.
            ConditionExpression: '#status = :from AND #order < :order',
            ExpressionAttributeNames: { '#status': 'status', '#order': 'order' },
            ExpressionAttributeValues: { ':from': { S: from }, ':order': { S: order } },
          }),
    };
    return { ledgerPut, statePut };
  }

  protected async transition(
    customerId: string,
    idempotencyKey: string,
    to: SendStatus,
    from: readonly SendStatus[],
    fields: Partial<SendEntry>,
    also?: StatusCondition,
  ): Promise<SendEntry> {
    const id = validCustomerId(customerId);
    const key = parseRecord(IdempotencyKeySchema, idempotencyKey, 'idempotencyKey');
    return this.guard(`mark send ${key} of customer ${id} ${to}`, async () => {
      try {
        const { Attributes } = await this.client.send(
          new UpdateItemCommand({ ...this.statusUpdate(id, key, from, { ...fields, status: to }, also), ReturnValues: 'ALL_NEW' }),
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

  /** An UpdateItem input setting `fields` on a send entry whose status is one of `from` (and that meets `also`). */
  protected statusUpdate(customerId: string, idempotencyKey: string, from: readonly SendStatus[], fields: Partial<SendEntry>, also?: StatusCondition) {
    const set = setFields(fields);
    const values: Item = { ...set.values, ...also?.values };
    from.forEach((status, index) => {
      values[`:from${index}`] = { S: status };
    });
    return {
      TableName: this.tableName,
      Key: this.key(customerId, itemKeys.sendEntry(idempotencyKey)),
      UpdateExpression: set.expression,
      ConditionExpression: `attribute_exists(#pk) AND #status IN (${from.map((_, index) => `:from${index}`).join(', ')})${also === undefined ? '' : ` AND ${also.condition}`}`,
      ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#status': 'status', ...set.names, ...also?.names },
      ExpressionAttributeValues: values,
    };
  }

  /** A Put of the frequency item on condition that its version is still `expectedVersion` (0: absent). */
  protected frequencyPut(customerId: string, frequency: Frequency, expectedVersion: number): Put {
    const valid = parseRecord(FrequencySchema, frequency, 'frequency');
    return {
      TableName: this.tableName,
      Item: this.item(customerId, itemKeys.frequency(), 'frequency', valid),
      ...this.frequencyCondition(expectedVersion),
    };
  }

  /** The condition that the frequency item's version is still `expectedVersion` (0: absent). */
  private frequencyCondition(expectedVersion: number): { ConditionExpression: string; ExpressionAttributeNames: Record<string, string>; ExpressionAttributeValues: Item } {
    return {
      ConditionExpression:
        expectedVersion === 0 ? 'attribute_not_exists(#pk) OR #version = :expected' : '#version = :expected',
      ExpressionAttributeNames:
        expectedVersion === 0 ? { '#pk': PARTITION_KEY, '#version': 'version' } : { '#version': 'version' },
      ExpressionAttributeValues: { ':expected': { N: String(expectedVersion) } },
    };
  }

  /**
   * Moves the frequency item's version on and leaves its sends as they are. It goes in the same
   * transaction as every change of a consent state, a suppression, the preferences or a profile
   * field a send depends on (SEND_PROFILE_FIELDS): a reservation is conditioned on the version its
   * gate decision read, so one decided before such a change fails, and the send path reads again
   * and asks the gate again (see reserveSend).
   */
  protected permissionChange(customerId: string): TransactWriteItem {
    return {
      Update: {
        TableName: this.tableName,
        Key: this.key(customerId, itemKeys.frequency()),
        UpdateExpression: 'SET #sends = if_not_exists(#sends, :none), #kind = :kind ADD #version :one',
        ExpressionAttributeNames: { '#sends': 'sends', '#kind': 'kind', '#version': 'version' },
        ExpressionAttributeValues: { ':none': { L: [] }, ':kind': { S: 'frequency' }, ':one': { N: '1' } },
      },
    };
  }

  protected async readFrequency(customerId: string): Promise<Frequency> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: this.key(customerId, itemKeys.frequency()), ConsistentRead: true }),
    );
    return Item === undefined ? emptyFrequency() : this.parseStored(FrequencySchema, Item, 'frequency', customerId);
  }

  /** All items of the partition whose sort key starts with `prefix`, in sort-key order, every page. */
  protected async queryPrefix(customerId: string, prefix: string): Promise<Item[]> {
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

  /**
   * `put` of a consent state, suppression or preferences item, with {@link permissionChange} in
   * the same transaction; `false` (nothing written) when its condition is false.
   */
  protected async putChangingPermission(customerId: string, put: Put, what: string): Promise<boolean> {
    const result = await transactWrite(this.client, [{ Put: put }, this.permissionChange(customerId)], what, this.pause);
    return result.committed;
  }

  /** PutItem that reports a false condition as `false` instead of an error. */
  protected async putIf(put: Put): Promise<boolean> {
    try {
      await this.client.send(new PutItemCommand(put));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  protected key(customerId: string, sortKey: string): Item {
    return { [PARTITION_KEY]: { S: itemKeys.partition(customerId) }, [SORT_KEY]: { S: sortKey } };
  }

  protected item(customerId: string, sortKey: string, kind: string, body: object): Item {
    return {
      ...marshall({ ...body, kind }, { removeUndefinedValues: true }),
      ...this.key(customerId, sortKey),
    };
  }

  protected parseStored<Schema extends z.core.$ZodType>(schema: Schema, item: Item, label: string, customerId: string): z.output<Schema> {
    const data: Record<string, unknown> = unmarshall(item);
    return parseRecord(schema, withoutBlankAddress(data), label, `stored item ${String(data[SORT_KEY])} of customer ${customerId}`);
  }

  /** Runs `work`; store errors pass through, anything else (SDK, network) is wrapped with `what` failed (see guarded). */
  protected guard<T>(what: string, work: () => Promise<T>): Promise<T> {
    return guarded(what, work);
  }
}

/** The customer id, validated. */
export function validCustomerId(customerId: string): string {
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

/**
 * The `SET` clause of an UpdateItem that writes each defined one of `fields`, with its names
 * (`#f<n>`) and values (`:f<n>`).
 */
export function setFields(fields: object): { expression: string; names: Record<string, string>; values: Item } {
  const names: Record<string, string> = {};
  const values: Item = {};
  const assignments: string[] = [];
  Object.entries(fields).forEach(([field, value], index) => {
    if (value === undefined) return;
    names[`#f${index}`] = field;
    values[`:f${index}`] = marshall({ value }).value ?? { NULL: true };
    assignments.push(`#f${index} = :f${index}`);
  });
  return { expression: `SET ${assignments.join(', ')}`, names, values };
}
