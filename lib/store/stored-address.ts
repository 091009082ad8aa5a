/**
 * Reading a profile stored before postal addresses were checked for blank fields.
 *
 * The model now refuses an address field of spaces only (CRM exports write an empty column so), so
 * no such address is written any more. One written before would fail every read of its profile,
 * and with it every send to the customer, on any channel, and the event that could correct it.
 * Read, such an address counts as none (a letter cannot reach it: the gate finds mail
 * unreachable), and a blank optional line is left out.
 */

/** The address fields a letter can do without. */
const OPTIONAL_ADDRESS_FIELDS: ReadonlySet<string> = new Set(['line2', 'region']);

function isBlankText(value: unknown): boolean {
  return typeof value === 'string' && value.trim() === '';
}

/**
 * `item` (a stored record, unmarshalled) without its `address` when a line, city or postal code is
 * blank, and without a blank optional line; any other item as it is. Nothing else is relaxed: an
 * address malformed otherwise (a country that is no code) still fails the read.
 */
export function withoutBlankAddress(item: Record<string, unknown>): Record<string, unknown> {
  const { address } = item;
  if (typeof address !== 'object' || address === null || Array.isArray(address)) return item;
  const fields = Object.entries(address as Record<string, unknown>);
  if (!fields.some(([, value]) => isBlankText(value))) return item;
  const { address: _blank, ...rest } = item;
  if (fields.some(([name, value]) => isBlankText(value) && !OPTIONAL_ADDRESS_FIELDS.has(name))) return rest;
  return { ...rest, address: Object.fromEntries(fields.filter(([, value]) => !isBlankText(value))) };
}
