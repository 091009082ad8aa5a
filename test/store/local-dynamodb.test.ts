import {
  CreateTableCommand,
  DeleteTableCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactGetItemsCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  waitUntilTableExists,
  waitUntilTableNotExists,
  type DynamoDBClient,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startLocalDynamoDB } from '../../lib/store/local/local-dynamodb';
import {
  restoreItems,
  transactWriteItems,
  type InvokeOperation,
  type ItemBefore,
  type TransactionJournal,
} from '../../lib/store/local/transact-write-items';
import { createCustomerTable, localDynamoDBClient, startDynalite, type DynaliteHarness } from '../support/dynalite';

let dynamo: DynaliteHarness;
let tableName: string;

beforeAll(async () => {
  dynamo = await startDynalite();
  tableName = await createCustomerTable(dynamo.client, 'local-dynamodb');
});

afterAll(() => dynamo.stop());

const key = (pk: string, sk: string) => ({ pk: { S: pk }, sk: { S: sk } });

async function getItem(pk: string, sk: string) {
  return (await dynamo.client.send(new GetItemCommand({ TableName: tableName, Key: key(pk, sk), ConsistentRead: true }))).Item;
}

async function cancellation(items: TransactWriteItem[]): Promise<TransactionCanceledException> {
  const error = await dynamo.client.send(new TransactWriteItemsCommand({ TransactItems: items })).catch((caught: unknown) => caught);
  if (!(error instanceof TransactionCanceledException)) throw new Error(`expected a cancellation, got ${String(error)}`);
  return error;
}

describe('TransactWriteItems on the local endpoint', () => {
  it('applies puts, updates, deletes and condition checks together', async () => {
    // Prepare
    await dynamo.client.send(new PutItemCommand({ TableName: tableName, Item: { ...key('t1', 'old'), n: { N: '1' } } }));
    await dynamo.client.send(new PutItemCommand({ TableName: tableName, Item: { ...key('t1', 'counter'), n: { N: '1' } } }));

    // Act
    await dynamo.client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: tableName, Item: { ...key('t1', 'new'), v: { S: 'x' } }, ConditionExpression: 'attribute_not_exists(pk)' } },
          {
            Update: {
              TableName: tableName,
              Key: key('t1', 'counter'),
              UpdateExpression: 'SET n = n + :one',
              ConditionExpression: 'n = :expected',
              ExpressionAttributeValues: { ':one': { N: '1' }, ':expected': { N: '1' } },
            },
          },
          { Delete: { TableName: tableName, Key: key('t1', 'old') } },
          { ConditionCheck: { TableName: tableName, Key: key('t1', 'absent'), ConditionExpression: 'attribute_not_exists(pk)' } },
        ],
      }),
    );

    // Assess
    expect(await getItem('t1', 'new')).toEqual({ ...key('t1', 'new'), v: { S: 'x' } });
    expect(await getItem('t1', 'counter')).toEqual({ ...key('t1', 'counter'), n: { N: '2' } });
    expect(await getItem('t1', 'old')).toBeUndefined();
    expect(await getItem('t1', 'absent')).toBeUndefined();
  });

  it('writes nothing and gives one reason per action, with the old item when asked, if a condition is false', async () => {
    // Prepare
    await dynamo.client.send(new PutItemCommand({ TableName: tableName, Item: { ...key('t2', 'taken'), owner: { S: 'first' } } }));

    // Act
    const error = await cancellation([
      { Put: { TableName: tableName, Item: key('t2', 'fresh') } },
      {
        Put: {
          TableName: tableName,
          Item: { ...key('t2', 'taken'), owner: { S: 'second' } },
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
    ]);

    // Assess
    expect(error.CancellationReasons).toEqual([
      { Code: 'None' },
      { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed', Item: { ...key('t2', 'taken'), owner: { S: 'first' } } },
    ]);
    expect(await getItem('t2', 'fresh')).toBeUndefined();
    expect(await getItem('t2', 'taken')).toEqual({ ...key('t2', 'taken'), owner: { S: 'first' } });
  });

  it('evaluates a condition without creating the item it names', async () => {
    // Act
    await cancellation([
      { ConditionCheck: { TableName: tableName, Key: key('t3', 'ghost'), ConditionExpression: 'attribute_exists(pk)' } },
    ]);
    await dynamo.client.send(
      new TransactWriteItemsCommand({
        TransactItems: [{ ConditionCheck: { TableName: tableName, Key: key('t3', 'ghost'), ConditionExpression: 'attribute_not_exists(pk)' } }],
      }),
    );

    // Assess
    const { Items } = await dynamo.client.send(
      new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 't3' } } }),
    );
    expect(Items).toEqual([]);
  });

  it('restores the items already written when a later action is rejected', async () => {
    // Prepare
    await dynamo.client.send(new PutItemCommand({ TableName: tableName, Item: { ...key('t4', 'text'), v: { S: 'a' } } }));

    // Act
    const writing = dynamo.client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: tableName, Item: key('t4', 'first') } },
          { Update: { TableName: tableName, Key: key('t4', 'text'), UpdateExpression: 'SET v = v + :one', ExpressionAttributeValues: { ':one': { N: '1' } } } },
        ],
      }),
    );

    // Assess
    await expect(writing).rejects.toMatchObject({ name: 'ValidationException' });
    expect(await getItem('t4', 'first')).toBeUndefined();
    expect(await getItem('t4', 'text')).toEqual({ ...key('t4', 'text'), v: { S: 'a' } });
  });

  it('rejects two actions on one item', async () => {
    // Act
    const writing = dynamo.client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: tableName, Item: key('t5', 'same') } },
          { Delete: { TableName: tableName, Key: key('t5', 'same') } },
        ],
      }),
    );

    // Assess
    await expect(writing).rejects.toThrow('Transaction request cannot include multiple operations on one item');
    expect(await getItem('t5', 'same')).toBeUndefined();
  });

  it('judges attribute_exists and attribute_not_exists of a named attribute from the item as it is', async () => {
    // Prepare: two items with `owner` but without `closedAt`
    for (const sk of ['a', 'b']) await dynamo.client.send(new PutItemCommand({ TableName: tableName, Item: { ...key('t7', sk), owner: { S: 'first' } } }));
    const check = (sk: string, condition: string, attribute: string): TransactWriteItem => ({
      ConditionCheck: { TableName: tableName, Key: key('t7', sk), ConditionExpression: condition, ExpressionAttributeNames: { '#a': attribute } },
    });

    // Act
    const refused = await cancellation([
      check('a', 'attribute_not_exists(#a)', 'pk'),
      check('b', 'attribute_exists(#a)', 'closedAt'),
      check('free', 'attribute_exists(#a)', 'pk'),
      { Put: { TableName: tableName, Item: key('t7', 'fresh'), ConditionExpression: ' attribute_not_exists( #a ) ', ExpressionAttributeNames: { '#a': 'pk' } } },
    ]);
    await dynamo.client.send(
      new TransactWriteItemsCommand({
        TransactItems: [check('a', 'attribute_exists(#a)', 'owner'), check('b', 'attribute_not_exists(#a)', 'closedAt'), check('free', 'attribute_not_exists(#a)', 'pk')],
      }),
    );

    // Assess
    expect(refused.CancellationReasons?.map((reason) => reason.Code)).toEqual(['ConditionalCheckFailed', 'ConditionalCheckFailed', 'ConditionalCheckFailed', 'None']);
    expect(await getItem('t7', 'fresh')).toBeUndefined();
    expect(await getItem('t7', 'free')).toBeUndefined();
  });

  it('names a placeholder the request does not define', async () => {
    // Act
    const writing = dynamo.client.send(
      new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: tableName, Item: key('t8', 'x'), ConditionExpression: 'attribute_not_exists(#missing)' } }] }),
    );

    // Assess
    await expect(writing).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringContaining('#missing') });
    expect(await getItem('t8', 'x')).toBeUndefined();
  });

  it('uses the keys of a table made again under the same name', async () => {
    // Prepare: a transaction on the table, which is then made again with one key `id`
    const name = await createCustomerTable(dynamo.client, 'remade');
    await dynamo.client.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: name, Item: key('t9', 'a') } }] }));
    await dynamo.client.send(new DeleteTableCommand({ TableName: name }));
    // dynalite deletes and creates tables in the background, as DynamoDB does.
    await waitUntilTableNotExists({ client: dynamo.client, maxWaitTime: 30, minDelay: 0.1 }, { TableName: name });
    await dynamo.client.send(
      new CreateTableCommand({
        TableName: name,
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await waitUntilTableExists({ client: dynamo.client, maxWaitTime: 30, minDelay: 0.1 }, { TableName: name });

    // Act
    await dynamo.client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: name, Item: { id: { S: 'one' }, v: { S: 'x' } } } },
          { Put: { TableName: name, Item: { id: { S: 'two' } }, ConditionExpression: 'attribute_not_exists(#id)', ExpressionAttributeNames: { '#id': 'id' } } },
        ],
      }),
    );

    // Assess
    const { Item } = await dynamo.client.send(new GetItemCommand({ TableName: name, Key: { id: { S: 'one' } } }));
    expect(Item).toEqual({ id: { S: 'one' }, v: { S: 'x' } });
  });

  describe('conditions dynalite judges (neither attribute_exists nor attribute_not_exists alone)', () => {
    /** A counter that must be absent or at `version`, written at `version + 1`. */
    const counterPut = (pk: string, version: number): TransactWriteItem => ({
      Put: {
        TableName: tableName,
        Item: { ...key(pk, 'counter'), version: { N: String(version + 1) } },
        ConditionExpression: 'attribute_not_exists(#pk) OR #version = :version',
        ExpressionAttributeNames: { '#pk': 'pk', '#version': 'version' },
        ExpressionAttributeValues: { ':version': { N: String(version) } },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    });
    const entryPut = (pk: string, sk: string): TransactWriteItem => ({
      Put: { TableName: tableName, Item: key(pk, sk), ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': 'pk' } },
    });
    const itemsOf = async (pk: string) =>
      (
        await dynamo.client.send(
          new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: pk } }, ConsistentRead: true }),
        )
      ).Items ?? [];

    it('applies the transaction when the condition holds, on an absent item and then at its version', async () => {
      // Act
      await dynamo.client.send(new TransactWriteItemsCommand({ TransactItems: [entryPut('t9', 'entry-1'), counterPut('t9', 0)] }));
      await dynamo.client.send(new TransactWriteItemsCommand({ TransactItems: [entryPut('t9', 'entry-2'), counterPut('t9', 1)] }));

      // Assess
      expect(await getItem('t9', 'counter')).toEqual({ ...key('t9', 'counter'), version: { N: '2' } });
      expect((await itemsOf('t9')).map((item) => item.sk?.S).sort()).toEqual(['counter', 'entry-1', 'entry-2']);
    });

    it('writes nothing when that condition is false, and names it with the old item', async () => {
      // Prepare
      await dynamo.client.send(new PutItemCommand({ TableName: tableName, Item: { ...key('t10', 'counter'), version: { N: '3' } } }));

      // Act
      const error = await cancellation([entryPut('t10', 'entry'), counterPut('t10', 2)]);

      // Assess
      expect(error.CancellationReasons).toEqual([
        { Code: 'None' },
        { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed', Item: { ...key('t10', 'counter'), version: { N: '3' } } },
      ]);
      expect(await itemsOf('t10')).toEqual([{ ...key('t10', 'counter'), version: { N: '3' } }]);
    });

    it('gives every action its own reason when another condition is false too, or instead', async () => {
      // Prepare: the entry exists; the counter is absent
      await dynamo.client.send(new PutItemCommand({ TableName: tableName, Item: key('t11', 'entry') }));

      // Act
      const bothHold = await cancellation([entryPut('t11', 'entry'), counterPut('t11', 0)]);
      await dynamo.client.send(new PutItemCommand({ TableName: tableName, Item: { ...key('t11', 'counter'), version: { N: '5' } } }));
      const bothFail = await cancellation([entryPut('t11', 'entry'), counterPut('t11', 0)]);

      // Assess
      expect(bothHold.CancellationReasons?.map((reason) => reason.Code)).toEqual(['ConditionalCheckFailed', 'None']);
      expect(bothFail.CancellationReasons?.map((reason) => reason.Code)).toEqual(['ConditionalCheckFailed', 'ConditionalCheckFailed']);
      expect((await itemsOf('t11')).map((item) => item.sk?.S).sort()).toEqual(['counter', 'entry']);
      expect(await getItem('t11', 'counter')).toEqual({ ...key('t11', 'counter'), version: { N: '5' } });
    });

    it('judges two such conditions, and writes nothing when the second is false', async () => {
      // Prepare
      await dynamo.client.send(new PutItemCommand({ TableName: tableName, Item: { ...key('t12', 'other'), version: { N: '7' } } }));
      const otherPut = (version: number): TransactWriteItem => ({
        Update: {
          TableName: tableName,
          Key: key('t12', 'other'),
          UpdateExpression: 'SET #version = :next',
          ConditionExpression: '#version = :version',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':version': { N: String(version) }, ':next': { N: String(version + 1) } },
        },
      });

      // Act
      const refused = await cancellation([counterPut('t12', 0), otherPut(6)]);
      await dynamo.client.send(new TransactWriteItemsCommand({ TransactItems: [counterPut('t12', 0), otherPut(7)] }));

      // Assess
      expect(refused.CancellationReasons?.map((reason) => reason.Code)).toEqual(['None', 'ConditionalCheckFailed']);
      expect(await getItem('t12', 'counter')).toEqual({ ...key('t12', 'counter'), version: { N: '1' } });
      expect(await getItem('t12', 'other')).toEqual({ ...key('t12', 'other'), version: { N: '8' } });
    });

    it('undoes the write that judged its condition when a later action is rejected', async () => {
      // Prepare
      await dynamo.client.send(new PutItemCommand({ TableName: tableName, Item: { ...key('t13', 'text'), v: { S: 'a' } } }));

      // Act
      const writing = dynamo.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Update: { TableName: tableName, Key: key('t13', 'text'), UpdateExpression: 'SET v = v + :one', ExpressionAttributeValues: { ':one': { N: '1' } } } },
            counterPut('t13', 0),
          ],
        }),
      );

      // Assess
      await expect(writing).rejects.toMatchObject({ name: 'ValidationException' });
      expect(await itemsOf('t13')).toEqual([{ ...key('t13', 'text'), v: { S: 'a' } }]);
    });
  });

  it('lets exactly one of many concurrent transactions win the same condition', async () => {
    // Act
    const outcomes = await Promise.allSettled(
      Array.from({ length: 12 }, (_, index) =>
        dynamo.client.send(
          new TransactWriteItemsCommand({
            TransactItems: [
              { Put: { TableName: tableName, Item: key('t6', `attempt-${index}`) } },
              { Put: { TableName: tableName, Item: { ...key('t6', 'lock'), winner: { N: String(index) } }, ConditionExpression: 'attribute_not_exists(pk)' } },
            ],
          }),
        ),
      ),
    );

    // Assess
    const winners = outcomes.flatMap((outcome, index) => (outcome.status === 'fulfilled' ? [index] : []));
    expect(winners).toHaveLength(1);
    const { Items } = await dynamo.client.send(
      new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 't6' } } }),
    );
    expect(Items?.map((item) => item.sk?.S).sort()).toEqual([`attempt-${winners[0]}`, 'lock']);
    expect((await getItem('t6', 'lock'))?.winner).toEqual({ N: String(winners[0]) });
  });
});

describe('TransactWriteItems on a local endpoint kept on disk', () => {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'overture-local-dynamodb-'));
  const store = path.join(folder, 'dynamodb');
  const journal = `${store}.transaction.json`;

  /** Starts the endpoint on the folder, runs `work` with a client, and stops it. */
  async function onDisk<T>(work: (client: DynamoDBClient, endpoint: string) => Promise<T>): Promise<T> {
    const local = await startLocalDynamoDB({ path: store });
    const client = localDynamoDBClient(local.endpoint);
    try {
      return await work(client, local.endpoint);
    } finally {
      client.destroy();
      await local.close();
    }
  }

  /** One DynamoDB operation sent as JSON over HTTP, as the transaction code sends them. */
  const wireInvoke =
    (endpoint: string): InvokeOperation =>
    async (operation, payload) => {
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': `DynamoDB_20120810.${operation}`,
          'x-amz-date': '20260101T000000Z',
          authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=local',
        },
        body: JSON.stringify(payload),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };

  const read = (client: DynamoDBClient, table: string, pk: string, sk: string) =>
    client.send(new GetItemCommand({ TableName: table, Key: key(pk, sk), ConsistentRead: true })).then((answer) => answer.Item);

  it('keeps no journal once a transaction is applied', async () => {
    // Act
    const table = await onDisk(async (client) => {
      const name = await createCustomerTable(client, 'journal');
      await client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: name, Item: { ...key('j1', 'a'), v: { S: '1' } } } },
            { Put: { TableName: name, Item: { ...key('j1', 'b'), v: { S: '1' } }, ConditionExpression: 'attribute_not_exists(pk)' } },
          ],
        }),
      );
      return name;
    });

    // Assess
    expect(existsSync(journal)).toBe(false);
    await onDisk(async (client) => {
      expect((await read(client, table, 'j1', 'a'))?.v).toEqual({ S: '1' });
      expect((await read(client, table, 'j1', 'b'))?.v).toEqual({ S: '1' });
    });
  });

  it('writes down, before applying, exactly what undoes the transaction', async () => {
    // Prepare
    await onDisk(async (client, endpoint) => {
      const name = await createCustomerTable(client, 'journal');
      await client.send(new PutItemCommand({ TableName: name, Item: { ...key('j4', 'a'), v: { S: '1' } } }));
      let before: readonly ItemBefore[] = [];
      const recording: TransactionJournal = { begin: (items) => void (before = items), end: () => undefined };
      const invoke = wireInvoke(endpoint);
      const request = {
        TransactItems: [
          { Put: { TableName: name, Item: { ...key('j4', 'a'), v: { S: '2' } } } },
          { Put: { TableName: name, Item: { ...key('j4', 'c'), v: { S: '2' } } } },
          { ConditionCheck: { TableName: name, Key: key('j4', 'b'), ConditionExpression: 'attribute_not_exists(pk)' } },
        ],
      };

      // Act
      const answer = await transactWriteItems(request, invoke, new Map(), recording);
      await restoreItems(before, invoke);

      // Assess
      expect(answer.status).toBe(200);
      expect(before).toHaveLength(2);
      expect((await read(client, name, 'j4', 'a'))?.v).toEqual({ S: '1' });
      expect(await read(client, name, 'j4', 'c')).toBeUndefined();
    });
  });

  it('undoes, at the next start, a transaction a killed process left half applied', async () => {
    // Prepare: item `a` written as version 1, then a transaction's first two writes without its end:
    // `a` rewritten and `c` created, with the journal saying how they were before.
    const table = await onDisk(async (client) => {
      const name = await createCustomerTable(client, 'journal');
      await client.send(new PutItemCommand({ TableName: name, Item: { ...key('j2', 'a'), v: { S: '1' } } }));
      await client.send(new PutItemCommand({ TableName: name, Item: { ...key('j2', 'a'), v: { S: '2' } } }));
      await client.send(new PutItemCommand({ TableName: name, Item: { ...key('j2', 'c'), v: { S: '2' } } }));
      return name;
    });
    writeFileSync(
      journal,
      JSON.stringify([
        { tableName: table, key: key('j2', 'a'), item: { ...key('j2', 'a'), v: { S: '1' } } },
        { tableName: table, key: key('j2', 'c') },
      ]),
    );

    // Act
    const [a, c] = await onDisk((client) => Promise.all([read(client, table, 'j2', 'a'), read(client, table, 'j2', 'c')]));

    // Assess
    expect(a?.v).toEqual({ S: '1' });
    expect(c).toBeUndefined();
    expect(existsSync(journal)).toBe(false);
  });

  it('drops a journal cut short while it was written: nothing had been applied yet', async () => {
    // Prepare
    const table = await onDisk(async (client) => {
      const name = await createCustomerTable(client, 'journal');
      await client.send(new PutItemCommand({ TableName: name, Item: { ...key('j3', 'a'), v: { S: '1' } } }));
      return name;
    });
    writeFileSync(journal, `[{"tableName":"${table}","key":{"pk":{"S":"j3"`);

    // Act
    const a = await onDisk((client) => read(client, table, 'j3', 'a'));

    // Assess
    expect(a?.v).toEqual({ S: '1' });
    expect(existsSync(journal)).toBe(false);
  });
});

describe('TransactGetItems on the local endpoint', () => {
  it('reads every Get in order, an absent item as an empty response', async () => {
    // Prepare
    await dynamo.client.send(new PutItemCommand({ TableName: tableName, Item: { ...key('tg', 'a'), n: { N: '1' } } }));
    await dynamo.client.send(new PutItemCommand({ TableName: tableName, Item: { ...key('tg', 'c'), n: { N: '3' } } }));

    // Act
    const { Responses } = await dynamo.client.send(
      new TransactGetItemsCommand({ TransactItems: ['c', 'b', 'a'].map((sk) => ({ Get: { TableName: tableName, Key: key('tg', sk) } })) }),
    );

    // Assess
    expect(Responses).toEqual([{ Item: { ...key('tg', 'c'), n: { N: '3' } } }, {}, { Item: { ...key('tg', 'a'), n: { N: '1' } } }]);
  });

  it('never reads a transaction half applied: each read sees all of one or none of it', async () => {
    // Prepare: transactions that move two items together, and reads of both while they run.
    const both = (n: number): TransactWriteItem[] =>
      ['x', 'y'].map((sk) => ({ Put: { TableName: tableName, Item: { ...key('tg-pair', sk), n: { N: String(n) } } } }));
    await dynamo.client.send(new TransactWriteItemsCommand({ TransactItems: both(0) }));
    const read = async () =>
      (
        await dynamo.client.send(
          new TransactGetItemsCommand({ TransactItems: ['x', 'y'].map((sk) => ({ Get: { TableName: tableName, Key: key('tg-pair', sk) } })) }),
        )
      ).Responses?.map((response) => response.Item?.n?.N);

    // Act
    const [, reads] = await Promise.all([
      (async () => {
        for (let n = 1; n <= 20; n += 1) await dynamo.client.send(new TransactWriteItemsCommand({ TransactItems: both(n) }));
      })(),
      Promise.all(Array.from({ length: 40 }, read)),
    ]);

    // Assess
    reads.forEach((pair) => expect(pair?.[0]).toBe(pair?.[1]));
  });

  it('refuses an action other than Get, and reads nothing', async () => {
    // Act
    const refused = dynamo.client.send(
      new TransactGetItemsCommand({ TransactItems: [{ Get: { TableName: tableName, Key: key('tg', 'a') } }, {} as never] }),
    );

    // Assess
    await expect(refused).rejects.toThrow('TransactGetItems can only contain Get actions');
  });
});
