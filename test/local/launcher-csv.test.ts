/**
 * The audience CSV as the launcher's ItemReader hands its rows to the ItemSelector: every column
 * the header names, as written, whatever the file holds besides.
 */
import { csvItemsOf, ItemReaderError } from '../../lib/local/launcher';

describe('csvItemsOf', () => {
  it('makes each row an object of every column the header names, in any order, other columns included', () => {
    // Act
    const items = csvItemsOf('email,customerId,entryKey\r\nsomeone@example.com,c-1,spring\r\n,c-2,\r\n');

    // Assess
    expect(items).toStrictEqual([
      { email: 'someone@example.com', customerId: 'c-1', entryKey: 'spring' },
      { email: '', customerId: 'c-2', entryKey: '' },
    ]);
  });

  it('gives a field the row lacks as empty and drops a field beyond the header', () => {
    // Act
    const items = csvItemsOf('customerId,entryKey\nc-1\nc-2,spring,extra\n');

    // Assess
    expect(items).toStrictEqual([
      { customerId: 'c-1', entryKey: '' },
      { customerId: 'c-2', entryKey: 'spring' },
    ]);
  });

  it('reads quoted fields (commas, doubled quotes, line breaks) and keeps values as written, spaces included', () => {
    // Act
    const items = csvItemsOf('\uFEFFcustomerId,note\n"c-1","a, ""b""\nc"\n c-2 ,x\n\n');

    // Assess
    expect(items).toStrictEqual([
      { customerId: 'c-1', note: 'a, "b"\nc' },
      { customerId: ' c-2 ', note: 'x' },
    ]);
  });

  it('reads no rows from an empty file or a header alone', () => {
    expect(csvItemsOf('')).toEqual([]);
    expect(csvItemsOf('customerId\n')).toEqual([]);
  });

  it('fails with States.ItemReaderFailed on a header that names a column twice', () => {
    // Act
    const reading = () => csvItemsOf('customerId,customerId\nc-1,c-2\n');

    // Assess
    expect(reading).toThrow(ItemReaderError);
    expect(reading).toThrow(expect.objectContaining({ name: 'States.ItemReaderFailed' }));
  });

  it('fails with States.ItemReaderFailed, in its own words, on a quote that is never closed', () => {
    // Act
    const reading = () => csvItemsOf('customerId\nc-1\n"someone@example.com\n');

    // Assess
    expect(reading).toThrow(expect.objectContaining({ name: 'States.ItemReaderFailed', message: 'the CSV could not be read: a quote is not closed.' }));
  });
});
