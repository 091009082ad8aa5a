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
import { CsvSyntaxError, isBlankRecord, readCsvRecords, type CsvRecord } from './csv-records';

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
 * The records of `text`, fields trimmed, blank lines at the end left out; or, for text that is
 * not CSV, the problem at its line.
 */
function csvRecords(text: string): { records: CsvRecord[]; problem?: AudienceIssue } {
  let records: CsvRecord[];
  try {
    records = readCsvRecords(text, { trim: true, columns: AUDIENCE_COLUMNS });
  } catch (error) {
    if (!(error instanceof CsvSyntaxError)) throw error;
    return { records: [], problem: { line: error.line, column: columnOfSyntaxError(error), message: error.unclosedQuote ? 'unterminated quote' : `not valid CSV (${error.code})` } };
  }
  while (records.length > 0 && isBlankRecord(records[records.length - 1])) records.pop();
  return { records };
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

/** Parses and validates an audience file; `issues` is empty when every row is valid. */
export function parseAudienceCsv(text: string): ParsedAudience {
  const { records, problem } = csvRecords(text);
  const issues: AudienceIssue[] = [];
  if (problem !== undefined) {
    issues.push(problem);
    return { columns: [], rows: [], issues };
  }
  if (records.length === 0) {
    issues.push({ line: 1, column: 'customerId', message: 'the file is empty; it needs a header row naming a customerId column, then one customer id a row' });
    return { columns: [], rows: [], issues };
  }
  const header = records[0]?.fields ?? [];
  if (!header.includes('customerId')) {
    issues.push({ line: 1, column: 'customerId', message: 'the header row must name a customerId column' });
    return { columns: header, rows: [], issues };
  }
  header.forEach((name, index) => {
    if (!isAudienceColumn(name)) {
      issues.push({ line: 1, column: name || '(empty)', message: `unknown column; allowed: ${AUDIENCE_COLUMNS.join(', ')}` });
    } else if (header.indexOf(name) !== index) {
      // Two lists pasted side by side: one of them would be dropped without a word (the launcher's
      // reader, like the Distributed Map's in AWS, refuses such a header outright).
      issues.push({ line: 1, column: name, message: `named twice (columns ${header.indexOf(name) + 1} and ${index + 1}); name each column once` });
    }
  });
  const rows: Array<Record<string, string>> = [];
  const seen = new Map<string, number>();
  records.slice(1).forEach((record) => {
    const { fields, line } = record;
    if (isBlankRecord(record)) {
      issues.push({ line, column: 'customerId', message: 'empty row' });
      return;
    }
    if (fields.length !== header.length) {
      issues.push({ line, column: header[Math.min(fields.length, header.length - 1)] ?? 'customerId', message: `has ${fields.length} ${fields.length === 1 ? 'field' : 'fields'}, the header has ${header.length}` });
      return;
    }
    const row: Record<string, string> = {};
    header.forEach((name, column) => {
      const value = fields[column] ?? '';
      if (value !== '') row[name] = value;
    });
    const id = CustomerIdSchema.safeParse(row.customerId ?? '');
    if (!id.success) issues.push({ line, column: 'customerId', message: row.customerId === undefined ? 'is empty' : (id.error.issues[0]?.message ?? 'invalid') });
    if (row.entryKey !== undefined) {
      const key = AudienceEntryKeySchema.safeParse(row.entryKey);
      if (!key.success) issues.push({ line, column: 'entryKey', message: key.error.issues[0]?.message ?? 'invalid' });
    }
    if (id.success) {
      const first = seen.get(id.data);
      if (first !== undefined) issues.push({ line, column: 'customerId', message: `repeats line ${first}` });
      else seen.set(id.data, line);
    }
    rows.push(row);
  });
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
