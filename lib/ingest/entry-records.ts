/**
 * Entry records enforce a journey's re-entry rule, and keep each entry key to one entry, where
 * executions start (ingest, launcher, inactivity scan). Execution names alone cannot: Step
 * Functions frees a name 90 days after its execution closes, after which StartExecution with it
 * starts the journey again; and `afterDays` compares times, not names.
 *
 * Two kinds of item in the customer's partition (`pk = CUSTOMER#<id>`), each claimed with one
 * conditional PutItem:
 *
 * - the rule record, `sk = ENTRY#<journey>` (rules `never` and `afterDays`), holds the entry key
 *   and time of the latest entry. The claim succeeds when no entry exists, when the record holds
 *   this entry key, or, for `afterDays`, when the latest entry is at least `days` days older. The
 *   record it replaces comes back free with the write: the latest key at another instant is a
 *   `repeated` entry;
 * - the key record, `sk = ENTRY#<journey>#KEY#<entry key>` (every rule), holds when the customer
 *   entered under that key. The claim succeeds when there is none, or when it holds this instant
 *   (a retry); a key entered under at another instant is a `repeated` entry.
 *
 * A repeated entry starts nothing: a key named again — a scheduled file's row at every run, a
 * marketer's launch reusing a key — whether Step Functions still holds the execution name or has
 * freed it. The key record is claimed after the rule record, so a refused entry leaves no key
 * behind; neither kind expires (the freed name is what they guard against). A repeat of the latest
 * key passes the rule record's condition and replaces it; so does a repeat of an earlier key once
 * `afterDays` have passed since the latest entry. Either way the record it replaced is put back
 * (restoreRule): at once for the latest key, after the key record shows the repeat for an earlier
 * one. So `afterDays` keeps counting from the latest entry itself (a run cut short between the
 * writes leaves the later time, which can only put the next re-entry later).
 *
 * A retry of the same entry (same key, same instant: a redelivered event, a retried or redriven
 * batch) succeeds again, so a crash between the claim and StartExecution heals on the next
 * attempt; the deterministic execution name then keeps the start single. The claim says whether
 * the key was claimed at this instant already (`again`): the entry is a repeat, or the retry of an
 * attempt cut short (see start-journey.ts for how the two are told apart). The price of telling a
 * repeated key by its instant: an entry claimed but never started (StartExecution failing past
 * every retry, the batch never redriven) is not started by a later launch naming the same key
 * either; such a customer is left out rather than risk entering twice.
 */
import { ConditionalCheckFailedException, PutItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ReEntry } from '../journeys/entry';
import { itemKeys } from '../store/item-keys';
import { PARTITION_KEY, SORT_KEY } from '../store/table-design';

/** Sort-key prefix of entry records. */
export const ENTRY_PREFIX = 'ENTRY#';

const DAY_MS = 86_400_000;

/** Where entry records live. */
export interface EntryRecordsOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
}

/** One entry to claim. */
export interface EntryClaim {
  readonly customerId: string;
  readonly journey: string;
  readonly entryKey: string;
  /** When the customer enters (the event's time, or the launch time). */
  readonly at: string;
  readonly reEntry: ReEntry;
}

/** The sort key of a customer's rule record for `journey`. */
export function entryRecordKey(journey: string): string {
  return `${ENTRY_PREFIX}${journey}`;
}

/** The sort key of the record of a customer's entry into `journey` under `entryKey` (ids of `[A-Za-z0-9_-]`: no `#`). */
export function entryKeyRecordKey(journey: string, entryKey: string): string {
  return `${ENTRY_PREFIX}${journey}#KEY#${entryKey}`;
}

/**
 * The answer to a claim:
 * - `first`: the customer may enter, and the key was not claimed at this instant before;
 * - `again`: the customer may enter, and the key was claimed at this instant already (a retry);
 * - `repeated`: the customer entered under this key before, at another instant: nothing starts;
 * - `refused`: the re-entry rule keeps the customer out.
 */
export type EntryClaimOutcome = 'first' | 'again' | 'repeated' | 'refused';

/** Claims the entry; see {@link EntryClaimOutcome}. The records hold this entry unless `refused` (see the module comment for `repeated`). */
export async function claimEntry(options: EntryRecordsOptions, claim: EntryClaim): Promise<EntryClaimOutcome> {
  const at = new Date(claim.at).toISOString();
  let replaced: Record<string, AttributeValue> | undefined;
  if (claim.reEntry.rule !== 'always') {
    const latest = await claimRule(options, claim, at);
    if (latest === false) return 'refused';
    // The latest entry's key at another instant: also how a repeat shows in records kept before key records.
    if (latest?.entryKey?.S === claim.entryKey && latest.enteredAt?.S !== at) {
      await restoreRule(options, claim, latest, at);
      return 'repeated';
    }
    replaced = latest;
  }
  const outcome = await claimKey(options, claim, at);
  // An earlier key named again enters nothing either: the latest entry's record goes back too.
  if (outcome === 'repeated' && replaced !== undefined) await restoreRule(options, claim, replaced, at);
  return outcome;
}

/**
 * Puts back the rule record a repeated key's claim replaced (the latest entry, its key and real
 * time), unless another claim wrote it since: a repeat enters nothing, so it must not move the
 * time `afterDays` counts from, or a key named at every run of a schedule would keep the customer
 * out for good.
 */
async function restoreRule(options: EntryRecordsOptions, claim: EntryClaim, replaced: Record<string, AttributeValue>, at: string): Promise<void> {
  await putIf(
    options,
    claim.customerId,
    replaced,
    'attribute_exists(#pk) AND #entryKey = :entryKey AND #enteredAt = :at',
    { '#entryKey': 'entryKey', '#enteredAt': 'enteredAt' },
    { ':entryKey': { S: claim.entryKey }, ':at': { S: at } },
  );
}

/** Claims the rule record (`never`, `afterDays`): false when the rule keeps the customer out, else the record it replaced. */
async function claimRule(options: EntryRecordsOptions, claim: EntryClaim, at: string): Promise<Record<string, AttributeValue> | undefined | false> {
  const conditions = ['attribute_not_exists(#pk)', '#entryKey = :entryKey'];
  const values: Record<string, { S: string }> = { ':entryKey': { S: claim.entryKey } };
  const names: Record<string, string> = { '#entryKey': 'entryKey' };
  if (claim.reEntry.rule === 'afterDays') {
    conditions.push('#enteredAt <= :cutoff');
    values[':cutoff'] = { S: new Date(Date.parse(at) - claim.reEntry.days * DAY_MS).toISOString() };
    names['#enteredAt'] = 'enteredAt';
  }
  const record = {
    [SORT_KEY]: { S: entryRecordKey(claim.journey) },
    kind: { S: 'journey_entry' },
    journey: { S: claim.journey },
    entryKey: { S: claim.entryKey },
    enteredAt: { S: at },
  };
  return putIf(options, claim.customerId, record, conditions.join(' OR '), names, values);
}

/** Claims the key record: `repeated` when the key was entered under at another instant. */
async function claimKey(options: EntryRecordsOptions, claim: EntryClaim, at: string): Promise<EntryClaimOutcome> {
  const old = await putIf(
    options,
    claim.customerId,
    {
      [SORT_KEY]: { S: entryKeyRecordKey(claim.journey, claim.entryKey) },
      kind: { S: 'journey_entry_key' },
      journey: { S: claim.journey },
      entryKey: { S: claim.entryKey },
      enteredAt: { S: at },
    },
    'attribute_not_exists(#pk) OR #enteredAt = :at',
    { '#enteredAt': 'enteredAt' },
    { ':at': { S: at } },
  );
  if (old === false) return 'repeated';
  return old === undefined ? 'first' : 'again';
}

/**
 * Puts `item` in the customer's partition on `condition`: false when the condition failed, else
 * the item it replaced (undefined when there was none; free with the write).
 */
async function putIf(
  options: EntryRecordsOptions,
  customerId: string,
  item: Record<string, AttributeValue>,
  condition: string,
  names: Record<string, string>,
  values: Record<string, AttributeValue>,
): Promise<Record<string, AttributeValue> | undefined | false> {
  try {
    const { Attributes: previous } = await options.client.send(
      new PutItemCommand({
        TableName: options.tableName,
        Item: { [PARTITION_KEY]: { S: itemKeys.partition(customerId) }, ...item },
        ConditionExpression: condition,
        ExpressionAttributeNames: { '#pk': PARTITION_KEY, ...names },
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_OLD',
      }),
    );
    return previous;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
