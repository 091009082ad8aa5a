/**
 * The link-signing key (the HMAC key of unsubscribe and preference links) from Secrets Manager,
 * for the functions that sign or check links: send and consent-api.
 *
 * One GetSecretValue per container: both functions build their link signer from the key once and
 * keep it for the container's life, so an expiring cache (Powertools Parameters) would never
 * expire anything here, and it cost the send function, the largest bundle, 6 KB. A rotated key
 * reaches each container when it next starts.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { currentLinkKey, parseLinkKeys, type LinkKeys } from '../unsubscribe/link-keys';

/** The string of secret `secretId`; throws, naming the secret, when it holds none. */
async function readSecretValue(secretId: string, client: SecretsManagerClient): Promise<string> {
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (SecretString === undefined || SecretString.length === 0) throw new Error(`secret ${secretId} holds no link-signing key`);
  return SecretString;
}

/**
 * Every link key of secret `secretId`: one key, or the current, previous and retired keys after a
 * rotation (lib/unsubscribe/link-keys.ts). For the consent API, which verifies links.
 */
export async function readLinkKeys(secretId: string, client: SecretsManagerClient = new SecretsManagerClient({})): Promise<LinkKeys> {
  return parseLinkKeys(await readSecretValue(secretId, client));
}

/** The key that signs new links, from secret `secretId`: the send function signs and never verifies. */
export async function readLinkSecret(secretId: string, client: SecretsManagerClient = new SecretsManagerClient({})): Promise<string> {
  return currentLinkKey(await readSecretValue(secretId, client));
}

/**
 * `build` run once and its promise kept, except when it fails: then the next call builds again,
 * so one failed secret read does not fail every later invocation of the container.
 */
export function buildOnce<T>(build: () => Promise<T>): () => Promise<T> {
  let built: Promise<T> | undefined;
  return () => {
    built ??= build().catch((error: unknown) => {
      built = undefined;
      throw error;
    });
    return built;
  };
}
