/**
 * `overture erase CUSTOMER`: erases a customer of the local stack, as an operator erases one in AWS
 * with eraseCustomer (lib/store/erase-customer.ts): every item of the customer's partition and
 * every phone-index item naming them, leaving the tombstone that makes ingest refuse a late event.
 * Through the running stack's control route when one runs on the data folder (it owns the data),
 * else on the stopped stack's folder directly, as `why` reads it. The output names the customer id
 * and counts, nothing else.
 */
import path from 'node:path';
import * as z from 'zod';
import { CustomerIdSchema } from '../customer/model';
import { DEFAULT_DATA_DIR, readSavedClock } from '../local/data-files';
import { eraseCustomer, type ErasureOutcome } from '../store/erase-customer';
import { badInput, writeJson, type CliIO } from './io';
import { readDataFolderTable, requireStackData, type StackCommandOptions } from './stack-commands';
import { callStack, findRunningStack } from './stack-client';

const ErasureOutcomeSchema = z.object({
  customerId: z.string(),
  erasedAt: z.string(),
  itemsDeleted: z.number(),
  phoneIndexItemsDeleted: z.number(),
});

/** The text `overture erase` prints for an erasure. */
export function formatErasure(outcome: ErasureOutcome): string {
  return (
    `Erased customer ${outcome.customerId} at ${outcome.erasedAt}: ${outcome.itemsDeleted} items of their partition and ` +
    `${outcome.phoneIndexItemsDeleted} phone-index items deleted; events for them are refused until the tombstone expires.\n`
  );
}

/**
 * `overture erase CUSTOMER`. Idempotent: erasing an erased or unknown customer deletes nothing
 * more and leaves a new tombstone.
 * @throws CliExit(2) for a customer id that is not one; CliExit(1) for a data folder with no stack data
 */
export async function eraseCommand(io: CliIO, customerId: string, options: StackCommandOptions): Promise<void> {
  const id = CustomerIdSchema.safeParse(customerId);
  // The value is not repeated: what is not a customer id may be the customer's address or number.
  if (!id.success) throw badInput(`<customer>: ${id.error.issues[0]?.message ?? 'invalid'} (a customer id, not an address or a number)`);
  const dataDir = path.resolve(options.data ?? DEFAULT_DATA_DIR);
  await requireStackData(dataDir);
  const running = await findRunningStack(dataDir);
  const outcome = running
    ? ErasureOutcomeSchema.parse(await callStack(running, 'POST', `/customers/${encodeURIComponent(id.data)}/erase`))
    : // At the stack's virtual now, on which its events are dated.
      await readDataFolderTable(dataDir, async (client, tableName) => eraseCustomer({ client, tableName }, id.data, { now: await readSavedClock(dataDir) }));
  if (options.json) writeJson(io, outcome);
  else io.stdout(formatErasure(outcome));
}
