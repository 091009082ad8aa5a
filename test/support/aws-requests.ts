/**
 * The AWS requests each Lambda function's code makes, and the IAM actions they need: what a
 * function's grants must cover, or AWS answers AccessDenied.
 *
 * Every SDK v3 client inherits `send` from the one smithy `Client` class, so wrapping it there sees
 * the requests of every client, also those a Lambda entry builds at module level and keeps to
 * itself. A request belongs to the function whose invocation it runs in: the test runs each
 * invocation inside {@link AwsRequestRecorder.invoke}, an AsyncLocalStorage scope that follows the
 * invocation's awaits. A request outside any invocation, from a client the test did not mark as
 * its own ({@link AwsRequestRecorder.ownedByTest}), is kept apart as unattributed: the test must
 * see none, or some function's request would escape the check.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** One request, as the client was asked to send it. */
export interface AwsRequest {
  /** The function whose invocation sent it; undefined outside any invocation. */
  readonly fn: string | undefined;
  /** The SDK's service id: `DynamoDB`, `SESv2`, `Pinpoint SMS Voice V2`… */
  readonly service: string;
  /** The API operation: `TransactWriteItems`, `SendEmail`… */
  readonly operation: string;
  readonly input: Readonly<Record<string, unknown>>;
}

/** One IAM action a request needs, on a DynamoDB table (or one of its indexes) when it names one. */
export interface IamNeed {
  /** `dynamodb:UpdateItem`, `ses:SendEmail`… */
  readonly action: string;
  /** The operation that needs it (a transaction needs the actions of what it holds). */
  readonly operation: string;
  readonly table?: string;
  readonly index?: string;
}

/** The smithy client as far as the recorder touches it. */
interface SdkClient {
  readonly config: { readonly serviceId?: string };
  send(command: { readonly input?: unknown }, ...rest: unknown[]): unknown;
}

/** See the module comment. */
export class AwsRequestRecorder {
  /** Requests sent inside an invocation, in order. */
  readonly requests: AwsRequest[] = [];
  /** Requests sent outside any invocation by clients the test does not own. */
  readonly unattributed: AwsRequest[] = [];
  private readonly invocation = new AsyncLocalStorage<string>();
  private readonly testClients = new WeakSet<object>();
  private restore: (() => void) | undefined;

  /** Starts recording every request of every SDK client in this process. */
  install(): void {
    const base = Object.getPrototypeOf(DynamoDBClient.prototype) as SdkClient;
    const send = base.send;
    const record = (client: SdkClient, command: { readonly input?: unknown }): void => this.record(client, command);
    base.send = function recordedSend(this: SdkClient, command, ...rest) {
      record(this, command);
      return send.call(this, command, ...rest);
    };
    this.restore = () => {
      base.send = send;
    };
  }

  /** Stops recording. */
  uninstall(): void {
    this.restore?.();
    this.restore = undefined;
  }

  /** Marks a client of the test itself (seeding, reading back): its requests belong to no function. */
  ownedByTest<Client extends object>(client: Client): Client {
    this.testClients.add(client);
    return client;
  }

  /** Runs one invocation of function `fn`: the requests it sends are `fn`'s. */
  invoke<T>(fn: string, invocation: () => Promise<T>): Promise<T> {
    return this.invocation.run(fn, invocation);
  }

  /** The requests function `fn` sent. */
  requestsOf(fn: string): AwsRequest[] {
    return this.requests.filter((request) => request.fn === fn);
  }

  private record(client: SdkClient, command: { readonly input?: unknown }): void {
    const fn = this.invocation.getStore();
    const request: AwsRequest = {
      fn,
      service: client.config.serviceId ?? 'unknown',
      operation: command.constructor.name.replace(/Command$/, ''),
      input: (command.input ?? {}) as Record<string, unknown>,
    };
    if (fn !== undefined) this.requests.push(request);
    else if (!this.testClients.has(client)) this.unattributed.push(request);
  }
}

/** IAM's service prefix of each SDK service id. */
const IAM_PREFIXES: Readonly<Record<string, string>> = {
  DynamoDB: 'dynamodb',
  SESv2: 'ses',
  SQS: 'sqs',
  S3: 's3',
  SFN: 'states',
  'Pinpoint SMS Voice V2': 'sms-voice',
  'Secrets Manager': 'secretsmanager',
};

/** Operations that IAM authorizes under an action of another name (Service Authorization Reference). */
const ACTION_OF_OPERATION: Readonly<Record<string, string>> = {
  's3:ListObjectsV2': 's3:ListBucket',
  's3:HeadBucket': 's3:ListBucket',
  's3:HeadObject': 's3:GetObject',
};

/** The action that authorizes each kind of item of a DynamoDB transaction. */
const TRANSACTION_ITEM_ACTIONS: Readonly<Record<string, string>> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
  Get: 'dynamodb:GetItem',
};

function dynamoDbNeeds({ operation, input }: AwsRequest): IamNeed[] {
  switch (operation) {
    case 'TransactWriteItems':
    case 'TransactGetItems':
      // IAM authorizes each item of a transaction by the action of the single-item request it stands for.
      return (input.TransactItems as Record<string, { TableName: string }>[]).flatMap((item) =>
        Object.entries(item).map(([kind, action]) => {
          const iamAction = TRANSACTION_ITEM_ACTIONS[kind];
          if (iamAction === undefined) throw new Error(`unknown ${operation} item kind ${kind}`);
          return { action: iamAction, operation, table: action.TableName };
        }),
      );
    case 'BatchGetItem':
    case 'BatchWriteItem':
      return Object.keys(input.RequestItems as Record<string, unknown>).map((table) => ({ action: `dynamodb:${operation}`, operation, table }));
    default: {
      const index = typeof input.IndexName === 'string' ? { index: input.IndexName } : {};
      return [{ action: `dynamodb:${operation}`, operation, table: String(input.TableName), ...index }];
    }
  }
}

/** The IAM actions `request` needs; throws for a service this module cannot name the actions of. */
export function iamNeedsOf(request: AwsRequest): IamNeed[] {
  const prefix = IAM_PREFIXES[request.service];
  if (prefix === undefined) throw new Error(`no IAM service prefix known for SDK service "${request.service}": add it to IAM_PREFIXES`);
  if (prefix === 'dynamodb') return dynamoDbNeeds(request);
  const action = `${prefix}:${request.operation}`;
  return [{ action: ACTION_OF_OPERATION[action] ?? action, operation: request.operation }];
}
