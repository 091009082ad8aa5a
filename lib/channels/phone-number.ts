/**
 * Whether a destination is a real phone number, by libphonenumber-js.
 *
 * The metadata (80 KB of JSON: number patterns of every country) is required at the first check,
 * not at import: in Lambda it ships beside the bundle (`LAMBDA_DATA_FILES` in
 * lib/constructs/bundling/lambda-bundling.ts), so a cold start parses it only when the container
 * first checks a number (ingest, the consent API: where numbers come in, see valid-phone.ts).
 */
import { parsePhoneNumberWithError, type MetadataJson } from 'libphonenumber-js/core';

/** `+`, a country code that does not start with 0, and 8 to 15 digits in all. */
const E164_SHAPE = /^\+[1-9]\d{7,14}$/;

/**
 * Answers already given, by number: a parse costs about 10 µs, and a warm container meets the same
 * numbers again (a customer's events, a form submitted twice); the cap bounds the memory.
 */
const answers = new Map<string, boolean>();
const MAX_ANSWERS = 4096;

let metadata: MetadataJson | undefined;

function phoneMetadata(): MetadataJson {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load is the point (see the module comment)
  metadata ??= require('libphonenumber-js/metadata.min.json') as MetadataJson;
  return metadata;
}

/** Whether `phone` is a valid number written in canonical E.164 (`+` and digits only). */
export function isE164PhoneNumber(phone: string): boolean {
  if (!E164_SHAPE.test(phone)) return false;
  const known = answers.get(phone);
  if (known !== undefined) return known;
  // Read outside the parse's try: metadata missing from a deployment is an error, not an invalid number.
  const valid = isValidNumber(phone, phoneMetadata());
  if (answers.size >= MAX_ANSWERS) answers.clear();
  answers.set(phone, valid);
  return valid;
}

function isValidNumber(phone: string, countries: MetadataJson): boolean {
  try {
    const parsed = parsePhoneNumberWithError(phone, countries);
    return parsed.number === phone && parsed.isValid();
  } catch {
    return false;
  }
}
