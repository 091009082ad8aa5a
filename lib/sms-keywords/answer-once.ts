/**
 * Each inbound text is answered at most once. SNS delivers at least once, and the reply is a
 * provider call that takes no idempotency key, so, as for every send (DESIGN: the ledger entry is
 * written before the provider is called), a claim is written first: one item per inbound message
 * in the customer table, `pk = sk = SMS_ANSWER#<inbound message id>`, put only if absent. A
 * redelivery finds it and sends nothing. The claim has its own partition rather than the number's:
 * the phone-index lookup reads the whole number partition on every inbound text, and would then
 * read a week of a chatty number's answers each time.
 *
 * The claim is given back only when the provider certainly did not take the text (throttled, or
 * never reached), so that the redelivery SNS makes after the error answers; an error after which
 * the text may have gone out keeps it, and the text is never sent twice. The item expires after
 * {@link ANSWER_CLAIM_RETENTION_DAYS}, well after SNS and Lambda stop retrying (hours).
 * IAM: `dynamodb:PutItem`, `dynamodb:DeleteItem`.
 */
import { ConditionalCheckFailedException, DeleteItemCommand, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { CustomerStoreError } from '../store/errors';
import { expiryAfter } from '../store/item-keys';
import { PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE, type CustomerTable } from '../store/table-design';

/** Prefix of the key (partition and sort) of an answer's claim. */
const ANSWER_CLAIM_KEY_PREFIX = 'SMS_ANSWER#';
/** Days an answer's claim is kept: long past the last redelivery of the text it answers. */
const ANSWER_CLAIM_RETENTION_DAYS = 7;

/** The inbound text an answer is for. */
export interface AnsweredText {
  readonly inboundMessageId: string;
  /** When SNS received it. */
  readonly receivedAt: string;
}

function claimKey(text: AnsweredText): Record<string, AttributeValue> {
  const key = `${ANSWER_CLAIM_KEY_PREFIX}${encodeURIComponent(text.inboundMessageId)}`;
  return { [PARTITION_KEY]: { S: key }, [SORT_KEY]: { S: key } };
}

/**
 * Claims the answer to `text`: true when this is the first claim (answer it now), false when an
 * earlier delivery of the same text claimed it (answer nothing).
 * @throws CustomerStoreError when the table cannot be written.
 */
export async function claimAnswer(table: CustomerTable, text: AnsweredText): Promise<boolean> {
  try {
    await table.client.send(
      new PutItemCommand({
        TableName: table.tableName,
        Item: { ...claimKey(text), kind: { S: 'sms_answer_claim' }, [TTL_ATTRIBUTE]: { N: String(expiryAfter(text.receivedAt, ANSWER_CLAIM_RETENTION_DAYS)) } },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': PARTITION_KEY },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw new CustomerStoreError(`claim the answer to inbound text ${text.inboundMessageId} failed`, { cause: error });
  }
}

/**
 * Gives the claim back, for an answer the provider certainly did not take, so that a redelivery answers.
 * @throws CustomerStoreError when the table cannot be written.
 */
export async function releaseAnswer(table: CustomerTable, text: AnsweredText): Promise<void> {
  try {
    await table.client.send(new DeleteItemCommand({ TableName: table.tableName, Key: claimKey(text) }));
  } catch (error) {
    throw new CustomerStoreError(`release the answer to inbound text ${text.inboundMessageId} failed`, { cause: error });
  }
}
