/**
 * How many SMS segments a text is sent (and billed) as.
 *
 * A text made only of GSM 03.38 characters travels as GSM-7: 160 septets in one segment, or 153
 * per segment when concatenated (the user data header takes the rest). Characters of the GSM-7
 * extension table (`^ { } \ [ ~ ] | €` and form feed) take two septets, an escape and the
 * character, and a pair is never split across two segments. Any other character forces UCS-2:
 * 70 UTF-16 code units in one segment, 67 when concatenated, and a surrogate pair (an emoji, say)
 * is never split either.
 */

/** The GSM 03.38 basic character set (the escape code 0x1B is not a character a text can contain). */
const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
/** The GSM 03.38 extension table: each costs two septets. */
const GSM7_EXTENSION = '\f^{}\\[~]|€';

const BASIC: ReadonlySet<string> = new Set(GSM7_BASIC);
const EXTENSION: ReadonlySet<string> = new Set(GSM7_EXTENSION);

export type SmsEncoding = 'GSM-7' | 'UCS-2';

/** The encoding and segment count of a text. */
export interface SmsSegmentCount {
  readonly encoding: SmsEncoding;
  readonly segments: number;
  /** Septets for GSM-7, UTF-16 code units for UCS-2. */
  readonly units: number;
}

const LIMITS: Readonly<Record<SmsEncoding, { single: number; concatenated: number }>> = {
  'GSM-7': { single: 160, concatenated: 153 },
  'UCS-2': { single: 70, concatenated: 67 },
};

/** Packs indivisible units (1 or 2 wide) into segments of `capacity`, never splitting one. */
function packedSegments(widths: readonly number[], capacity: number): number {
  let segments = 1;
  let used = 0;
  for (const width of widths) {
    if (used + width > capacity) {
      segments += 1;
      used = 0;
    }
    used += width;
  }
  return segments;
}

/** Whether `character` (one code point) is in GSM-7, basic set or extension table. */
export function isGsm7Character(character: string): boolean {
  return BASIC.has(character) || EXTENSION.has(character);
}

/** The encoding and number of segments `text` is sent as. An empty text is one segment. */
export function countSmsSegments(text: string): SmsSegmentCount {
  // Iterating a string yields code points, so a surrogate pair stays one item.
  const characters = [...text];
  const isGsm7 = characters.every(isGsm7Character);
  const encoding: SmsEncoding = isGsm7 ? 'GSM-7' : 'UCS-2';
  const widths = characters.map((character) => (isGsm7 ? (EXTENSION.has(character) ? 2 : 1) : character.length));
  const units = widths.reduce((sum, width) => sum + width, 0);
  const limits = LIMITS[encoding];
  const segments = units <= limits.single ? 1 : packedSegments(widths, limits.concatenated);
  return { encoding, segments, units };
}
