/**
 * The rows of an audience file, as the launcher reads them. An audience file is a CSV whose header
 * names a `customerId` column and, optionally, an `entryKey` column, then one customer a row:
 *
 * ```csv
 * customerId,entryKey
 * c-001,
 * c-002,spring-2026
 * ```
 *
 * The launcher's Distributed Map passes these two fields of each row on, and nothing else
 * (ItemSelector): any other column a file holds is ignored and never reaches an execution. A file
 * without the `entryKey` column (`customerId` alone, the format before entry keys) launches every
 * customer under the launch id; a file whose header does not name `customerId` fails the launch.
 * `overture launch` and the inactivity scan write their files with {@link audienceCsv}, which
 * names both columns; a file need not.
 *
 * A row's entry key, when not empty, is what its customer enters under (the execution is named
 * `<journey>-<customerId>-<entryKey>`); an empty one, or none, stands for the launch id.
 */
import * as z from '../schema/zod-mini';
import { CustomerIdSchema } from '../customer/model';

/** The columns of an audience file the launcher reads, in the order {@link audienceCsv} writes them. */
export const AUDIENCE_COLUMNS = ['customerId', 'entryKey'] as const;

/** An audience row's entry key: ids only, no separator a CSV would have to quote. */
export const AudienceEntryKeySchema = z.string().check(z.regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'must be 1–128 letters, digits, "_", ".", ":" or "-"'));

/**
 * One audience row, as the launcher's ItemSelector hands it to the launch worker. The entry key
 * is empty for a row that leaves it empty or a file without the column, and absent from items
 * selected before the launcher passed it on (a batch of such a launch, redriven).
 */
export const AudienceRowSchema = z.object({
  customerId: CustomerIdSchema,
  entryKey: z.optional(z.union([z.literal(''), AudienceEntryKeySchema])),
});
export type AudienceRow = z.infer<typeof AudienceRowSchema>;

/** The entry key `row`'s customer enters under: the row's own, or the launch id when it has none. */
export function entryKeyOfRow(row: AudienceRow, launchId: string): string {
  return row.entryKey === undefined || row.entryKey === '' ? launchId : row.entryKey;
}

/**
 * An audience file with the header `customerId,entryKey` and one line a row (an empty entry key
 * left empty). Customer ids and entry keys hold no comma, quote or line break (their schemas), so
 * no field needs quoting.
 */
export function audienceCsv(rows: ReadonlyArray<{ readonly customerId: string; readonly entryKey?: string }>): string {
  return [AUDIENCE_COLUMNS.join(','), ...rows.map((row) => `${row.customerId},${row.entryKey ?? ''}`)].join('\n') + '\n';
}
