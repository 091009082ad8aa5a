/** Records and raw reads shared by the store tests. */
import { QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Profile } from '../../lib/customer/model';

let customerSequence = 0;

/** A customer id no other test in this process uses. */
export function newCustomerId(label = 'c'): string {
  customerSequence += 1;
  return `${label}-${process.pid}-${customerSequence}`;
}

export function aProfile(customerId: string, overrides: Partial<Profile> = {}): Profile {
  return {
    customerId,
    stage: 'prospect',
    timezone: 'America/New_York',
    email: 'ana@example.com',
    phone: '+12125550143',
    address: { line1: '1 Main St', city: 'Springfield', postalCode: '01101', country: 'US' },
    updatedAt: '2026-03-01T12:00:00Z',
    ...overrides,
  };
}

/** Every raw item of a customer's partition, in sort-key order, read around the store. */
export async function partitionItems(
  client: DynamoDBClient,
  tableName: string,
  customerId: string,
): Promise<Array<Record<string, AttributeValue>>> {
  const items: Array<Record<string, AttributeValue>> = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: `CUSTOMER#${customerId}` } },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return items;
}

/** The sort keys of a customer's partition. */
export async function partitionSortKeys(client: DynamoDBClient, tableName: string, customerId: string): Promise<string[]> {
  return (await partitionItems(client, tableName, customerId)).map((item) => item.sk?.S ?? '');
}
