/**
 * A claim that holds for a window of time: one conditional PutItem that writes an item only when
 * its key holds nothing, or a claim stated (`sentAt`) longer than the window ago. Two writers can
 * never both hold one key within a window, with no read first. The item expires (TTL) a day after
 * its window. Used for the confirmation texts per customer and number (sms-confirmation-texts.ts)
 * and the confirmation slots per destination (confirmation-destinations.ts).
 */
import { ConditionalCheckFailedException, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { expiryAfter } from './item-keys';
import { PARTITION_KEY, TTL_ATTRIBUTE, type CustomerTable } from './table-design';

/** What to claim: the item's key and other attributes, when (a UTC instant, as stored) and for how long. */
export interface WindowClaim {
  readonly key: Readonly<Record<string, AttributeValue>>;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  readonly sentAt: string;
  readonly windowMs: number;
}

/**
 * Writes the claim, as `sentAt` with a TTL, when the key is free: true when written, false when a
 * claim stated within the `windowMs` before `sentAt` (or at it) holds the key.
 * @throws whatever the client throws but a failed condition; the caller names what failed.
 */
export async function claimForWindow(table: CustomerTable, claim: WindowClaim): Promise<boolean> {
  // Strictly older than the window: two claims of one key are more than windowMs apart.
  const windowStart = new Date(Date.parse(claim.sentAt) - claim.windowMs).toISOString();
  try {
    await table.client.send(
      new PutItemCommand({
        TableName: table.tableName,
        Item: {
          ...claim.key,
          ...claim.attributes,
          sentAt: { S: claim.sentAt },
          [TTL_ATTRIBUTE]: { N: String(expiryAfter(claim.sentAt, Math.ceil(claim.windowMs / 86_400_000) + 1)) },
        },
        ConditionExpression: 'attribute_not_exists(#pk) OR #sentAt < :windowStart',
        ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sentAt': 'sentAt' },
        ExpressionAttributeValues: { ':windowStart': { S: windowStart } },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
