import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand, PutItemCommand, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { conditionFailedAt, transactWrite } from '../../lib/store/transact-write';
import { countRequests, createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';

let dynamo: DynaliteHarness;
let tableName: string;

beforeAll(async () => {
  dynamo = await startDynalite();
  tableName = await createCustomerTable(dynamo.client, 'transact');
});

afterAll(() => dynamo.stop());

const key = (sk: string) => ({ pk: { S: 'CUSTOMER#t' }, sk: { S: sk } });
const absent = { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': 'pk' } };
const present = { ConditionExpression: 'attribute_exists(#pk)', ExpressionAttributeNames: { '#pk': 'pk' } };

async function itemAt(sk: string) {
  return (await dynamo.client.send(new GetItemCommand({ TableName: tableName, Key: key(sk), ConsistentRead: true }))).Item;
}

/** Runs `actions` with transactWrite and lists the commands it sent. */
async function run(actions: TransactWriteItem[]) {
  const counter = countRequests(dynamo.client);
  const result = await transactWrite(dynamo.client, actions, 'test write');
  counter.detach();
  return { result, commands: counter.commands };
}

describe('transactWrite', () => {
  it('sends a single Put as one conditional PutItem, and answers its false condition as a transaction would', async () => {
    // Prepare
    const put = { Put: { TableName: tableName, Item: { ...key('put'), n: { N: '1' } }, ...absent, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const } };

    // Act
    const first = await run([put]);
    const second = await run([{ Put: { ...put.Put, Item: { ...key('put'), n: { N: '2' } } } }]);

    // Assess
    expect(first).toEqual({ result: { committed: true }, commands: ['PutItemCommand'] });
    expect(second.commands).toEqual(['PutItemCommand']);
    expect(conditionFailedAt(second.result, 0)).toBe(true);
    expect(await itemAt('put')).toMatchObject({ n: { N: '1' } });
  });

  it('sends a single Update or Delete as that one write, and writes nothing when its condition is false', async () => {
    // Act
    const update = await run([{ Update: { TableName: tableName, Key: key('missing'), UpdateExpression: 'SET n = :n', ExpressionAttributeValues: { ':n': { N: '1' } }, ...present } }]);
    const deleted = await run([{ Delete: { TableName: tableName, Key: key('missing'), ...present } }]);

    // Assess
    expect(update.commands).toEqual(['UpdateItemCommand']);
    expect(deleted.commands).toEqual(['DeleteItemCommand']);
    expect([conditionFailedAt(update.result, 0), conditionFailedAt(deleted.result, 0)]).toEqual([true, true]);
    expect(await itemAt('missing')).toBeUndefined();
  });

  it('deletes with a single Delete whose condition holds', async () => {
    // Prepare
    await run([{ Put: { TableName: tableName, Item: key('gone') } }]);

    // Act
    const deleted = await run([{ Delete: { TableName: tableName, Key: key('gone'), ...present } }]);

    // Assess
    expect(deleted).toEqual({ result: { committed: true }, commands: ['DeleteItemCommand'] });
    expect(await itemAt('gone')).toBeUndefined();
  });

  it('keeps two actions, or a ConditionCheck alone, in one TransactWriteItems', async () => {
    // Act
    const two = await run([{ Put: { TableName: tableName, Item: key('a') } }, { Put: { TableName: tableName, Item: key('b') } }]);
    const check = await run([{ ConditionCheck: { TableName: tableName, Key: key('a'), ...present } }]);

    // Assess
    expect(two).toEqual({ result: { committed: true }, commands: ['TransactWriteItemsCommand'] });
    expect(check).toEqual({ result: { committed: true }, commands: ['TransactWriteItemsCommand'] });
  });

  it('hands on the old item DynamoDB returns when the condition of a single write is false (ALL_OLD)', async () => {
    // Prepare: dynalite returns no old item, DynamoDB does; this is DynamoDB's answer.
    const client = new DynamoDBClient({ region: 'us-east-1' });
    const old = { ...key('put'), n: { N: '1' } };
    mockClient(client).on(PutItemCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {}, Item: old }));

    // Act
    const result = await transactWrite(client, [{ Put: { TableName: tableName, Item: key('put'), ...absent, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } }], 'test write');

    // Assess
    expect(result).toEqual({ committed: false, reasons: [{ Code: 'ConditionalCheckFailed', Item: old }] });
  });
});
