import fc from 'fast-check';
import { countSmsSegments } from '../../lib/channels';

const GSM_BASIC_SAMPLE = 'abcXYZ0129 @£$¥èéÅÆßÑÜ§¿äöñüà!?.,;:\'"()*+-/<=>#%&ΔΦΓΛΩΠΨΣΘΞ';
const GSM_EXTENSION = '^{}\\[~]|€';

describe('countSmsSegments', () => {
  it.each([
    ['an empty text', '', { encoding: 'GSM-7', segments: 1, units: 0 }],
    ['160 GSM-7 characters', 'a'.repeat(160), { encoding: 'GSM-7', segments: 1, units: 160 }],
    ['161 GSM-7 characters', 'a'.repeat(161), { encoding: 'GSM-7', segments: 2, units: 161 }],
    ['306 GSM-7 characters', 'a'.repeat(306), { encoding: 'GSM-7', segments: 2, units: 306 }],
    ['307 GSM-7 characters', 'a'.repeat(307), { encoding: 'GSM-7', segments: 3, units: 307 }],
    ['80 extension characters (two septets each)', '€'.repeat(80), { encoding: 'GSM-7', segments: 1, units: 160 }],
    ['159 characters and one extension character', `${'a'.repeat(159)}{`, { encoding: 'GSM-7', segments: 2, units: 161 }],
    ['70 UCS-2 characters', 'ç'.repeat(70), { encoding: 'UCS-2', segments: 1, units: 70 }],
    ['71 UCS-2 characters', 'ç'.repeat(71), { encoding: 'UCS-2', segments: 2, units: 71 }],
    ['134 UCS-2 characters', 'ж'.repeat(134), { encoding: 'UCS-2', segments: 2, units: 134 }],
    ['135 UCS-2 characters', 'ж'.repeat(135), { encoding: 'UCS-2', segments: 3, units: 135 }],
    ['one emoji among GSM text', `Hi ${'a'.repeat(60)} 🎉`, { encoding: 'UCS-2', segments: 1, units: 66 }],
  ])('counts %s', (_case, text, expected) => {
    // Act
    const count = countSmsSegments(text);
    // Assess
    expect(count).toEqual(expected);
  });

  it('never splits an extension character across two concatenated segments', () => {
    // Prepare: 152 septets, then "€" (2 septets) would straddle 153; it moves to segment 2.
    const text = `${'a'.repeat(152)}€${'a'.repeat(152)}`;
    // Act
    const count = countSmsSegments(text);
    // Assess: 306 septets would fit 2 × 153 if split, but the escape pair cannot be split.
    expect(count).toEqual({ encoding: 'GSM-7', segments: 3, units: 306 });
  });

  it('never splits a surrogate pair across two concatenated UCS-2 segments', () => {
    // Prepare: 66 code units, then an emoji (2 units) would straddle 67; it moves to segment 2.
    const text = `${'ж'.repeat(66)}😀${'ж'.repeat(66)}`;
    // Act
    const count = countSmsSegments(text);
    // Assess: 134 units would fit 2 × 67 if split, but the pair cannot be split.
    expect(count).toEqual({ encoding: 'UCS-2', segments: 3, units: 134 });
  });

  it('needs at least as many segments as the units require, and at most one more per segment boundary', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...GSM_BASIC_SAMPLE, ...GSM_EXTENSION), { maxLength: 700 }).map((chars) => chars.join('')),
        (text) => {
          // Act
          const { encoding, segments, units } = countSmsSegments(text);
          // Assess
          expect(encoding).toBe('GSM-7');
          const lowerBound = units <= 160 ? 1 : Math.ceil(units / 153);
          expect(segments).toBeGreaterThanOrEqual(lowerBound);
          expect(segments).toBeLessThanOrEqual(units <= 160 ? 1 : Math.ceil(units / 152));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('switches to UCS-2 as soon as one character is outside GSM-7', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 100 }).map((s) => s.replace(/[^a-z ]/g, '')),
        fc.constantFrom('ç', 'ő', '“', '😀', 'ж', '\t'),
        (gsm, other) => {
          // Act
          const { encoding } = countSmsSegments(`${gsm}${other}`);
          // Assess
          expect(encoding).toBe('UCS-2');
        },
      ),
      { numRuns: 1000 },
    );
  });
});
