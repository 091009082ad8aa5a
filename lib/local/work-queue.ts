/**
 * The queue every unit of work of the local runtime goes through: Task handlers (send,
 * journeyEffects, the storing half of waitForEvent), customer events and scheduled jobs.
 *
 * It serves two purposes:
 * - the scheduler moves the virtual clock only when the queue is idle, so no handler ever sees
 *   time jump in the middle of its work, and a message's `at` is the instant its step ran;
 * - work for one customer runs one item at a time, in the order it was queued, so results do not
 *   depend on how the emulators' answers interleave, and the store's optimistic-concurrency
 *   retries do not start in normal running (they can after a crash left a local transaction half
 *   applied; their pauses then take real time, see runtime.ts). With `concurrency: 1`, the whole
 *   process runs one item at a time, in FIFO order.
 */

interface QueuedWork {
  readonly key: string;
  readonly exclusive: boolean;
  readonly run: () => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: unknown) => void;
}

/** Options of {@link WorkQueue}. */
export interface WorkQueueOptions {
  /** Items running at once, across keys (items of one key never overlap). @default 1 */
  readonly concurrency?: number;
}

/** See the module comment. */
export class WorkQueue {
  private readonly waiting: QueuedWork[] = [];
  private readonly activeKeys = new Set<string>();
  private readonly concurrency: number;
  private running = 0;
  private aloneRunning = false;
  private completedCount = 0;
  private draining = false;
  /** Resolves {@link drain} once nothing runs. */
  private drained: (() => void) | undefined;

  constructor(options: WorkQueueOptions = {}) {
    this.concurrency = Math.max(1, options.concurrency ?? 1);
  }

  /** True when nothing runs and nothing waits. */
  get idle(): boolean {
    return this.running === 0 && this.waiting.length === 0;
  }

  /** Items finished so far (a progress counter). */
  get completed(): number {
    return this.completedCount;
  }

  /** What runs and what waits, by key (for diagnostics). */
  describe(): { running: string[]; waiting: string[] } {
    return { running: [...this.activeKeys], waiting: this.waiting.map((item) => item.key) };
  }

  /** Queues `work` under `key` (a customer id) and resolves with its result once it ran. */
  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    return this.enqueue(key, work, false);
  }

  /**
   * Queues `work` to run alone: it starts once everything queued before it has finished, and
   * nothing starts while it runs. For work that reads or writes across customers (the inactivity
   * scan, an audience launch), so that its outcome never depends on how customers' work interleaves.
   */
  runAlone<T>(key: string, work: () => Promise<T>): Promise<T> {
    return this.enqueue(key, work, true);
  }

  /**
   * Starts nothing more, and resolves once the items that run now have finished. For a clean
   * stop: work stopped half-way (a Task handler whose emulators went away under it) would end its
   * execution as failed, while work never started leaves the execution where the next start
   * resumes it. Items queued meanwhile, or already waiting, stay unstarted.
   */
  async drain(): Promise<void> {
    this.draining = true;
    if (this.running === 0) return;
    await new Promise<void>((resolve) => {
      this.drained = resolve;
    });
  }

  private enqueue<T>(key: string, work: () => Promise<T>, exclusive: boolean): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ key, exclusive, run: work, resolve: resolve as (value: unknown) => void, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (!this.draining && this.running < this.concurrency && !this.aloneRunning) {
      let chosen = -1;
      for (let index = 0; index < this.waiting.length; index += 1) {
        const item = this.waiting[index];
        if (item === undefined) break;
        // Nothing overtakes work that must run alone; it waits for the running work to finish.
        if (item.exclusive) {
          if (index === 0 && this.running === 0) chosen = 0;
          break;
        }
        if (!this.activeKeys.has(item.key)) {
          chosen = index;
          break;
        }
      }
      if (chosen < 0) return;
      const [item] = this.waiting.splice(chosen, 1);
      if (item === undefined) return;
      this.start(item);
    }
  }

  private start(item: QueuedWork): void {
    this.running += 1;
    if (item.exclusive) this.aloneRunning = true;
    this.activeKeys.add(item.key);
    const finish = (): void => {
      this.running -= 1;
      if (item.exclusive) this.aloneRunning = false;
      this.completedCount += 1;
      this.activeKeys.delete(item.key);
      if (this.running === 0) this.drained?.();
      this.pump();
    };
    let promise: Promise<unknown>;
    try {
      promise = item.run();
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then(
      (value) => {
        finish();
        item.resolve(value);
      },
      (error: unknown) => {
        finish();
        item.reject(error);
      },
    );
  }
}
