/**
 * What a text message does to personalization: customer values in GSM-7, and a first name only
 * where it fits.
 *
 * A single character outside GSM-7 — `ë` in `Zoë`, a curly apostrophe from a phone's keyboard —
 * sends the whole text as UCS-2, 70 characters a segment instead of 160, so a one-segment
 * marketing text becomes two or three. Customer values are therefore written in GSM-7 before an
 * SMS is rendered (see {@link gsm7Text}).
 */
import { DEFAULT_OPT_OUT_INSTRUCTION, SMS_BRAND_MAX_LENGTH, withOptOutInstruction, withSenderBrand } from '../channels/sms';
import { countSmsSegments, isGsm7Character } from '../channels/sms-segments';
import { FIRST_NAME_ATTRIBUTE, type PersonalizationData, type PersonalizationValue } from './personalization';

/**
 * Characters Unicode decomposition does not bring to GSM-7: typographic punctuation and spaces,
 * and Latin letters that are not a base letter plus marks.
 */
const REPLACEMENTS: Readonly<Record<string, string>> = {
  '\u2018': "'", '\u2019': "'", '\u201A': "'", '\u201B': "'", '\u2032': "'", '\u02BC': "'", '\u00B4': "'", '`': "'",
  '\u201C': '"', '\u201D': '"', '\u201E': '"', '\u201F': '"', '\u2033': '"', '\u00AB': '"', '\u00BB': '"',
  '\u2010': '-', '\u2011': '-', '\u2012': '-', '\u2013': '-', '\u2014': '-', '\u2015': '-', '\u2212': '-',
  '\u2026': '...', '\u00A0': ' ', '\u2007': ' ', '\u2009': ' ', '\u202F': ' ', '\u3000': ' ',
  'Ł': 'L', 'ł': 'l', 'Đ': 'D', 'đ': 'd', 'Ð': 'D', 'ð': 'd', 'Ħ': 'H', 'ħ': 'h', 'ı': 'i', 'Œ': 'OE', 'œ': 'oe',
  'Þ': 'Th', 'þ': 'th', 'Ŀ': 'L', 'ŀ': 'l', 'Ŋ': 'N', 'ŋ': 'n', 'Ŧ': 'T', 'ŧ': 't', 'ſ': 's', 'ƒ': 'f', 'ĸ': 'k',
};

/** Letters and digits: a value losing one would misname the customer, so it is left out instead. */
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const COMBINING_MARK = /\p{M}/gu;

function isGsm7(text: string): boolean {
  for (const character of text) if (!isGsm7Character(character)) return false;
  return true;
}

/** One character in GSM-7: itself, its replacement, or its letters without their marks; undefined when it has none. */
function gsm7Character(character: string): string | undefined {
  if (isGsm7Character(character)) return character;
  const replacement = REPLACEMENTS[character];
  if (replacement !== undefined) return replacement;
  // NFKD splits `ë` into `e` and a diaeresis, and compatibility forms (`ﬁ`, full-width `Ａ`) into plain letters.
  const bare = character.normalize('NFKD').replace(COMBINING_MARK, '');
  return bare !== '' && isGsm7(bare) ? bare : undefined;
}

/**
 * `text` written in GSM-7: a GSM-7 character as it is (GSM-7 has `é`, `ñ`, `ü`, `ß`), curly
 * quotes and dashes as straight ones, an accented letter as its base letter (`Zoë` → `Zoe`,
 * `François` → `Francois`, `Łukasz` → `Lukasz`), and symbols and emoji with no GSM-7 form dropped.
 * Undefined when a letter or digit has no GSM-7 form (`Дмитрий`, `李`), or nothing printable is
 * left: the value is then absent from the text, as for a customer without it.
 */
export function gsm7Text(text: string): string | undefined {
  // Most values are GSM-7 already: kept as they are, with no character looked at twice.
  let written = isGsm7(text) ? text : '';
  if (written === '') {
    for (const character of text) {
      const gsm7 = gsm7Character(character);
      if (gsm7 !== undefined) written += gsm7;
      else if (LETTER_OR_DIGIT.test(character)) return undefined;
    }
  }
  const trimmed = written.replace(/ {2,}/g, ' ').trim();
  return trimmed === '' ? undefined : trimmed;
}

function gsm7Value(value: PersonalizationValue): PersonalizationValue | undefined {
  if (typeof value === 'string') return gsm7Text(value);
  if (!Array.isArray(value)) return value;
  const items = value.map(gsm7Text).filter((item) => item !== undefined);
  return items.length === 0 ? undefined : items;
}

/**
 * `data` for an SMS: the first name and every text attribute written in GSM-7 (see
 * {@link gsm7Text}), those that cannot be left out. Links, the customer id, stage and time zone
 * are ASCII already.
 */
export function smsPersonalization(data: PersonalizationData): PersonalizationData {
  const attributes: Record<string, PersonalizationValue> = {};
  for (const [name, value] of Object.entries(data.customer.attributes)) {
    const written = gsm7Value(value);
    if (written !== undefined) attributes[name] = written;
  }
  const { firstName: _original, ...customer } = data.customer;
  const firstName = data.customer.firstName === undefined ? undefined : gsm7Text(data.customer.firstName);
  return { ...data, customer: { ...customer, ...(firstName === undefined ? {} : { firstName }), attributes } };
}

/** `data` without the customer's first name (the field and the attribute it comes from). */
export function withoutFirstName(data: PersonalizationData): PersonalizationData {
  const { firstName: _firstName, attributes, ...customer } = data.customer;
  const { [FIRST_NAME_ATTRIBUTE]: _attribute, ...otherAttributes } = attributes;
  return { ...data, customer: { ...customer, attributes: otherAttributes } };
}

/** A brand of the longest length a deployment may set, to budget a text for any of them. */
const LONGEST_BRAND = 'B'.repeat(SMS_BRAND_MAX_LENGTH);

/**
 * Whether `text` is sent as one GSM-7 segment once the sender has put the brand in front of it and
 * added the default opt-out line, as it does to a marketing text. The brand is a deployment
 * setting, so a brand of the longest length allowed is counted (SMS_BRAND_MAX_LENGTH): a text that
 * fits fits under every brand. (A transactional text gets neither, so this is the stricter budget.)
 */
export function fitsOneSegment(text: string): boolean {
  const { encoding, segments } = countSmsSegments(withOptOutInstruction(withSenderBrand(text, LONGEST_BRAND), DEFAULT_OPT_OUT_INSTRUCTION));
  return encoding === 'GSM-7' && segments === 1;
}
