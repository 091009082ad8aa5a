/**
 * Whether a time-zone name is one this runtime knows, asked of `Intl` itself so that the model,
 * the gate and the runtime that computes local times can never disagree.
 */

const known = new Map<string, boolean>();

/**
 * True when `Intl` accepts `name` as a time zone (IANA names and their aliases, e.g.
 * `America/New_York`, `Asia/Calcutta`, `UTC`). The answer is remembered per name.
 */
export function isKnownTimeZone(name: string): boolean {
  let answer = known.get(name);
  if (answer === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: name });
      answer = true;
    } catch {
      // RangeError: Intl has no such zone.
      answer = false;
    }
    known.set(name, answer);
  }
  return answer;
}
