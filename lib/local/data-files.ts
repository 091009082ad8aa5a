/** A persisted local stack's data folder (`.overture/`): the files it keeps, and how they are written. */
import { appendFile, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';

/** The data folder of `npm start` and of the `overture` commands when none is given. */
export const DEFAULT_DATA_DIR = '.overture';

/** The files in the data folder. */
export const DATA_FILES = {
  /** dynalite's LevelDB folder: every customer record, the send ledger, decisions. */
  dynamodb: 'dynamodb',
  /** The execution registry (JSON lines, latest line of a name wins). */
  executions: 'executions.jsonl',
  /** The virtual clock's instant, so a restart goes on from it. */
  clock: 'clock.json',
  /** Every text the SMS outbox accepted (JSON lines). */
  smsOutbox: 'sms-outbox.jsonl',
  /** The numbers that texted STOP and not START since: the outbox's opt-out list (a JSON array). */
  smsOptOuts: 'sms-opt-outs.json',
  /** The link-signing secret of this machine. */
  linkSecret: 'link-secret',
  /** Where a running stack listens (removed when it stops). */
  endpoints: 'endpoints.json',
  /** The SES emulator's mailbox, saved as it runs. */
  mailbox: 'mailbox.json',
  /** What offline commands need to read the data (the customer table's name). */
  stack: 'stack.json',
  /** The mailbox's port, kept from the first start so that later starts serve it at the same URL. */
  ports: 'ports.json',
} as const;

let temporaries = 0;

/**
 * The JSON in `file` as `schema` reads it, or undefined when the file is missing, does not parse or
 * does not match: every such file can be written again, so an unreadable one counts as none.
 */
export async function readDataFile<Schema extends z.ZodType>(file: string, schema: Schema): Promise<z.infer<Schema> | undefined> {
  try {
    return schema.parse(JSON.parse(await readFile(file, 'utf8')));
  } catch {
    return undefined;
  }
}

/**
 * The virtual instant saved in the folder's clock file, or undefined when it has none (a stack
 * that never saved its clock). A runtime started on the folder starts its clock there, so the
 * offline commands read it to know what time an event they send will be ingested at.
 */
export async function readSavedClock(dataDir: string): Promise<Date | undefined> {
  const saved = await readDataFile(path.join(dataDir, DATA_FILES.clock), z.object({ now: z.iso.datetime() }));
  return saved === undefined ? undefined : new Date(saved.now);
}

/**
 * Writes `text` to `file` so that a process killed mid-write leaves the previous copy whole: a
 * temporary file of its own (two saves of one file may overlap), then a rename over the old one.
 */
export async function writeDataFile(file: string, text: string, options: { readonly mode?: number } = {}): Promise<void> {
  temporaries += 1;
  const temporary = `${file}.${process.pid}-${temporaries}.tmp`;
  await writeFile(temporary, text, { encoding: 'utf8', mode: options.mode });
  await rename(temporary, file);
}

/**
 * Ends the last line of a JSON-lines file (the execution registry, the SMS outbox) when a kill cut
 * it short, so the next line appended starts a line of its own instead of being lost with it.
 */
export async function endLastLine(file: string): Promise<void> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  if (text !== '' && !text.endsWith('\n')) await appendFile(file, '\n', 'utf8');
}
