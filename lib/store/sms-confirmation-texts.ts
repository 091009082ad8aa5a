/**
 * The SMS double opt-in's confirmation texts, one record per (customer, number): when the last
 * one was handed to the provider, in the customer's partition, `sk = SMS_CONFIRMATION#<E.164>`,
 * with `phone`, `sentAt` (a UTC instant) and a TTL.
 *
 * It is claimed before the text is sent (the provider takes no idempotency key) and only if no
 * text went to that number for that customer within the window, so however often a request is
 * repeated (a preference link forwarded to someone who unticks and ticks SMS on every save), the
 * number gets at most one confirmation text per window. The claim is given back when the provider
 * certainly did not take the text, so that no YES confirms a request whose text never went out
 * and the next request may try again. A YES reads it: it confirms only a request whose number was
 * sent a text within the window.
 *
 * Not under `STATE#`: the send path's snapshot read never needs it.
 * IAM: `dynamodb:PutItem`, `dynamodb:DeleteItem`, `dynamodb:GetItem`.
 */
import { ConditionalCheckFailedException, DeleteItemCommand, GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { CustomerIdSchema, InstantSchema, PhoneSchema } from '../customer/model';
import { CustomerStoreError } from './errors';
import { instantKey, itemKeys } from './item-keys';
import { parseRecord } from './record-validation';
import { PARTITION_KEY, SORT_KEY, type CustomerTable } from './table-design';
import { claimForWindow } from './window-claim';

/** Prefix of the sort key of a confirmation-text record, in the customer's partition. */
const CONFIRMATION_TEXT_SORT_PREFIX = 'SMS_CONFIRMATION#';

/** A confirmation text to one customer's number, at one instant. */
export interface ConfirmationText {
  readonly customerId: string;
  /** E.164. */
  readonly phone: string;
  readonly at: string;
}

function keyOf(text: Pick<ConfirmationText, 'customerId' | 'phone'>): Record<string, AttributeValue> {
  const customerId = parseRecord(CustomerIdSchema, text.customerId, 'customerId');
  const phone = parseRecord(PhoneSchema, text.phone, 'phone');
  return { [PARTITION_KEY]: { S: itemKeys.partition(customerId) }, [SORT_KEY]: { S: `${CONFIRMATION_TEXT_SORT_PREFIX}${phone}` } };
}

/**
 * Claims the sending of a confirmation text: true when none went to the number for the customer
 * in the `windowMs` before `text.at` (send it now), false when one did (send nothing).
 * @throws CustomerStoreError when the table cannot be written.
 */
export async function claimConfirmationText(table: CustomerTable, text: ConfirmationText, windowMs: number): Promise<boolean> {
  const sentAt = instantKey(parseRecord(InstantSchema, text.at, 'at'));
  try {
    return await claimForWindow(table, { key: keyOf(text), attributes: { kind: { S: 'sms_confirmation_text' }, phone: { S: text.phone } }, sentAt, windowMs });
  } catch (error) {
    throw new CustomerStoreError(`claim a confirmation text to customer ${text.customerId} failed`, { cause: error });
  }
}

/**
 * Gives back the claim made for `text` (the provider certainly did not take it); a later claim
 * is left alone.
 * @throws CustomerStoreError when the table cannot be written.
 */
export async function releaseConfirmationText(table: CustomerTable, text: ConfirmationText): Promise<void> {
  const key = keyOf(text);
  try {
    await table.client.send(
      new DeleteItemCommand({
        TableName: table.tableName,
        Key: key,
        ConditionExpression: '#sentAt = :sentAt',
        ExpressionAttributeNames: { '#sentAt': 'sentAt' },
        ExpressionAttributeValues: { ':sentAt': { S: instantKey(text.at) } },
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return;
    throw new CustomerStoreError(`release a confirmation text to customer ${text.customerId} failed`, { cause: error });
  }
}

/**
 * When the last confirmation text to `phone` for the customer was handed to the provider (or may
 * have been), read strongly consistently; undefined when none is on record.
 * @throws CustomerStoreError when the table cannot be read.
 */
export async function lastConfirmationTextAt(table: CustomerTable, customerId: string, phone: string): Promise<string | undefined> {
  const key = keyOf({ customerId, phone });
  try {
    const { Item } = await table.client.send(new GetItemCommand({ TableName: table.tableName, Key: key, ConsistentRead: true }));
    return Item?.sentAt?.S;
  } catch (error) {
    throw new CustomerStoreError(`read the confirmation texts of customer ${customerId} failed`, { cause: error });
  }
}
