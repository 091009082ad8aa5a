/**
 * How many double opt-in confirmations went to one destination (an email address, a phone
 * number), whichever customers they were for: the record behind the consent API's per-destination
 * budget (lib/consent-api/confirmation-budget.ts).
 *
 * The public capture form takes any address or number, so without it anyone could make us mail
 * or text a stranger again and again by capturing under new customer ids. A budget of `messages`
 * confirmations per `windowMs` is kept as that many slots in the destination's own partition:
 * `pk = CONFIRMATION_TO#<digest>`, `sk = SLOT#<n>` (n < messages), each holding when the
 * confirmation it stands for was handed to the provider (`sentAt`), a claim id and a TTL. A slot
 * is claimed with one conditional PutItem, only if it is empty or its confirmation is older than
 * the window, so two Lambda instances never claim the same slot, and within any window of
 * `windowMs` at most `messages` confirmations go out: two taking the same slot are more than a
 * window apart. No read comes first and nothing is counted in memory.
 *
 * The digest is SHA-256 of the channel and the normalized destination (normalizedDestination), so
 * the key does not copy the address or number into a second place; the item holds neither, and no
 * customer id, so it does not link customers who typed the same address either. (An unkeyed digest
 * of a phone number can be reversed by trying every number; the item says only that some
 * confirmation went there in the last day, and expires.)
 *
 * Not under `CUSTOMER#` or `PHONE#`: it belongs to no customer, and the phone-index Query of a
 * number's partition must not read it.
 * IAM: `dynamodb:PutItem` (claim), `dynamodb:DeleteItem` (a claim given back).
 */
import { createHash, randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException, DeleteItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { InstantSchema, PhoneSchema } from '../customer/model';
import { CustomerStoreError } from './errors';
import { instantKey } from './item-keys';
import { parseRecord } from './record-validation';
import { PARTITION_KEY, SORT_KEY, type CustomerTable } from './table-design';
import { claimForWindow } from './window-claim';

/** Prefix of the partition key of a destination's confirmation slots. */
const DESTINATION_PARTITION_PREFIX = 'CONFIRMATION_TO#';
/** Prefix of the sort key of one slot. */
const SLOT_SORT_PREFIX = 'SLOT#';

/** Where a confirmation goes. */
export interface ConfirmationDestination {
  readonly channel: 'email' | 'sms';
  /** The email address, or the E.164 number. */
  readonly to: string;
}

/** At most `messages` confirmations to one destination in any `windowMs`. */
export interface DestinationBudget {
  readonly messages: number;
  readonly windowMs: number;
}

/** A slot claimed for one confirmation; give it back with releaseDestinationSlot when nothing went out. */
export interface DestinationClaim {
  readonly key: Readonly<Record<string, AttributeValue>>;
  readonly claimId: string;
}

/** Mailbox providers that ignore dots in the local part and have a second domain name. */
const GMAIL_DOMAINS = new Set(['gmail.com', 'googlemail.com']);

/**
 * The form of a destination the budget is counted on. A number is E.164 already. An address is
 * lower-cased, loses its `+tag` (sub-addressing, RFC 5233: `ana+1@…` reaches `ana@…`) and, at
 * Gmail, its dots and the googlemail.com alias: each variant reaches the same mailbox, so each
 * would otherwise be a fresh budget. Two people whose addresses differ only so share a budget,
 * which costs them at most a confirmation delayed by a day.
 */
export function normalizedDestination(destination: ConfirmationDestination): string {
  if (destination.channel === 'sms') return parseRecord(PhoneSchema, destination.to, 'to');
  const address = destination.to.trim().toLowerCase();
  const at = address.lastIndexOf('@');
  if (at <= 0) return address;
  let local = address.slice(0, at);
  let domain = address.slice(at + 1);
  const tag = local.indexOf('+');
  if (tag > 0) local = local.slice(0, tag);
  if (GMAIL_DOMAINS.has(domain)) {
    local = local.replaceAll('.', '');
    domain = 'gmail.com';
  }
  return `${local}@${domain}`;
}

/** The partition key of a destination's slots: a digest, never the address or number. */
export function destinationPartition(destination: ConfirmationDestination): string {
  const digest = createHash('sha256').update(`${destination.channel}:${normalizedDestination(destination)}`).digest('hex');
  return `${DESTINATION_PARTITION_PREFIX}${digest}`;
}

function slotKey(partition: string, slot: number): Record<string, AttributeValue> {
  return { [PARTITION_KEY]: { S: partition }, [SORT_KEY]: { S: `${SLOT_SORT_PREFIX}${slot}` } };
}

function checkedBudget(budget: DestinationBudget): DestinationBudget {
  if (!Number.isInteger(budget.messages) || budget.messages < 1) throw new RangeError(`budget.messages must be a whole number of at least 1, not ${budget.messages}`);
  if (!Number.isInteger(budget.windowMs) || budget.windowMs < 1) throw new RangeError(`budget.windowMs must be a whole number of at least 1, not ${budget.windowMs}`);
  return budget;
}

/**
 * Claims one of the destination's slots for a confirmation sent at `at`: the claim when a slot
 * was free (send it now), undefined when the destination had `budget.messages` confirmations in
 * the `budget.windowMs` before `at` (send nothing). See the module comment.
 * @throws CustomerStoreError when the table cannot be written.
 */
export async function claimDestinationSlot(
  table: CustomerTable,
  destination: ConfirmationDestination,
  at: string,
  budget: DestinationBudget,
): Promise<DestinationClaim | undefined> {
  const { messages, windowMs } = checkedBudget(budget);
  const sentAt = instantKey(parseRecord(InstantSchema, at, 'at'));
  const partition = destinationPartition(destination);
  const claimId = randomUUID();
  for (let slot = 0; slot < messages; slot += 1) {
    const key = slotKey(partition, slot);
    let claimed: boolean;
    try {
      claimed = await claimForWindow(table, { key, attributes: { kind: { S: 'confirmation_slot' }, claimId: { S: claimId } }, sentAt, windowMs });
    } catch (error) {
      throw new CustomerStoreError(`claim a ${destination.channel} confirmation slot failed`, { cause: error });
    }
    if (claimed) return { key, claimId };
  }
  return undefined;
}

/**
 * Gives back a claimed slot (nothing went out), so that the next confirmation to the destination
 * may take it; a slot claimed again since is left alone.
 * @throws CustomerStoreError when the table cannot be written.
 */
export async function releaseDestinationSlot(table: CustomerTable, claim: DestinationClaim): Promise<void> {
  try {
    await table.client.send(
      new DeleteItemCommand({
        TableName: table.tableName,
        Key: { ...claim.key },
        ConditionExpression: '#claimId = :claimId',
        ExpressionAttributeNames: { '#claimId': 'claimId' },
        ExpressionAttributeValues: { ':claimId': { S: claim.claimId } },
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return;
    throw new CustomerStoreError('give back a confirmation slot failed', { cause: error });
  }
}
