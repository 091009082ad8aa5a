/**
 * The link keys an installation holds, as stored in its link secret (Secrets Manager, or a local
 * file). Two forms:
 *
 * - a plain key: the current key, nothing else (what the stack generates);
 * - JSON `{"current": "<key>", "previous": ["<key>"], "retired": ["<key>", …]}`, after a rotation.
 *
 * `current` signs every new link and verifies everything. `previous` keys verify every purpose:
 * they cover the overlap after a rotation, while preference links they signed may still be
 * unexpired (180 days). `retired` keys verify unsubscribe links only, for ever: an unsubscribe link
 * never expires (see ./token), and a retired key, kept for years, can then at worst revoke.
 * docs/consent.md ("Rotating the link key") gives the procedure.
 */
import { LinkConfigurationError } from './errors';

/** The keys of one link secret. */
export interface LinkKeys {
  /** Signs every link; verifies every purpose. */
  readonly current: string;
  /** Verify every purpose during a rotation's overlap. */
  readonly previous: readonly string[];
  /** Verify unsubscribe tokens only. */
  readonly retired: readonly string[];
}

/** A link secret's value as read: its current key, and the JSON fields beside it (none for a plain key). */
interface SecretFields {
  readonly current: string;
  readonly previous?: unknown;
  readonly retired?: unknown;
}

/** Reads a link secret's value once. @throws LinkConfigurationError for JSON without `current`. */
function secretFields(secretValue: string): SecretFields {
  const text = secretValue.trim();
  if (!text.startsWith('{')) return { current: text };
  let document: { current?: unknown; previous?: unknown; retired?: unknown } = {};
  try {
    document = JSON.parse(text) as typeof document;
  } catch {
    // Reported below: the parser's message would quote the text, which holds keys.
  }
  const { current } = document;
  if (typeof current !== 'string' || current === '') throw new LinkConfigurationError('link secret JSON lacks "current"');
  return { current, previous: document.previous, retired: document.retired };
}

/**
 * The key that signs new links, from a link secret's value: all the send function needs, checked
 * no further (it stays small for the send bundle; the consent API reads every key with
 * {@link parseLinkKeys}). @throws LinkConfigurationError for JSON without `current`.
 */
export function currentLinkKey(secretValue: string): string {
  return secretFields(secretValue).current;
}

function keyList(value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((key) => typeof key === 'string' && key !== '')) {
    throw new LinkConfigurationError(`the link secret's "${field}" must be a list of keys`);
  }
  return value as string[];
}

/**
 * Every key of a link secret's value. @throws LinkConfigurationError, naming the field, never a
 * key, for JSON without `current` or with `previous`/`retired` that are not lists of keys.
 */
export function parseLinkKeys(secretValue: string): LinkKeys {
  const { current, previous, retired } = secretFields(secretValue);
  return { current, previous: keyList(previous, 'previous'), retired: keyList(retired, 'retired') };
}
