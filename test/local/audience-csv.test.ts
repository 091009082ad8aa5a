/**
 * Audience files of `overture launch`: the launch id an audience gets by default depends on who is
 * in it, not on how the file was saved, and an empty file is called empty.
 */
import { defaultLaunchId, parseAudienceCsv } from '../../lib/local/audience-csv';

const idOf = (text: string) => defaultLaunchId('welcome', parseAudienceCsv(text));

describe('defaultLaunchId', () => {
  it('gives the same id to the same customers saved with CRLF, a byte-order mark, quotes, spaces or in another order', () => {
    // Prepare
    const plain = 'customerId\nc-1\nc-2\n';
    const savedOtherwise = [
      'customerId\r\nc-1\r\nc-2\r\n',
      '\uFEFFcustomerId\nc-1\nc-2',
      '"customerId"\n"c-1"\n"c-2"\n',
      'customerId\n c-1 \nc-2\n\n',
      'customerId\nc-2\nc-1\n',
      'customerId,entryKey\nc-1,\nc-2,spring\n',
    ];

    // Act
    const ids = savedOtherwise.map(idOf);

    // Assess
    expect(idOf(plain)).toMatch(/^launch-welcome-[0-9a-f]{12}$/);
    expect(new Set(ids)).toEqual(new Set([idOf(plain)]));
  });

  it('gives another id to another audience or another journey', () => {
    // Act
    const ids = [idOf('customerId\nc-1\nc-2\n'), idOf('customerId\nc-1\n'), idOf('customerId\nc-1\nc-3\n'), defaultLaunchId('loyalty', parseAudienceCsv('customerId\nc-1\nc-2\n'))];

    // Assess
    expect(new Set(ids).size).toBe(4);
  });
});

describe('parseAudienceCsv', () => {
  it.each([
    ['an empty file', ''],
    ['a file of blank lines', '\n\r\n  \n'],
    ['a file with only a byte-order mark', '\uFEFF'],
  ])('says the file is empty for %s, not that a column is missing', (_, text) => {
    // Act
    const { issues } = parseAudienceCsv(text);

    // Assess
    expect(issues).toEqual([{ line: 1, column: 'customerId', message: expect.stringContaining('the file is empty') }]);
  });
});
