import { FREQUENCY_WINDOW_MS, capAllows, sendsInCapWindow } from '../../lib/permission';

const t = Date.parse('2026-03-10T18:00:00Z');

describe('frequency cap window', () => {
  it('counts sends in (t − 7 days, t]: not the one exactly 7 days before, but the one exactly at t', () => {
    // Prepare
    const sends = [t - FREQUENCY_WINDOW_MS, t - FREQUENCY_WINDOW_MS + 1, t - 1, t, t + 1];
    // Act
    const count = sendsInCapWindow(sends, t);
    // Assess
    expect(count).toBe(3);
  });

  it('allows one more marketing message only below maxPerWeek, and always without a cap', () => {
    // Prepare
    const sends = [t - 1000, t - 2000];
    // Act
    const verdicts = [capAllows(2, sends, t), capAllows(3, sends, t), capAllows(0, [], t), capAllows(undefined, sends, t)];
    // Assess
    expect(verdicts).toEqual([false, true, false, true]);
  });
});
