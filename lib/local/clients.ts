/**
 * SDK client settings for the local emulators: one region, dummy credentials, an endpoint
 * override, no clock-skew correction and retries without back-off.
 *
 * The runtime's clock is virtual, and time moves only when no work is in flight; an SDK that
 * waited on a (virtual) timer in the middle of a request would wait for ever. So:
 * - the emulators' HTTP servers stamp responses with the machine's real `Date` (Node's own). The
 *   SDK would read the difference as clock skew, shift its signing clock and retry every 4xx
 *   answer (a failed condition, say) after a back-off. Locally there is no signature to get
 *   right, so the servers' clock is ignored;
 * - transient errors are retried at once (a local emulator has no load to back off from).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** Region and dummy credentials of every local client (the emulators check only that they exist). */
export const LOCAL_CLIENT_CONFIG = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } as const;

/** A deserialize-step middleware, as far as this module needs to know it. */
type ResponseMiddleware = (next: (args: unknown) => Promise<{ response: unknown }>) => (args: unknown) => Promise<{ response: unknown }>;
type AddMiddleware = (middleware: ResponseMiddleware, options: { step: 'deserialize'; priority: 'low'; name: string }) => void;

/** Any SDK v3 client (its middleware stack is typed per client, with overloads per step). */
interface ClientWithMiddleware {
  middlewareStack: { add: (...args: never[]) => void };
}

function dropDateHeader(response: unknown): void {
  const headers = (response as { headers?: Record<string, string> } | undefined)?.headers;
  if (headers === undefined) return;
  delete headers.date;
  delete headers.Date;
}

/** Makes `client` ignore the server's clock (see the module comment). Returns the client. */
export function ignoreServerClock<Client extends ClientWithMiddleware>(client: Client): Client {
  // The stack's overloads cannot be named generically; this is the deserialize-step one.
  const add = client.middlewareStack.add.bind(client.middlewareStack) as unknown as AddMiddleware;
  add(
    (next) => async (args) => {
      try {
        const result = await next(args);
        dropDateHeader(result.response);
        return result;
      } catch (error) {
        dropDateHeader((error as { $response?: unknown }).$response);
        throw error;
      }
    },
    { step: 'deserialize', priority: 'low', name: 'overtureIgnoreServerClock' },
  );
  return client;
}

/** The SDK's retry token, as its retry middleware reads it. */
interface RetryToken {
  getRetryCount(): number;
  getRetryDelay(): number;
}

/** Error classes the SDK retries by default. */
const RETRIED_ERRORS = new Set(['TRANSIENT', 'THROTTLING', 'SERVER_ERROR']);

/** Up to `maxAttempts` attempts for transient, throttling and server errors, with no pause between them. */
export function retryAtOnce(maxAttempts = 3) {
  const token = (count: number): RetryToken => ({ getRetryCount: () => count, getRetryDelay: () => 0 });
  return {
    mode: 'standard',
    acquireInitialRetryToken: async (): Promise<RetryToken> => token(0),
    refreshRetryTokenForRetry: async (previous: RetryToken, errorInfo: { errorType: string }): Promise<RetryToken> => {
      const count = previous.getRetryCount() + 1;
      if (!RETRIED_ERRORS.has(errorInfo.errorType) || count >= maxAttempts) throw new Error('no retry');
      return token(count);
    },
    recordSuccess: (): void => undefined,
  };
}

/** A DynamoDB client for a local endpoint. */
export function localDynamoDBClientFor(endpoint: string): DynamoDBClient {
  return ignoreServerClock(new DynamoDBClient({ ...LOCAL_CLIENT_CONFIG, endpoint, retryStrategy: retryAtOnce() }));
}
