/**
 * The virtual clock the scheduler moves: which timers fire when the clock moves, in what order,
 * and what the process's `Date` reads meanwhile.
 */
import { VirtualClock, VirtualClockInstalledError } from '../../lib/local/virtual-clock';

const START = Date.parse('2026-03-02T09:00:00.000Z');
const DAY = 86_400_000;

let clock: VirtualClock | undefined;

afterEach(() => {
  clock?.uninstall();
  clock = undefined;
});

/** Installs a clock at START and returns it with a log that timers write `label@virtual ms` to. */
function installWithLog(): { clock: VirtualClock; log: string[]; at: (label: string) => () => void } {
  clock = VirtualClock.install({ start: new Date(START) });
  const log: string[] = [];
  return { clock, log, at: (label) => () => log.push(`${label}@${Date.now() - START}`) };
}

describe('VirtualClock', () => {
  it('fires timers by their instant, and those of one instant in the order they were set', () => {
    const { clock, log, at } = installWithLog();
    setTimeout(at('c'), 300);
    setTimeout(at('a'), 100);
    setTimeout(at('b1'), 200);
    setTimeout(at('b2'), 200);

    clock.advanceTo(START + 250);

    expect(log).toEqual(['a@100', 'b1@200', 'b2@200']);
    expect(clock.nowMs()).toBe(START + 250);
    expect(clock.nextTimerAt()).toBe(START + 300);
  });

  it('fires, in the same move, timers that fired timers set within it', () => {
    const { clock, log, at } = installWithLog();
    setTimeout(() => {
      at('outer')();
      setTimeout(at('inner'), 50);
      setTimeout(at('beyond'), 500);
    }, 100);

    clock.advanceTo(START + 200);

    expect(log).toEqual(['outer@100', 'inner@150']);
    expect(clock.nextTimerAt()).toBe(START + 600);
  });

  it('moveTo leaves the timers of the instant it moves to for fireDue, so work of that instant runs first', () => {
    const { clock, log, at } = installWithLog();
    setTimeout(at('before'), 99);
    setTimeout(at('due'), 100);

    clock.moveTo(START + 100);
    log.push(`agenda@${Date.now() - START}`);
    clock.fireDue();

    expect(log).toEqual(['before@99', 'agenda@100', 'due@100']);
  });

  it('fireDue fires the due timers and nothing later; a zero-delay timer set by one goes a millisecond on', () => {
    const { clock, log, at } = installWithLog();
    setTimeout(() => {
      at('first')();
      setTimeout(at('next-ms'), 0);
    }, 10);
    setTimeout(at('also-due'), 10);
    setTimeout(at('later'), 20);
    clock.moveTo(START + 10);

    clock.fireDue();
    expect(log).toEqual(['first@10', 'also-due@10']);
    clock.advanceTo(START + 11);

    expect(log).toEqual(['first@10', 'also-due@10', 'next-ms@11']);
  });

  it('keeps a timer longer than the native limit waiting its whole length, and lets it be cleared', () => {
    const { clock, log, at } = installWithLog();
    setTimeout(at('sixty-days'), 60 * DAY);
    const cleared = setTimeout(at('cleared'), 30 * DAY);

    clock.advanceTo(START + 30 * DAY);
    clearTimeout(cleared);
    clock.advanceTo(START + 60 * DAY - 1);
    expect(log).toEqual(['cleared@2592000000']);
    clock.advanceTo(START + 61 * DAY);

    expect(log).toEqual(['cleared@2592000000', `sixty-days@${60 * DAY}`]);
  });

  it('repeats an interval at every period the clock passes', () => {
    const { clock, log, at } = installWithLog();
    const interval = setInterval(at('tick'), 1000);

    clock.advanceTo(START + 3500);
    clearInterval(interval);
    clock.advanceTo(START + 10_000);

    expect(log).toEqual(['tick@1000', 'tick@2000', 'tick@3000']);
  });

  it('never moves backwards', () => {
    const { clock } = installWithLog();
    clock.advanceTo(START + 1000);

    clock.moveTo(START);
    clock.advanceTo(START + 10);

    expect(clock.nowMs()).toBe(START + 1000);
    expect(new Date().getTime()).toBe(START + 1000);
  });

  it('replaces Math.random with the same sequence for the same seed, and restores it', () => {
    const original = Math.random;
    clock = VirtualClock.install({ start: new Date(START), randomSeed: 7 });
    const first = [Math.random(), Math.random(), Math.random()];
    clock.uninstall();
    clock = VirtualClock.install({ start: new Date(START), randomSeed: 7 });
    const second = [Math.random(), Math.random(), Math.random()];
    clock.uninstall();
    clock = undefined;

    expect(second).toEqual(first);
    expect(first.every((value) => value >= 0 && value < 1)).toBe(true);
    expect(Math.random).toBe(original);
  });

  it('refuses a second clock in the same process', () => {
    installWithLog();

    expect(() => VirtualClock.install({ start: new Date(START) })).toThrow(VirtualClockInstalledError);
  });
});
