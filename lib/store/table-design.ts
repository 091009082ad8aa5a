/**
 * The single-table design of the customer table, shared by the store, the tests, the local
 * runtime and the CDK data construct (which must not be imported from here: no CDK in this file).
 *
 * One partition per customer, `pk = CUSTOMER#<id>`. Sort keys:
 *
 * | sort key                                          | item                                   | TTL |
 * |---------------------------------------------------|----------------------------------------|-----|
 * | `STATE#PROFILE`                                   | profile                                |     |
 * | `STATE#PREFERENCES`                               | preferences                            |     |
 * | `STATE#CONSENT#<channel>#<topic>`                 | current consent for channel and topic  |     |
 * | `STATE#SUPPRESSION#<channel>`                     | suppression of a channel               |     |
 * | `STATE#ATTRIBUTE#<name>`                          | current value of an attribute          |     |
 * | `STATE#FREQUENCY`                                 | marketing sends of the last 7 days     |     |
 * | `CONSENT_LEDGER#<at>#<channel>#<topic>#<status>#<source hash>` | consent event with proof  |     |
 * | `ATTRIBUTE_HISTORY#<name>#<at>#<value hash>`      | one attribute change                   |     |
 * | `SEND#<idempotency key>`                          | send-ledger entry                      | yes |
 * | `DECISION#<at>#<hash of execution, step, outcome>`| gate decision of a Send step           | yes |
 * | `ENTRY#<journey>`                                 | re-entry claim of a journey (ingest)   |     |
 * | `ENTRY#<journey>#KEY#<entry key>`                 | entry under one key (entry-records.ts) |     |
 * | `ENTRY#<journey>#DEFERRED_LAPSE`                  | lapse the re-entry rule refused, for the scan (deferred-lapses.ts) | yes |
 * | `WAIT#<event>#<execution>`                        | task token of a wait-for-event step    |     |
 * | `JOURNEY#<execution>#<step>#<record>`             | stage change, goal or exit of a journey |    |
 * | `SMS_CONFIRMATION#<E.164>`                        | last SMS double opt-in text to the number (sms-confirmation-texts.ts) | yes |
 * | `STATE#ERASED`                                    | erasure tombstone: id and instant only (erase-customer.ts) | yes |
 *
 * Besides customer partitions, the phone index (lib/store/phone-index.ts) keeps one partition
 * per number, `pk = PHONE#<E.164>`, with one item per customer whose profile holds the number,
 * `sk = CUSTOMER#<id>`, so that an inbound STOP reaches every one of them with one Query. (Tables
 * written before held one item per number, `sk = PHONE_INDEX`, for the customer stored last; the
 * Query reads it as one more holder.) An answer to an inbound text is claimed in a partition of its
 * own, `pk = sk = SMS_ANSWER#<inbound message id>`, with a TTL (lib/sms-keywords/answer-once.ts).
 * The double opt-in confirmations sent to one address or number are counted in its own partition,
 * `pk = CONFIRMATION_TO#<SHA-256 of channel and destination>`, `sk = SLOT#<n>`, with a TTL
 * (lib/store/confirmation-destinations.ts): the key holds no address or number. Each channel a
 * provider limits to so many messages a second has one item per class of message, `pk =
 * RATE#<channel>` for marketing and `pk = RATE#<channel>#transactional`, `sk = SLOT`, holding
 * `next`, the epoch ms of the class's next free send slot (lib/store/send-slots.ts).
 *
 * One secondary index, the lapse index (`lapse`), lists customers by when an event last happened,
 * for the daily inactivity scan: each `STATE#ATTRIBUTE#lastEvent.<event>` item carries
 * `lapseKey = lastEvent.<event>#<shard>` and `lapseAt = <changedAt as a UTC instant>`; the only
 * other item that does is a lapse the re-entry rule refused (`ENTRY#<journey>#DEFERRED_LAPSE`,
 * lib/ingest/deferred-lapses.ts), `lapseKey = deferredLapse.<journey>#<shard>`, `lapseAt = <when
 * the rule lets the customer in>` (a sparse index). A new occurrence rewrites the item, so the
 * customer moves to the new instant. The scan reads one range of `lapseAt` per shard. The shard
 * (a digest of the customer id, {@link LAPSE_INDEX_SHARDS} of them) spreads the writes of busy
 * days over several index partition keys, each of which takes 1,000 writes a second.
 *
 * The profile and preferences items carry `updatedAtKey`, when they were last stated as a UTC
 * instant, so that a write can be conditional on the stored one being no newer: last write wins
 * by the time of the event, not of its arrival (CustomerStore.updateProfile, putPreferences).
 * Each of the profile's fields also carries its own time, `<field>AtKey` (`emailAtKey`,
 * `stageAtKey`, …): events name only the fields they change, and journeys set the stage without
 * restating the profile, so a late event's phone must still land after a newer event's email,
 * and an event's stage must not undo a later journey's. A field stored without its own time
 * (written before these existed) counts as stated at `updatedAtKey` for an event's update; a
 * journey sets the stage over it.
 *
 * Everything the permission gate and the send path read at send time is under `STATE#`, so one
 * strongly consistent Query (`begins_with(sk, "STATE#")`) returns it; the histories grow under
 * other prefixes and never inflate that read. `<at>` is the UTC instant with milliseconds
 * (`2026-03-02T09:00:00.000Z`), so sort-key order is time order. Names and keys inside sort keys
 * are URI-encoded so that no `#` inside them can make one prefix match another. Every other
 * access is by customer.
 */
import type { CreateTableCommandInput, DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** Partition key attribute (string): `CUSTOMER#<customer id>`. */
/**
 * The customer table as the modules that write records outside the customer store reach it (the
 * phone index, the claims of confirmation texts, slots and answers): a client and the table's name.
 */
export interface CustomerTable {
  readonly client: DynamoDBClient;
  readonly tableName: string;
}

export const PARTITION_KEY = 'pk';
/** Sort key attribute (string); see the table above. */
export const SORT_KEY = 'sk';
/** When a profile or preferences item was last stated, as a UTC instant (see the module comment). */
export const UPDATED_AT_KEY = 'updatedAtKey';
/** The attribute holding when the profile's `field` was last stated, as a UTC instant (see the module comment). */
export function profileFieldAtKey(field: string): string {
  return `${field}AtKey`;
}
/** TTL attribute: epoch seconds after which DynamoDB may delete the item. */
export const TTL_ATTRIBUTE = 'expiresAt';
/** The lapse index (see the module comment). */
export const LAPSE_INDEX_NAME = 'lapse';
/** The lapse index's partition key attribute (string): `<attribute>#<shard>`. */
export const LAPSE_KEY = 'lapseKey';
/** The lapse index's sort key attribute (string): the event's last instant in UTC with milliseconds. */
export const LAPSE_AT = 'lapseAt';
/** Index partition keys one event's occurrences are spread over. */
export const LAPSE_INDEX_SHARDS = 8;
/**
 * Prefix of the attributes that keep each customer event's last occurrence (`lastEvent.<event>`,
 * see lib/journeys/event-history.ts); the lapse index lists their state items.
 */
export const LAST_EVENT_ATTRIBUTE_PREFIX = 'lastEvent.';
/**
 * Prefix of the lapse-index attributes that list an inactivity journey's deferred lapses
 * (`deferredLapse.<journey>`, see lib/ingest/deferred-lapses.ts); never a `lastEvent.` one.
 */
export const DEFERRED_LAPSE_PREFIX = 'deferredLapse.';

/** Prefix of every partition key value. */
export const CUSTOMER_PARTITION_PREFIX = 'CUSTOMER#';

/** Sort-key prefixes. `state` is the one the snapshot read queries. */
export const SORT_KEY_PREFIXES = {
  state: 'STATE#',
  consentLedger: 'CONSENT_LEDGER#',
  attributeHistory: 'ATTRIBUTE_HISTORY#',
  sendLedger: 'SEND#',
  decision: 'DECISION#',
} as const;

/**
 * Days a send-ledger entry is kept. Longer than the longest Step Functions Standard execution
 * (one year), so any retry of a live execution still finds the entry that makes the send happen once.
 */
export const SEND_LEDGER_RETENTION_DAYS = 400;
/** Days a gate decision is kept for `overture why`; the same horizon as the send ledger. */
export const DECISION_RETENTION_DAYS = 400;

/** The CreateTable input for the customer table: on-demand billing, string `pk`/`sk`, the lapse index. */
export function customerTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: PARTITION_KEY, AttributeType: 'S' },
      { AttributeName: SORT_KEY, AttributeType: 'S' },
      { AttributeName: LAPSE_KEY, AttributeType: 'S' },
      { AttributeName: LAPSE_AT, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: PARTITION_KEY, KeyType: 'HASH' },
      { AttributeName: SORT_KEY, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: LAPSE_INDEX_NAME,
        KeySchema: [
          { AttributeName: LAPSE_KEY, KeyType: 'HASH' },
          { AttributeName: LAPSE_AT, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ],
  };
}
