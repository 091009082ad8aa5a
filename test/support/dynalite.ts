/**
 * Test harness for anything that talks to DynamoDB: a real dynalite started in-process on a free
 * port (with TransactWriteItems, see lib/store/local), a client for it, fresh tables, and a
 * request counter.
 *
 * ```ts
 * let dynamo: DynaliteHarness;
 * let tableName: string;
 * beforeAll(async () => {
 *   dynamo = await startDynalite();
 *   tableName = await createCustomerTable(dynamo.client, 'consent');
 * });
 * afterAll(() => dynamo.stop());
 * ```
 */
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import { startLocalDynamoDB } from '../../lib/store/local/local-dynamodb';
import { customerTableDefinition } from '../../lib/store/table-design';

/** A running in-process dynalite and a client pointed at it. */
export interface DynaliteHarness {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** A client for `endpoint` (region us-east-1, dummy credentials). Destroyed by `stop()`. */
  readonly client: DynamoDBClient;
  /** Destroys the client and stops dynalite; call it in `afterAll`. */
  stop(): Promise<void>;
}

/** Starts an in-memory dynalite on 127.0.0.1 at a free port; tables become ACTIVE at once. */
export async function startDynalite(): Promise<DynaliteHarness> {
  const local = await startLocalDynamoDB({ host: '127.0.0.1', port: 0 });
  const client = localDynamoDBClient(local.endpoint);
  return {
    endpoint: local.endpoint,
    client,
    stop: async () => {
      client.destroy();
      await local.close();
    },
  };
}

/** A DynamoDB client for a local endpoint: region us-east-1 and static dummy credentials. */
export function localDynamoDBClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/**
 * Creates a customer table (customerTableDefinition) with a name that no other test file uses:
 * `<label>-<pid>-<random>`. Resolves with the name once the table is ACTIVE.
 */
export async function createCustomerTable(client: DynamoDBClient, label = 'customers'): Promise<string> {
  const tableName = `${label}-${process.pid}-${randomBytes(4).toString('hex')}`;
  await client.send(new CreateTableCommand(customerTableDefinition(tableName)));
  // dynalite marks the table ACTIVE a moment later (later still when it keeps the table on disk);
  // each look is a round trip, so no pause is needed between them.
  for (let look = 1; look <= 1000; look += 1) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return tableName;
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
}

/** One request seen by a RequestCounter. */
export interface CountedRequest {
  readonly commandName: string;
  readonly input: Record<string, unknown>;
  output?: Record<string, unknown>;
}

/** Counts the HTTP requests a client sends, retries included, by command name. */
export interface RequestCounter {
  /** Requests since the last reset: all of them, or those of one command (`'QueryCommand'`). */
  count(commandName?: string): number;
  /** Command names in the order they were sent. */
  readonly commands: readonly string[];
  /**
   * The requests in the order they were sent, with the command input (e.g. to check
   * `ConsistentRead`) and, once answered successfully, the command output (e.g. `Count`).
   */
  readonly requests: ReadonlyArray<CountedRequest>;
  reset(): void;
  /** Removes the counting middleware from the client. */
  detach(): void;
}

let counterSequence = 0;

/**
 * Adds a middleware to `client` that records every request it sends. It sits inside the SDK's
 * retry middleware, so a retried request counts once per attempt.
 */
export function countRequests(client: DynamoDBClient): RequestCounter {
  const commands: string[] = [];
  const requests: CountedRequest[] = [];
  counterSequence += 1;
  const name = `overtureRequestCounter${counterSequence}`;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const request: CountedRequest = { commandName: String(context.commandName), input: args.input as Record<string, unknown> };
      commands.push(request.commandName);
      requests.push(request);
      const result = await next(args);
      request.output = result.output as unknown as Record<string, unknown>;
      return result;
    },
    { step: 'finalizeRequest', priority: 'low', name },
  );
  return {
    commands,
    requests,
    count: (commandName) =>
      commandName === undefined ? commands.length : commands.filter((command) => command === commandName).length,
    reset: () => {
      commands.length = 0;
      requests.length = 0;
    },
    detach: () => {
      client.middlewareStack.remove(name);
    },
  };
}
