/** SDK client settings for the local emulators: one region, dummy credentials, an endpoint override. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** Region and dummy credentials of every local client (the emulators check only that they exist). */
export const LOCAL_CLIENT_CONFIG = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } as const;

/** A DynamoDB client for a local endpoint. */
export function localDynamoDBClientFor(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ ...LOCAL_CLIENT_CONFIG, endpoint });
}
