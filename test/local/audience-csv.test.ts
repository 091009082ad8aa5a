/**
 * Audience files of `overture launch`: the launch id an audience gets by default depends on who is
 * in it and under which entry keys, not on how the file was saved; what goes to the bucket is the
 * rows as they were validated, under one header; and an empty file is called empty.
 */
import { defaultLaunchId, MAX_LOCAL_AUDIENCE_BYTES, normalizedAudienceCsv, parseAudienceCsv } from '../../lib/local/audience-csv';
import { CsvSyntaxError, readCsvRecords } from '../../lib/local/csv-records';

const idOf = (text: string) => defaultLaunchId('welcome', parseAudienceCsv(text));

describe('defaultLaunchId', () => {
  it('gives the same id to the same customers saved with CRLF, mixed line endings, a byte-order mark, quotes, spaces, in another order or with entry keys left empty', () => {
    // Prepare
    const plain = 'customerId\nc-1\nc-2\n';
    const savedOtherwise = [
      'customerId\r\nc-1\r\nc-2\r\n',
      'customerId\r\nc-1\nc-2\n',
      'customerId\nc-1\rc-2\r\n',
      '\uFEFFcustomerId\nc-1\nc-2',
      '"customerId"\n"c-1"\n"c-2"\n',
      'customerId\n c-1 \nc-2\n\n',
      'customerId\nc-2\nc-1\n',
      'customerId,entryKey\nc-1,\nc-2,\n',
      'entryKey,customerId\n,c-2\n,c-1\n',
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

  it('gives another id to the same customers under other entry keys, and the same id to the same keys in another order', () => {
    // Act
    const ids = [
      idOf('customerId\nc-1\nc-2\n'),
      idOf('customerId,entryKey\nc-1,\nc-2,spring\n'),
      idOf('customerId,entryKey\nc-1,\nc-2,summer\n'),
      idOf('customerId,entryKey\nc-1,spring\nc-2,\n'),
    ];

    // Assess
    expect(new Set(ids).size).toBe(4);
    expect(idOf('customerId,entryKey\nc-2,spring\nc-1,\n')).toBe(idOf('customerId,entryKey\nc-1,\nc-2,spring\n'));
  });
});

describe('normalizedAudienceCsv', () => {
  it.each([
    ['a file without the entryKey column', 'customerId\nc-1\n"c-2"\n', 'customerId,entryKey\nc-1,\nc-2,\n'],
    ['a file with its columns the other way round', 'entryKey,customerId\nspring,c-1\n,c-2\n', 'customerId,entryKey\nc-1,spring\nc-2,\n'],
    ['a file saved with CRLF, a byte-order mark and spaces', '\uFEFFcustomerId , entryKey\r\n c-1 ,spring\r\n', 'customerId,entryKey\nc-1,spring\n'],
  ])('writes %s with the header customerId,entryKey, rows in file order', (_, text, expected) => {
    // Act
    const csv = normalizedAudienceCsv(parseAudienceCsv(text));

    // Assess
    expect(csv).toBe(expected);
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

  it('names the line an unterminated quote opens on, not the end of the file, in its own words, without the value', () => {
    // Act
    const { rows, issues } = parseAudienceCsv('customerId\nc-1\n"someone@example.com\nc-2\n');

    // Assess
    expect(issues).toEqual([{ line: 3, column: 'customerId', message: 'unterminated quote' }]);
    expect(rows).toEqual([]);
    expect(JSON.stringify(issues)).not.toContain('someone');
  });

  it.each([
    ['the last column', 'customerId,entryKey\ndemo-0010,"unterminated', { line: 2, column: 'entryKey' }],
    ['the first column, by the name the header gives it', 'entryKey,customerId\n"spring,demo-0010\n', { line: 2, column: 'entryKey' }],
    ['the header row (by its number)', 'customerId,"entryKey\ndemo-0010,spring\n', { line: 1, column: '2' }],
    ['a file without a header row (by its number, not the first row\'s value)', 'ana@example.com,x\nc-1,"spring\n', { line: 2, column: '2' }],
    ['a file without a header row, in its first column', 'c-1,spring\n"c-2,autumn\n', { line: 2, column: '1' }],
  ])('names the column an unterminated quote opens in: %s', (_, text, where) => {
    // Act
    const { issues } = parseAudienceCsv(text);

    // Assess
    expect(issues).toEqual([{ ...where, message: 'unterminated quote' }]);
  });

  it('keeps no field of the file on the syntax error, only the column name the header gives it when the reader knows that name', () => {
    // Act
    let error: unknown;
    try {
      readCsvRecords('customerId\nc-1\nsomeone@example.com\n"c-2\n', { trim: true, columns: ['customerId'] });
    } catch (caught) {
      error = caught;
    }

    // Assess
    expect(error).toBeInstanceOf(CsvSyntaxError);
    expect(error).toMatchObject({ line: 4, field: 0, unclosedQuote: true, column: 'customerId' });
    expect(JSON.stringify(error)).not.toMatch(/c-1|someone/);
  });

  it('reads a quoted field across lines, a doubled quote inside it, and a quote inside an unquoted field as it is', () => {
    // Act
    const { rows, issues } = parseAudienceCsv('customerId,entryKey\n"c-1","spring"\nc-2,"sum\nmer"\nc-3,a"b\n');

    // Assess
    expect(rows).toEqual([{ customerId: 'c-1', entryKey: 'spring' }, { customerId: 'c-2', entryKey: 'sum\nmer' }, { customerId: 'c-3', entryKey: 'a"b' }]);
    expect(issues).toEqual([
      { line: 3, column: 'entryKey', message: expect.stringContaining('must be 1–128 letters') },
      { line: 5, column: 'entryKey', message: expect.stringContaining('must be 1–128 letters') },
    ]);
  });

  it('reads a file whose lines end in CRLF, LF and CR mixed (a header saved on Windows, ids appended by a script) as its customers, lines counted as the file shows them', () => {
    // Act
    const mixed = parseAudienceCsv('customerId\r\nc-1\nc-2\rc-3\r\n');
    const withIssues = parseAudienceCsv('customerId,entryKey\r\nc-1,\nnot an id!,\rc-3,"sum\r\nmer"\n');

    // Assess
    expect(mixed).toEqual({ columns: ['customerId'], rows: [{ customerId: 'c-1' }, { customerId: 'c-2' }, { customerId: 'c-3' }], issues: [] });
    expect(withIssues.rows).toEqual([{ customerId: 'c-1' }, { customerId: 'not an id!' }, { customerId: 'c-3', entryKey: 'sum\r\nmer' }]);
    expect(withIssues.issues).toEqual([
      { line: 3, column: 'customerId', message: expect.stringContaining('must be 1–64 letters') },
      { line: 4, column: 'entryKey', message: expect.stringContaining('must be 1–128 letters') },
    ]);
  });

  it('ends at the row where the audience passes what the local stack launches at once (10 MiB as the launcher reads it), naming that line, and keeps no row', () => {
    // Prepare: ids of 9 characters, 11 bytes a row as `customerId,entryKey` under its 20-byte header.
    const fits = Math.floor((MAX_LOCAL_AUDIENCE_BYTES - 20) / 11);
    const ids = (count: number) => `customerId\n${Array.from({ length: count }, (_, index) => `c-${String(index).padStart(7, '0')}\n`).join('')}`;

    // Act
    const largest = parseAudienceCsv(ids(fits));
    const larger = parseAudienceCsv(ids(fits + 1));

    // Assess
    expect({ rows: largest.rows.length, issues: largest.issues, bytes: Buffer.byteLength(normalizedAudienceCsv(largest)) }).toEqual({ rows: fits, issues: [], bytes: 20 + fits * 11 });
    expect(larger).toEqual({
      columns: ['customerId'],
      rows: [],
      issues: [{ line: fits + 2, column: 'customerId', message: expect.stringMatching(/^the audience passes 10 MiB at this row .*split the file and launch each part under its own --id$/) }],
    });
  });

  it('ends a file of bad rows at the same bound, so that its issues stay bounded too', () => {
    // Prepare: rows of two fields under a header of one, 1,005 bytes each.
    const row = `c-1,${'x'.repeat(1000)}\n`;

    // Act
    const { issues } = parseAudienceCsv(`customerId\n${row.repeat(20_000)}`);

    // Assess: 20 bytes of header, then each row counted as launched (its fields, a comma and the line end).
    const fits = Math.floor((MAX_LOCAL_AUDIENCE_BYTES - 20) / 1005);
    expect(issues).toHaveLength(fits + 1);
    expect(issues[fits]).toEqual({ line: fits + 2, column: 'customerId', message: expect.stringContaining('the audience passes 10 MiB at this row') });
  });

  it('refuses a header that names a column twice, rather than launching only the second column', () => {
    // Act: two lists pasted side by side, and an entry key column given twice.
    const customers = parseAudienceCsv('customerId,customerId\nc-1,c-2\nc-3,c-4\n');
    const keys = parseAudienceCsv('customerId,entryKey,entryKey\nc-1,a,b\n');

    // Assess
    expect(customers.issues).toEqual([{ line: 1, column: 'customerId', message: 'named twice (columns 1 and 2); name each column once' }]);
    expect(keys.issues).toEqual([{ line: 1, column: 'entryKey', message: 'named twice (columns 2 and 3); name each column once' }]);
  });

  it('names an empty row and a row of another length by line, and ignores blank lines at the end', () => {
    // Act
    const { issues } = parseAudienceCsv('customerId,entryKey\r\nc-1,\r\n\r\nc-2,a,b\r\nc-3\r\n\r\n\r\n');

    // Assess
    expect(issues).toEqual([
      { line: 3, column: 'customerId', message: 'empty row' },
      { line: 4, column: 'entryKey', message: 'has 3 fields, the header has 2' },
      { line: 5, column: 'entryKey', message: 'has 1 field, the header has 2' },
    ]);
  });
});
