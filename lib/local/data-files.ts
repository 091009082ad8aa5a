/** A persisted local stack's data folder (`.overture/`): the files it keeps, and how they are written. */
import { appendFile, link, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { isProcessRunning, ownProcessStart } from './process-identity';

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
  /** The SES emulator's mailbox: every email it accepted, appended as it accepts it (JSON lines; mailbox.ts). */
  mailbox: 'mailbox.jsonl',
  /** The mailbox as folders written before kept it, saved whole every two seconds (a JSON array): read at a start. */
  legacyMailbox: 'mailbox.json',
  /** What offline commands need to read the data (the customer table's name). */
  stack: 'stack.json',
  /** The mailbox's port, kept from the first start so that later starts serve it at the same URL. */
  ports: 'ports.json',
  /** The audience file of each launch, under its key in the audience bucket (in memory), to put back there at a restart. */
  audiences: 'audiences',
  /** The id of the process that works on the folder (see lockDataFolder). */
  lock: 'lock',
} as const;

let temporaries = 0;

/** The lock files this process holds (see lockDataFolder). */
const heldLocks = new Set<string>();

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

/** Raised when another process that is alive works on the data folder (see {@link lockDataFolder}). */
export class DataFolderInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(`the data folder ${dataDir} is in use by process ${pid}`);
    this.name = 'DataFolderInUseError';
  }
}

/**
 * Takes the data folder for this process until the returned function releases it: one process at
 * a time opens its DynamoDB data (LevelDB allows one) and writes its clock, registry and mailbox,
 * whether a stack (`serve`, `npm start`, from its first moment, before its note is written) or a
 * command on a stopped stack. The lock file holds the process id; it is made whole before it
 * appears (a link of a written file), and one whose process is gone (killed) is taken over.
 * @throws DataFolderInUseError when a live process holds it
 */
export async function lockDataFolder(dataDir: string): Promise<() => Promise<void>> {
  const lockFile = path.join(dataDir, DATA_FILES.lock);
  temporaries += 1;
  const temporary = `${lockFile}.${process.pid}-${temporaries}.tmp`;
  await writeFile(temporary, `${[process.pid, ownProcessStart].filter((part) => part !== undefined).join(' ')}\n`, 'utf8');
  try {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await link(temporary, lockFile);
        heldLocks.add(lockFile);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = await dataFolderHolder(dataDir);
        if (holder !== undefined || attempt >= 2) throw new DataFolderInUseError(dataDir, holder ?? 0);
        await rm(lockFile, { force: true });
      }
    }
  } finally {
    await rm(temporary, { force: true });
  }
  return async () => {
    if (!heldLocks.delete(lockFile)) return;
    if ((await lockHolder(lockFile))?.pid === process.pid) await rm(lockFile, { force: true });
  };
}

/**
 * The live process that holds the data folder's lock, if any: a killed one's lock holds nothing,
 * nor does one whose id now names another process (see process-identity.ts).
 */
export async function dataFolderHolder(dataDir: string): Promise<number | undefined> {
  const lockFile = path.join(dataDir, DATA_FILES.lock);
  const holder = await lockHolder(lockFile);
  if (holder === undefined) return undefined;
  // This process's id in a lock it did not take: left by an earlier process that had the same id
  // (a container's, restarted), not a holder.
  if (holder.pid === process.pid) return heldLocks.has(lockFile) ? holder.pid : undefined;
  return isProcessRunning(holder.pid, holder.start) ? holder.pid : undefined;
}

/** The lock's `<pid> [<start>]` (a lock written before starts were kept holds the pid alone). */
async function lockHolder(lockFile: string): Promise<{ pid: number; start: string | undefined } | undefined> {
  const [pidText = '', start] = (await readFile(lockFile, 'utf8').catch(() => '')).trim().split(' ');
  const pid = Number(pidText);
  return Number.isInteger(pid) && pid > 0 ? { pid, start } : undefined;
}
