/**
 * Whether a time-zone name is one this runtime knows, asked of `Intl` itself so that the model,
 * the gate and the runtime that computes local times can never disagree.
 */

/**
 * How many accepted names are remembered. IANA has about 600 names and aliases, but `Intl` accepts
 * any capitalization of them (`america/NEW_YORK`), and names come from outside (ingested profiles,
 * API calls), so the memory is capped rather than trusted to stay small.
 */
const MAX_REMEMBERED = 1024;

/** Names `Intl` accepted. Refused names are not remembered: anyone can send a new one each time. */
const known = new Set<string>();

/**
 * Whether `name` is a fixed UTC offset (`+05:30`, `-0030`), which `Intl` also takes as a time zone.
 * Such an offset keeps no daylight saving time, so it is not where anyone lives, and the gate's
 * offset reader (@date-fns/tz) reads one under an hour west of UTC (`-00:30`) as east of it: quiet
 * hours would be kept an hour off.
 */
export function isUtcOffset(name: string): boolean {
  return /^[+-]/.test(name);
}

/**
 * True when `Intl` accepts `name` as a time zone (IANA names and their aliases, e.g.
 * `America/New_York`, `Asia/Calcutta`, `UTC`) and it is not a UTC offset ({@link isUtcOffset}).
 * An accepted name is remembered (up to {@link MAX_REMEMBERED} of them); any other is asked of
 * `Intl` each time.
 */
export function isKnownTimeZone(name: string): boolean {
  if (known.has(name)) return true;
  if (isUtcOffset(name)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
  } catch {
    // RangeError: Intl has no such zone.
    return false;
  }
  if (known.size < MAX_REMEMBERED) known.add(name);
  return true;
}
