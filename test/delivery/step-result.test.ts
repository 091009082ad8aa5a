/**
 * The send Task's result: a deferral's `until` is a whole second no earlier than the gate's
 * instant, since Step Functions truncates a Wait timestamp's milliseconds and would wake the step
 * before it, only for it to be deferred again.
 */
import { toStepResult } from '../../lib/delivery/step-result';

describe('toStepResult', () => {
  it.each([
    ['2026-03-02T21:00:00.300Z', '2026-03-02T21:00:01.000Z'],
    ['2026-03-02T21:00:00.999Z', '2026-03-02T21:00:01.000Z'],
    ['2026-12-31T23:59:59.001Z', '2027-01-01T00:00:00.000Z'],
    ['2026-03-02T21:00:00.000Z', '2026-03-02T21:00:00.000Z'],
  ])('waits a deferral until %s up to the whole second %s', (until, expected) => {
    // Act
    const result = toStepResult({ outcome: 'deferred', channel: 'email', until, reason: 'quiet_hours' });

    // Assess
    expect(result).toEqual({ outcome: 'deferred', channel: 'email', until: expected, reason: 'quiet_hours' });
  });
});
