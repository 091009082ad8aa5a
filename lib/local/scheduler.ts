/**
 * The scheduler: moves the virtual clock from one thing to do to the next, in virtual-time order
 * across all customers. "Things to do" are the agenda (customer events of a scenario or of the
 * demo, daily jobs) and the pending timers (Wait states, wait-for-event timeouts, retry pauses).
 *
 * After each real event-loop turn it fires the timers now due; once the work queue has been idle
 * for two turns in a row (nothing runs, nothing waits, every continuation has settled), it moves
 * the clock to the earlier of the next agenda item and the next timer. Agenda items at an instant
 * run before the timers due at that same instant, so a consent revoked at 22:00 is already
 * recorded when a message deferred to 22:00 is decided again.
 *
 * Unpaced (the simulator), the clock jumps as soon as the process is idle. Paced (`npm start`,
 * `overture serve`), it never runs ahead of `rate` virtual milliseconds per real millisecond.
 */
import type { VirtualClock } from './virtual-clock';
import { realDelay, realTurn } from './virtual-clock';
import type { WorkQueue } from './work-queue';

/** One scheduled piece of work. Items at the same instant run in `order` order. */
export interface AgendaItem {
  /** Virtual instant, epoch milliseconds. */
  readonly at: number;
  /** Sort keys among items at the same instant (e.g. customer id, then index in the file). */
  readonly order: readonly (string | number)[];
  /** The work queue key (a customer id, or a job name). */
  readonly key: string;
  /** Runs alone in the work queue (work across customers, such as a scan). */
  readonly alone?: boolean;
  readonly run: () => Promise<void>;
}

/** Options of {@link Scheduler}. */
export interface SchedulerOptions {
  /** Virtual milliseconds per real millisecond; absent: as fast as the work allows. */
  readonly rate?: number;
  /** Called when an agenda item fails; the run goes on. @default - rethrown from run() */
  readonly onError?: (error: unknown, item: AgendaItem) => void;
  /** Awaited before each move of the clock, with the instant it moves to (the data folder saves its clock ahead: saved-clock.ts). */
  readonly beforeMove?: (at: number) => Promise<void>;
}

/** Idle turns in a row after which the process counts as quiescent. */
const QUIET_TURNS = 2;

/** Longest real pause of a paced scheduler between looks at its work. */
const PACED_POLL_MS = 25;

function compareOrder(a: AgendaItem, b: AgendaItem): number {
  if (a.at !== b.at) return a.at - b.at;
  const length = Math.max(a.order.length, b.order.length);
  for (let index = 0; index < length; index += 1) {
    const x = a.order[index];
    const y = b.order[index];
    if (x === y) continue;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}

/** See the module comment. */
export class Scheduler {
  private readonly agenda: AgendaItem[] = [];
  private sorted = true;
  private stopping = false;
  private failure: unknown;
  private pace: { realStart: number; virtualStart: number } | undefined;

  constructor(
    private readonly clock: VirtualClock,
    private readonly work: WorkQueue,
    private readonly options: SchedulerOptions = {},
  ) {}

  /** Adds work at a virtual instant (an instant already past runs at the next opportunity). */
  schedule(item: AgendaItem): void {
    this.agenda.push(item);
    this.sorted = false;
  }

  /** Items still on the agenda. */
  get pending(): number {
    return this.agenda.length;
  }

  /** Asks a running {@link run} to return at its next look. */
  stop(): void {
    this.stopping = true;
  }

  /**
   * Runs until the virtual clock reaches `until` (epoch ms; nothing at or after it runs), or,
   * without `until`, until {@link stop} is called. Resolves with the clock at `until` and the
   * process quiescent.
   */
  async run(until?: number): Promise<void> {
    this.stopping = false;
    let quietTurns = 0;
    for (;;) {
      await realTurn();
      if (this.failure !== undefined) throw this.failure;
      // Asked to stop: return even with work in flight (the caller is shutting down).
      if (this.stopping) return;
      this.clock.fireDue();
      if (!this.work.idle) {
        quietTurns = 0;
        continue;
      }
      quietTurns += 1;
      if (quietTurns < QUIET_TURNS) continue;
      const nextItem = this.peek()?.at;
      const nextTimer = this.clock.nextTimerAt();
      const next = Math.min(nextItem ?? Infinity, nextTimer ?? Infinity);
      const horizon = until ?? Infinity;
      if (next >= horizon) {
        if (until === undefined) {
          // Nothing to do until someone adds work: let paced time flow, and wait in real time.
          if (this.options.rate !== undefined) await this.moveTo(Math.floor(this.paceLimit()));
          await realDelay(PACED_POLL_MS);
          quietTurns = 0;
          continue;
        }
        if (this.options.rate === undefined || this.paceLimit() >= until) {
          await this.moveTo(until);
          return;
        }
      }
      const target = Math.min(next, horizon);
      const allowed = this.paceLimit();
      if (target > allowed) {
        // Paced: move as far as real time allows, then look again.
        await this.moveTo(Math.floor(allowed));
        await realDelay(Math.min(PACED_POLL_MS, Math.max(1, (target - allowed) / (this.options.rate ?? 1))));
        quietTurns = 0;
        continue;
      }
      if (nextItem !== undefined && nextItem <= next) {
        await this.moveTo(nextItem);
        this.startDue(nextItem);
      } else {
        await this.options.beforeMove?.(next);
        this.clock.advanceTo(next);
      }
      quietTurns = 0;
    }
  }

  /** Moves the clock to `at` without firing what is due there, once {@link SchedulerOptions.beforeMove} allows. */
  private async moveTo(at: number): Promise<void> {
    await this.options.beforeMove?.(at);
    this.clock.moveTo(at);
  }

  /** The furthest virtual instant real time allows (Infinity when unpaced). */
  private paceLimit(): number {
    const { rate } = this.options;
    if (rate === undefined) return Infinity;
    const realNow = performance.now();
    this.pace ??= { realStart: realNow, virtualStart: this.clock.nowMs() };
    return this.pace.virtualStart + (realNow - this.pace.realStart) * rate;
  }

  private peek(): AgendaItem | undefined {
    if (!this.sorted) {
      this.agenda.sort(compareOrder);
      this.sorted = true;
    }
    return this.agenda[0];
  }

  /** Queues every agenda item due at or before `at`, in order. */
  private startDue(at: number): void {
    for (;;) {
      const item = this.peek();
      if (item === undefined || item.at > at) return;
      this.agenda.shift();
      (item.alone ? this.work.runAlone(item.key, item.run) : this.work.run(item.key, item.run)).catch((error: unknown) => {
        if (this.options.onError) this.options.onError(error, item);
        else this.failure ??= error;
      });
    }
  }
}
