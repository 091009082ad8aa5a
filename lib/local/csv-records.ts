/**
 * CSV as the local readers of audience files take it, with csv-parse: RFC 4180, a byte-order mark
 * dropped, a quote inside an unquoted field taken as it is, rows of any length, each record with
 * the line it starts on. Text that is not CSV is a {@link CsvSyntaxError} that names only its line
 * and kind: the parser's own messages may quote the file.
 */
import { CsvError, parse } from 'csv-parse/sync';

/** One record: its fields and the line it starts on (blank lines are records of one empty field). */
export interface CsvRecord {
  readonly fields: string[];
  readonly line: number;
}

/** Text that is not CSV: where, and whether it is a quote never closed (else csv-parse's error code). */
export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly unclosedQuote: boolean,
    readonly code: string,
  ) {
    super(`not valid CSV at line ${line} (${code})`);
    this.name = 'CsvSyntaxError';
  }
}

/** The records of `text`, fields trimmed when `trim`. @throws CsvSyntaxError */
export function readCsvRecords(text: string, options: { readonly trim: boolean }): CsvRecord[] {
  let parsed: Array<{ record: string[]; info: { lines: number } }>;
  try {
    // With `info`, each record comes with where it was read; the parser's types do not model that.
    parsed = parse(text, { bom: true, trim: options.trim, relax_quotes: true, relax_column_count: true, skip_empty_lines: false, info: true }) as unknown as typeof parsed;
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    throw new CsvSyntaxError(typeof error.lines === 'number' ? error.lines : 1, error.code === 'CSV_QUOTE_NOT_CLOSED', error.code);
  }
  // The parser tells the line a record ends on; with no line skipped, the next one starts after it.
  return parsed.map(({ record }, index) => ({ fields: record, line: (parsed[index - 1]?.info.lines ?? 0) + 1 }));
}

/** Whether a record is a line with nothing on it. */
export function isBlankRecord(record: CsvRecord | undefined): boolean {
  return record !== undefined && record.fields.length === 1 && record.fields[0] === '';
}
