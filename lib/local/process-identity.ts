/**
 * Whether a process id still names the process that wrote it down.
 *
 * The data folder's lock and a running stack's note name their process by id, but ids are reused:
 * a restarted container hands out the same small ids again, and after a reboot any id may belong
 * to anything. A lock whose id now belongs to a shell would keep every later command out for good.
 * On Linux a process's start (the boot's id and the process's start time in clock ticks since
 * boot, from /proc) tells the same process from a later one with its id; where /proc is missing,
 * the id alone is all there is to go by.
 */
import { readFileSync } from 'node:fs';

/** Where /proc/<pid>/stat's starttime is (field 22), counted from the field after the command's ")". */
const START_TIME_FIELD_AFTER_COMMAND = 22 - 3;

/** The start of process `pid` as `<boot id>/<start ticks>`, or undefined where /proc does not tell. */
export function processStart(pid: number): string | undefined {
  try {
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name, in parentheses, may hold spaces and ")"; the fields after its last ")" do not.
    const ticks = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[START_TIME_FIELD_AFTER_COMMAND];
    return bootId !== '' && ticks !== undefined && /^\d+$/.test(ticks) ? `${bootId}/${ticks}` : undefined;
  } catch {
    return undefined;
  }
}

/** This process's start (see {@link processStart}), read once. */
export const ownProcessStart: string | undefined = processStart(process.pid);

/**
 * Whether process `pid` is alive and, when `start` was written down with it and this system can
 * tell, is the very process that started then (not a later one given the same id).
 */
export function isProcessRunning(pid: number, start: string | undefined): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: alive, another user's.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (start === undefined) return true;
  const current = processStart(pid);
  return current === undefined || current === start;
}
