/**
 * The link-signing key (the HMAC key of unsubscribe and preference links) from Secrets Manager,
 * for the functions that sign or check links: send and consent-api.
 *
 * The send function reads the secret once per container and signs with its `current` key for the
 * container's life: a rotated key reaches it when it next starts. The consent API, which verifies,
 * reads it again every {@link LINK_KEYS_MAX_AGE_MS} (builtFromLinkKeys): a key added to the secret
 * must verify in every container before any send container signs with it, or the links it signs
 * (one-click unsubscribe among them) would be refused by containers that started before the
 * rotation. Hence rotation in two writes, the new key first as a `previous` one (docs/consent.md).
 * One value on a timer: Powertools Parameters would do it for 6 KB more and is not published at
 * the version of the Powertools this project runs.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { currentLinkKey, parseLinkKeys, type LinkKeys } from '../unsubscribe/link-keys';

/** How long the consent API keeps the link keys it read before it reads the secret again. */
export const LINK_KEYS_MAX_AGE_MS = 5 * 60_000;

/** The string of secret `secretId`; throws, naming the secret, when it holds none. */
async function readSecretValue(secretId: string, client: SecretsManagerClient): Promise<string> {
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (SecretString === undefined || SecretString.length === 0) throw new Error(`secret ${secretId} holds no link-signing key`);
  return SecretString;
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

/** Options of {@link builtFromLinkKeys}. */
export interface LinkKeysRefresh {
  readonly client?: SecretsManagerClient;
  /** @default LINK_KEYS_MAX_AGE_MS */
  readonly maxAgeMs?: number;
  /** The clock, in epoch milliseconds. @default Date.now */
  readonly now?: () => number;
  /** Told when a read after the first fails (or holds no valid keys): what was built stays in use. */
  readonly refreshFailed?: (error: unknown) => void;
}

/**
 * `build` of every link key of secret `secretId` (one key, or the current, previous and retired
 * keys after a rotation: lib/unsubscribe/link-keys.ts), built again when the secret changes. The secret
 * is read at the first call, and again at the first call `maxAgeMs` after the last read, so a key
 * written to it verifies in every container within `maxAgeMs`. A first read that fails fails the
 * call, and the next call reads again; a later one that fails, or finds no valid keys (a mistyped
 * document), keeps what was built (`refreshFailed` is told) until `maxAgeMs` later.
 */
export function builtFromLinkKeys<T>(secretId: string, build: (keys: LinkKeys) => T, options: LinkKeysRefresh = {}): () => Promise<T> {
  const client = options.client ?? new SecretsManagerClient({});
  const maxAgeMs = options.maxAgeMs ?? LINK_KEYS_MAX_AGE_MS;
  const now = options.now ?? (() => Date.now());
  let current: { readonly secret: string; readonly built: T } | undefined;
  let readAt = -Infinity;
  let reading: Promise<T> | undefined;
  const refresh = async (): Promise<T> => {
    try {
      const secret = await readSecretValue(secretId, client);
      if (current?.secret !== secret) current = { secret, built: build(parseLinkKeys(secret)) };
      readAt = now();
      return current.built;
    } catch (error) {
      if (current === undefined) throw error;
      readAt = now();
      options.refreshFailed?.(error);
      return current.built;
    } finally {
      reading = undefined;
    }
  };
  return () => {
    if (current !== undefined && now() - readAt < maxAgeMs) return Promise.resolve(current.built);
    reading ??= refresh();
    return reading;
  };
}
