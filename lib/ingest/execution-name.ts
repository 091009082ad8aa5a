/**
 * Deterministic execution names: `<journey>-<customerId>-<entryKey>`.
 *
 * Step Functions refuses a second execution with the name of one that exists (running, or closed
 * less than 90 days ago), so naming an execution after what caused it makes every start
 * idempotent: a repeated event, a retried Lambda or a relaunched audience starts nothing twice.
 * Names carry ids only and stay within the limits of the service: at most 80 characters of
 * letters, digits, `-` and `_`.
 *
 * Customer ids and entry keys may both hold `-`, so two entries can share a name: customer
 * `shop-42` under key `signup-7`, and customer `shop` under `42-signup-7`. The name stays as it is
 * (names of executions that run, and retries of their entries, must not change); the second
 * entry to start finds the name held by another customer and starts under
 * {@link distinctExecutionName} instead (see start-journey.ts).
 */
import { createHash } from 'node:crypto';

/** The longest execution name Step Functions accepts. */
export const MAX_EXECUTION_NAME_LENGTH = 80;

const PLAIN_ENTRY_KEY = /^[A-Za-z0-9_-]{1,40}$/;
const UNSAFE_CHARACTERS = /[^A-Za-z0-9_-]+/g;

function shortHash(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/**
 * The entry key for a raw key (an event id, a launch id, a date): the key itself when it is
 * plain and short, else a readable prefix plus a hash of the whole, so two different raw keys
 * never share an entry key.
 */
export function entryKeyOf(raw: string): string {
  if (PLAIN_ENTRY_KEY.test(raw)) return raw;
  const readable = raw.replace(UNSAFE_CHARACTERS, '_').slice(0, 24).replace(/^_+|_+$/g, '');
  const hash = shortHash(raw, 12);
  return readable === '' ? hash : `${readable}-${hash}`;
}

/**
 * The execution name of `journey` for `customerId` entered under `entryKey`. When the plain
 * name would exceed 80 characters, its first 67 are kept (the journey and, usually, the customer
 * id stay readable for operators) and a hash of the whole name is appended.
 */
export function executionName(journey: string, customerId: string, entryKey: string): string {
  const plain = `${journey}-${customerId}-${entryKeyOf(entryKey)}`;
  return plain.length <= MAX_EXECUTION_NAME_LENGTH ? plain : hashedName(plain, plain);
}

/**
 * The name of `journey` for `customerId` under `entryKey` when {@link executionName} is held by
 * another customer's entry: that name, with a hash of the customer id and the entry key, which
 * tells the two apart however the `-` fall.
 */
export function distinctExecutionName(journey: string, customerId: string, entryKey: string): string {
  const key = entryKeyOf(entryKey);
  return hashedName(`${journey}-${customerId}-${key}`, `${customerId}\n${key}`);
}

/** `plain`, cut to leave room within the longest name, and a 12-digit hash of `hashed` appended. */
function hashedName(plain: string, hashed: string): string {
  const hash = shortHash(hashed, 12);
  return `${plain.slice(0, MAX_EXECUTION_NAME_LENGTH - hash.length - 1)}-${hash}`;
}

/** The ARN of execution `name` of the state machine `stateMachineArn`, as Step Functions forms it. */
export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}
