/**
 * CSV as the local readers of audience files take it, with csv-parse: RFC 4180, a byte-order mark
 * dropped, lines ending in CRLF, LF or CR (mixed in one file too), a quote inside an unquoted field
 * taken as it is, rows of any length, each record with the line it starts on. Text that is not CSV is a {@link CsvSyntaxError} that names only where it
 * is and its kind: the parser's own messages may quote the file.
 */
import { CsvError, parse } from 'csv-parse/sync';

/** One record: its fields and the line it starts on (blank lines are records of one empty field). */
export interface CsvRecord {
  readonly fields: string[];
  readonly line: number;
}

/**
 * Text that is not CSV: the record it is in (the line that record starts on, and the field, when
 * the parser knows it), whether it is a quote never closed (else csv-parse's error code), and the
 * field's column name when the header gives it one the reader knows. Nothing of the file's text
 * rides on the error: a file without a header row has a customer's fields in its first row.
 */
export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    /** 0-based index of the field in its record, when the parser says. */
    readonly field: number | undefined,
    readonly unclosedQuote: boolean,
    readonly code: string,
    /** The first row's name for the field, when the error is past that row and the name is one of the reader's `columns`. */
    readonly column: string | undefined,
  ) {
    super(`not valid CSV at line ${line}${field === undefined ? '' : `, field ${field + 1}`} (${code})`);
    this.name = 'CsvSyntaxError';
  }
}

/** Options of {@link readCsvRecords}. */
export interface CsvReadOptions {
  readonly trim: boolean;
  /** The column names the reader knows, which a syntax error may name its field by. @default none */
  readonly columns?: readonly string[];
}

/** The records of `text`, fields trimmed when `trim`. @throws CsvSyntaxError */
export function readCsvRecords(text: string, options: CsvReadOptions): CsvRecord[] {
  const records: CsvRecord[] = [];
  forEachCsvRecord(text, options, (record) => {
    records.push(record);
  });
  return records;
}

/**
 * Hands each record of `text` to `visit` as the parser reads it, fields trimmed when `trim`,
 * keeping none: a reader that keeps only what it needs of each record holds far less than the
 * records of a large file. @throws CsvSyntaxError
 */
export function forEachCsvRecord(text: string, options: CsvReadOptions, visit: (record: CsvRecord) => void): void {
  // The parser tells the line a record ends on; with no line skipped, the next one starts after it.
  // Records are taken as they come, not from parse's result, so that an error knows the line its
  // record starts on: the parser's own `lines` is where it stopped, the end of the text for a
  // quote never closed.
  let nextLine = 1;
  /** The first record's fields: the header, which a syntax error past it may name its field by. */
  let header: string[] | undefined;
  try {
    parse(text, {
      bom: true,
      // Each line ends as it ends: left to itself, the parser takes the first line's ending for
      // every record, and a file whose header was saved with CRLF and rows appended with LF is one record.
      record_delimiter: ['\r\n', '\n', '\r'],
      trim: options.trim,
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: false,
      on_record: (fields: string[], info) => {
        header ??= fields;
        const line = nextLine;
        nextLine = info.lines + 1;
        visit({ fields, line });
        return null;
      },
    });
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    // The parser's context says which field of the record it was reading (`index`). Its error is
    // not passed on as the cause: it holds the record's text.
    const index: unknown = error.index;
    const field = typeof index === 'number' ? index : undefined;
    const name = field === undefined ? undefined : header?.[field];
    const column = name !== undefined && options.columns?.includes(name) ? name : undefined;
    throw new CsvSyntaxError(nextLine, field, error.code === 'CSV_QUOTE_NOT_CLOSED', error.code, column);
  }
}

/** Whether a record is a line with nothing on it. */
export function isBlankRecord(record: CsvRecord | undefined): boolean {
  return record !== undefined && record.fields.length === 1 && record.fields[0] === '';
}
