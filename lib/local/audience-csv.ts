/**
 * Audience files of `overture launch`: a header row naming the columns, then one customer per
 * row, ids only (no personal data travels into execution input):
 *
 * ```csv
 * customerId,entryKey
 * c-001,
 * c-002,spring-2026
 * ```
 *
 * `customerId` is required; `entryKey` is optional, as a column and in each row: a row's entry key
 * is what its customer enters under, and the launch id is used when it is empty or the file has
 * no such column. Fields may be quoted with `"` (a quote inside is doubled, and a quoted field may
 * span lines). Problems name the
 * line (the header is line 1) and the column, never a value beyond what is needed to find it.
 *
 * What goes to the audience bucket is not the file as saved but {@link normalizedAudienceCsv}, the
 * rows as they were validated: the launcher reads a file as it is (see lib/ingest/audience-row.ts),
 * spaces around values included, where this parser forgives them.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { CustomerIdSchema } from '../customer/model';
import { AUDIENCE_COLUMNS, AudienceEntryKeySchema, audienceCsv } from '../ingest/audience-row';
import { CsvSyntaxError, forEachCsvRecord, isBlankRecord, type CsvRecord } from './csv-records';

/** One problem of an audience file. */
export interface AudienceIssue {
  /** 1-based line number (the header is line 1). */
  readonly line: number;
  readonly column: string;
  readonly message: string;
}

/** A parsed audience: rows keyed by column (empty fields left out), in file order. */
export interface ParsedAudience {
  /** The columns the header names, in order (none for an empty file). */
  readonly columns: readonly string[];
  readonly rows: Array<Record<string, string>>;
  readonly issues: AudienceIssue[];
}

/** Raised for an audience file that must not be launched; the message lists every problem. */
export class AudienceFileError extends Error {
  constructor(readonly issues: readonly AudienceIssue[]) {
    super(issues.map((issue) => `line ${issue.line}, column ${issue.column}: ${issue.message}`).join('\n'));
    this.name = 'AudienceFileError';
  }
}

/**
 * The column a CSV syntax error is in: the header's name for its field when that name is an
 * audience column, else the field's number (1-based). A file without a header row has a
 * customer's id or address where the header would be, which must not name a column.
 */
function columnOfSyntaxError(error: CsvSyntaxError): string {
  if (error.field === undefined) return '(unknown)';
  return error.column ?? String(error.field + 1);
}

function isAudienceColumn(name: string): boolean {
  return (AUDIENCE_COLUMNS as readonly string[]).includes(name);
}

/** The problems of a header row that names a customerId column: a column launch does not know, or one named twice. */
function headerIssues(header: readonly string[]): AudienceIssue[] {
  return header.flatMap((name, index) => {
    if (!isAudienceColumn(name)) return [{ line: 1, column: name || '(empty)', message: `unknown column; allowed: ${AUDIENCE_COLUMNS.join(', ')}` }];
    // Two lists pasted side by side: one of them would be dropped without a word (the launcher's
    // reader, like the Distributed Map's in AWS, refuses such a header outright).
    if (header.indexOf(name) !== index) return [{ line: 1, column: name, message: `named twice (columns ${header.indexOf(name) + 1} and ${index + 1}); name each column once` }];
    return [];
  });
}

/**
 * The most an audience may be, in bytes as it goes to the audience bucket ({@link normalizedAudienceCsv}),
 * for the local stack to launch it: the bucket's emulator (fauxqs) takes requests of up to 11 MiB,
 * and the file goes in one PutObject. About 870,000 customer ids of 10 characters without entry keys.
 */
export const MAX_LOCAL_AUDIENCE_BYTES = 10 * 1024 * 1024;

/** Thrown inside the parser's pass to end it at the row that passes {@link MAX_LOCAL_AUDIENCE_BYTES}. */
class AudienceTooLarge {
  constructor(readonly line: number) {}
}

/**
 * Parses and validates an audience file; `issues` is empty when every row is valid. One pass over
 * the records as the parser reads them, keeping of each row only its customer id and entry key,
 * and ending at the row where the audience passes {@link MAX_LOCAL_AUDIENCE_BYTES}, named as an
 * issue: what it holds stays within that bound, whatever the size of the file.
 */
export function parseAudienceCsv(text: string): ParsedAudience {
  const issues: AudienceIssue[] = [];
  const rows: Array<Record<string, string>> = [];
  /** Each customer id seen, with the line it was first seen on. */
  const seen = new Map<string, number>();
  let header: string[] | undefined;
  let idColumn = -1;
  let keyColumn = -1;
  /** Lines of blank records not yet followed by a row: an empty row inside the file, nothing at its end. */
  let blankLines: number[] = [];
  /** The audience's size as it goes to the bucket so far: its header, then each row `customerId,entryKey`. */
  let launchedBytes = AUDIENCE_COLUMNS.join(',').length + 1;
  /** Whether any record holds something: a file of blank lines is as empty as an empty one. */
  let anything = false;
  const readRow = (record: CsvRecord): void => {
    const { fields, line } = record;
    anything ||= !isBlankRecord(record);
    if (header === undefined) {
      header = fields;
      idColumn = header.indexOf('customerId');
      keyColumn = header.indexOf('entryKey');
      if (idColumn >= 0) issues.push(...headerIssues(header));
      return;
    }
    // A file without a customerId column is refused by its header alone.
    if (idColumn < 0) return;
    if (isBlankRecord(record)) {
      blankLines.push(line);
      return;
    }
    for (const blank of blankLines) issues.push({ line: blank, column: 'customerId', message: 'empty row' });
    blankLines = [];
    // Every row counts, a bad one too (so the issues of a file of bad rows stay bounded as well):
    // a row of the two columns is `customerId,entryKey` and its line end.
    launchedBytes += fields.reduce((sum, field) => sum + field.length, 0) + Math.max(fields.length, 2);
    if (launchedBytes > MAX_LOCAL_AUDIENCE_BYTES) throw new AudienceTooLarge(line);
    if (fields.length !== header.length) {
      issues.push({ line, column: header[Math.min(fields.length, header.length - 1)] ?? 'customerId', message: `has ${fields.length} ${fields.length === 1 ? 'field' : 'fields'}, the header has ${header.length}` });
      return;
    }
    const customerId = fields[idColumn] ?? '';
    const entryKey = keyColumn < 0 ? '' : (fields[keyColumn] ?? '');
    const id = CustomerIdSchema.safeParse(customerId);
    if (!id.success) issues.push({ line, column: 'customerId', message: customerId === '' ? 'is empty' : (id.error.issues[0]?.message ?? 'invalid') });
    if (entryKey !== '') {
      const key = AudienceEntryKeySchema.safeParse(entryKey);
      if (!key.success) issues.push({ line, column: 'entryKey', message: key.error.issues[0]?.message ?? 'invalid' });
    }
    if (id.success) {
      const first = seen.get(customerId);
      if (first !== undefined) issues.push({ line, column: 'customerId', message: `repeats line ${first}` });
      else seen.set(customerId, line);
    }
    // Of one shape, and only the two columns launch reads: an object a row keeps far less than the record did.
    rows.push(customerId === '' ? (entryKey === '' ? {} : { entryKey }) : entryKey === '' ? { customerId } : { customerId, entryKey });
  };
  try {
    forEachCsvRecord(text, { trim: true, columns: AUDIENCE_COLUMNS }, readRow);
  } catch (error) {
    if (error instanceof AudienceTooLarge) {
      const message = `the audience passes ${MAX_LOCAL_AUDIENCE_BYTES / (1024 * 1024)} MiB at this row (as the launcher reads it: customerId,entryKey rows), the most the local stack launches at once; split the file and launch each part under its own --id`;
      return { columns: header ?? [], rows: [], issues: [...issues, { line: error.line, column: 'customerId', message }] };
    }
    if (!(error instanceof CsvSyntaxError)) throw error;
    return {
      columns: [],
      rows: [],
      issues: [{ line: error.line, column: columnOfSyntaxError(error), message: error.unclosedQuote ? 'unterminated quote' : `not valid CSV (${error.code})` }],
    };
  }
  if (header === undefined || !anything) {
    return { columns: [], rows: [], issues: [{ line: 1, column: 'customerId', message: 'the file is empty; it needs a header row naming a customerId column, then one customer id a row' }] };
  }
  if (idColumn < 0) return { columns: header, rows: [], issues: [{ line: 1, column: 'customerId', message: 'the header row must name a customerId column' }] };
  return { columns: header, rows, issues };
}

/**
 * A launch id, as `overture launch --id` and the stack's launch route take it: it names the
 * launcher's execution (Step Functions allows 80 characters) and is the entry key of every row
 * that has none, so it is an id, never a person's address or name.
 */
export const LaunchIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,80}$/, 'must be 1–80 letters, digits, "_" or "-"');

/**
 * The default launch id of an audience: `launch-<journey>-<digest>`, the digest taken over the
 * audience's rows, sorted, each written `customerId` or, with an entry key, `customerId,entryKey`
 * (a customer id holds no comma). It depends on who is in the audience and under which entry
 * keys, not on how the file was saved: line endings, a byte-order mark, quoting, spaces around
 * fields, blank lines at the end, the order of the rows and an `entryKey` column left empty do not
 * change it. So the same audience launched twice is one launch, and starts nothing twice; the same
 * customers under other entry keys are another launch.
 */
export function defaultLaunchId(journey: string, audience: ParsedAudience): string {
  return `launch-${journey}-${audienceDigest(audience).slice(0, 12)}`;
}

/**
 * A digest (SHA-256, hex) of who is in an audience and under which entry keys, the rows sorted,
 * each written `customerId` or, with an entry key, `customerId,entryKey`: two files that name the
 * same customers under the same keys have one digest however they were saved (see
 * {@link defaultLaunchId}, which is taken from it). It tells whether a launch id used before is
 * asked for the same audience again.
 */
export function audienceDigest(audience: ParsedAudience): string {
  const rows = audience.rows
    .flatMap((row) => (row.customerId === undefined ? [] : [row.entryKey === undefined ? row.customerId : `${row.customerId},${row.entryKey}`]))
    .sort();
  return createHash('sha256').update(rows.join('\n')).digest('hex');
}

/**
 * A valid audience as it was validated: the header `customerId,entryKey` whatever columns the file
 * named, then its rows in file order, an entry key the row left empty (or the file had no column
 * for) left empty. The launcher would take the file without the `entryKey` column as well.
 */
export function normalizedAudienceCsv(audience: ParsedAudience): string {
  return audienceCsv(audience.rows.flatMap((row) => (row.customerId === undefined ? [] : [{ customerId: row.customerId, entryKey: row.entryKey }])));
}
