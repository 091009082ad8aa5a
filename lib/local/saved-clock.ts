/**
 * The data folder's clock (`clock.json`): the virtual instant a stack started on the folder goes on
 * from. It must never be behind anything the stack recorded. The store ranks a customer's consents
 * and profile changes by their instants: a STOP recorded after a restart at an instant before a
 * grant already on disk would lose to it, and the customer would be mailed after opting out.
 *
 * So the saved instant is kept ahead of the running clock, written before the clock moves past it
 * (write-ahead), rather than saved after the fact every so often: a kill at any moment leaves a
 * saved instant no earlier than the last thing recorded. A restart after a kill resumes up to
 * {@link SavedClock} `aheadMs` later than where the clock stood; a close saves the exact instant.
 */
import { writeDataFile } from './data-files';

/**
 * How far ahead of the clock the data folder's clock is saved at `rate` (virtual ms per real ms;
 * absent: unpaced): a real second of paced time (an hour at `npm start`'s pace, so about one write
 * a second), and at least a virtual minute.
 */
export function clockSavedAheadMs(rate: number | undefined): number {
  return Math.max(60_000, (rate ?? 0) * 1000);
}

/** See the module comment. */
export class SavedClock {
  /** The instant the file holds (epoch ms), once written by this process. */
  private savedMs = -Infinity;

  /**
   * @param file the data folder's clock file
   * @param aheadMs how far ahead of the clock each write saves: fewer writes for a larger step
   */
  constructor(
    private readonly file: string,
    private readonly aheadMs: number,
  ) {}

  /** Before the clock moves to `at` (epoch ms): saves an instant at or after it, unless one is saved already. */
  async reserve(at: number): Promise<void> {
    if (at <= this.savedMs) return;
    await this.write(at + this.aheadMs);
  }

  /** Saves exactly `now` (epoch ms): at a close, or before a command's work, when the clock stands still. */
  async save(now: number): Promise<void> {
    await this.write(now);
  }

  private async write(ms: number): Promise<void> {
    await writeDataFile(this.file, JSON.stringify({ now: new Date(ms).toISOString() }));
    this.savedMs = ms;
  }
}
