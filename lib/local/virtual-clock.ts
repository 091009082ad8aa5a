/**
 * The virtual clock of the local runtime: `Date`, `setTimeout` and `setInterval` of this process
 * replaced by @sinonjs/fake-timers, so that the state machine interpreter's Wait states and Task
 * timeouts (it computes `Date.parse(ts) - Date.now()` and sleeps with the global `setTimeout`)
 * run on virtual time that the scheduler moves forward — weeks of journeys in seconds.
 *
 * What is not faked keeps working for real: `setImmediate`, `process.nextTick`, I/O and
 * `performance.now()`, so the emulators and the SDK's sockets behave as usual.
 *
 * Two things the fake timers do differently from what the runtime needs are fixed here:
 * - a delay above 2^31−1 ms (~24.8 days) would fire at once, as in Node; such timers are chained
 *   in steps, so a 30-day wait for an event or a 60-day Wait state waits its whole length;
 * - `Math.random` (Step Functions retry jitter, store back-off) can be replaced by a seeded
 *   generator, so a run is the same every time.
 */
import FakeTimers from '@sinonjs/fake-timers';

/** The real timer functions, captured before any clock is installed. */
export const realTimers = {
  setImmediate: globalThis.setImmediate.bind(globalThis),
  setTimeout: globalThis.setTimeout.bind(globalThis),
  clearTimeout: globalThis.clearTimeout.bind(globalThis),
} as const;

/** The longest delay a timer can have before Node (and the fake timers) fire it at once. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** Raised when a second virtual clock is installed in the same process. */
export class VirtualClockInstalledError extends Error {
  constructor() {
    super('a virtual clock is already installed in this process; uninstall it first');
    this.name = 'VirtualClockInstalledError';
  }
}

/** The parts of the fake clock the scheduler uses (some are not in the published types). */
interface FakeClockInternals {
  now: number;
  /** Fires the earliest pending timer, moving `now` to its instant. */
  next(): number;
  uninstall(): void;
  timerHeap?: { peek(): { callAt: number } | undefined };
}

/** A timer longer than the native limit, chained in steps; `current` is the step now pending. */
class ChainedTimer {
  current: unknown;
}

type TimerCallback = (...args: unknown[]) => void;
type SetTimeoutFunction = (callback: TimerCallback, delay?: number, ...args: unknown[]) => unknown;
type ClearTimeoutFunction = (handle?: unknown) => void;

let installed: VirtualClock | undefined;

/** Options of {@link VirtualClock.install}. */
export interface VirtualClockOptions {
  /** The virtual instant the clock starts at. */
  readonly start: Date;
  /** Replaces `Math.random` with a generator seeded by this value until uninstall. @default - not replaced */
  readonly randomSeed?: number;
}

/** The process-wide virtual clock; see the module comment. One may be installed at a time. */
export class VirtualClock {
  private readonly clock: FakeClockInternals;
  private readonly restore: Array<() => void> = [];

  private constructor(options: VirtualClockOptions) {
    this.clock = FakeTimers.install({
      now: options.start.getTime(),
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
      shouldClearNativeTimers: true,
    }) as unknown as FakeClockInternals;
    this.chainLongTimers();
    if (options.randomSeed !== undefined) {
      const original = Math.random;
      Math.random = seededRandom(options.randomSeed);
      this.restore.push(() => {
        Math.random = original;
      });
    }
  }

  /** Installs the virtual clock for this process. @throws VirtualClockInstalledError */
  static install(options: VirtualClockOptions): VirtualClock {
    if (installed !== undefined) throw new VirtualClockInstalledError();
    installed = new VirtualClock(options);
    return installed;
  }

  /** The virtual instant, in epoch milliseconds. */
  nowMs(): number {
    return this.clock.now;
  }

  /** The virtual instant. */
  now(): Date {
    return new Date(this.clock.now);
  }

  /** When the earliest pending timer fires, or undefined when none is pending. */
  nextTimerAt(): number | undefined {
    return this.clock.timerHeap?.peek()?.callAt;
  }

  /**
   * Fires every timer due at or before now. A zero-delay timer set by one of them is due a
   * millisecond later (the library's rule, so that a timer loop cannot hold the clock at one instant).
   */
  fireDue(): void {
    this.fireThrough(this.clock.now);
  }

  /**
   * Moves the clock to `at` without firing the timers due at `at` (those before it fire), so work
   * scheduled for `at` can run before the waits that end at the same instant.
   */
  moveTo(at: number): void {
    if (at <= this.clock.now) return;
    this.fireThrough(at - 1);
    this.clock.now = at;
  }

  /** Moves the clock to `at`, firing every timer due up to and including `at`. */
  advanceTo(at: number): void {
    this.fireThrough(Math.max(at, this.clock.now));
    if (at > this.clock.now) this.clock.now = at;
  }

  /**
   * Fires, earliest first, every timer due at or before `at`, those the fired ones set within that
   * span included. One timer at a time off the head of the heap: the library's `tick` would also
   * do this, but it ends every call by looking through all pending timers, which costs a long
   * simulation (thousands of waiting executions) a scan of every one of them at every instant.
   */
  private fireThrough(at: number): void {
    for (let next = this.nextTimerAt(); next !== undefined && next <= at; next = this.nextTimerAt()) this.clock.next();
  }

  /** Restores the real `Date`, timers and `Math.random`. Pending virtual timers are dropped. */
  uninstall(): void {
    for (const undo of this.restore.splice(0).reverse()) undo();
    this.clock.uninstall();
    if (installed === this) installed = undefined;
  }

  /** Wraps the fake setTimeout/clearTimeout so delays beyond the native limit wait their full length. */
  private chainLongTimers(): void {
    const fakeSetTimeout = globalThis.setTimeout as unknown as SetTimeoutFunction;
    const fakeClearTimeout = globalThis.clearTimeout as unknown as ClearTimeoutFunction;
    const setLong = (callback: TimerCallback, delay?: number, ...args: unknown[]): unknown => {
      if (delay === undefined || !(delay > MAX_TIMER_DELAY_MS)) return fakeSetTimeout(callback, delay, ...args);
      const chained = new ChainedTimer();
      const step = (remaining: number): void => {
        chained.current =
          remaining > MAX_TIMER_DELAY_MS
            ? fakeSetTimeout(() => step(remaining - MAX_TIMER_DELAY_MS), MAX_TIMER_DELAY_MS)
            : fakeSetTimeout(callback, remaining, ...args);
      };
      step(delay);
      return chained;
    };
    const clearLong = (handle?: unknown): void => {
      fakeClearTimeout(handle instanceof ChainedTimer ? handle.current : handle);
    };
    globalThis.setTimeout = setLong as unknown as typeof globalThis.setTimeout;
    globalThis.clearTimeout = clearLong as unknown as typeof globalThis.clearTimeout;
    this.restore.push(() => {
      globalThis.setTimeout = fakeSetTimeout as unknown as typeof globalThis.setTimeout;
      globalThis.clearTimeout = fakeClearTimeout as unknown as typeof globalThis.clearTimeout;
    });
  }
}

/** A small, fast seeded generator (mulberry32) with `Math.random`'s contract: [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Resolves after one turn of the real event loop (pending I/O callbacks run first). */
export function realTurn(): Promise<void> {
  return new Promise((resolve) => realTimers.setImmediate(resolve));
}

/** Resolves after `ms` real milliseconds, whatever clock is installed. */
export function realDelay(ms: number): Promise<void> {
  return new Promise((resolve) => realTimers.setTimeout(resolve, ms));
}
