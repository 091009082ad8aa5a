/**
 * A scheduled journey's expression goes to EventBridge Scheduler as it is written. Scheduler
 * refuses a Unix-style 5-field cron, a cron naming both a day of month and a day of week (one must
 * be `?`) and a rate in a unit it does not know; validation refuses them too, at synth, naming the
 * form Scheduler takes, rather than the deployment ("Invalid Schedule Expression").
 */
import { CONTEXT_KEYS, readConfig } from '../../lib/config';
import { InvalidJourneyError, validateJourney } from '../../lib/journeys/validate';
import { scheduleExpressionProblem } from '../../lib/journeys/schedule-expression';
import { TEST_SENDER_POSTAL_ADDRESS } from '../support/sender-address';
import { FIXTURE_TEMPLATES_DIR, demoJourney, exitNode, greeting } from './fixtures/journeys';

/** The message validation refuses a journey scheduled on `expression` with, or `(valid)`. */
function failureOf(expression: string): string {
  const journey = demoJourney([greeting('hello', 'bye'), exitNode('bye')]);
  const scheduled = { ...journey, entry: { ...(journey.entry as Record<string, unknown>), trigger: { kind: 'schedule', expression } } };
  try {
    validateJourney(scheduled, { templatesDir: FIXTURE_TEMPLATES_DIR });
  } catch (error) {
    if (error instanceof InvalidJourneyError) return error.message;
    throw error;
  }
  return '(valid)';
}

describe('validateJourney on a schedule expression', () => {
  it.each([
    ['a Unix 5-field cron', 'cron(0 10 * * *)', 'EventBridge Scheduler takes 6, cron(minutes hours day-of-month month day-of-week year)', 'cron(0 10 * * ? *)'],
    ['a cron with both day-of-month and day-of-week', 'cron(0 10 * * MON *)', 'one of them must be ?', 'cron(0 10 ? * MON *)'],
    ['a rate in weeks', 'rate(2 weeks)', 'EventBridge Scheduler has no week unit', 'rate(14 days)'],
  ])('fails on %s, naming the entry and the form Scheduler takes', (_label, expression, why, corrected) => {
    // Act
    const failure = failureOf(expression);

    // Assess
    expect(failure).toMatch(/^journey "demo", node "entry" \(entry\): trigger\.expression/);
    expect(failure).toContain(why);
    expect(failure).toContain(corrected);
    expect(failureOf(corrected)).toBe('(valid)');
  });

  it('accepts Scheduler crons and rates', () => {
    // Act
    const failures = ['cron(0 10 ? * MON *)', 'rate(7 days)', 'rate(1 hour)'].map(failureOf);

    // Assess
    expect(failures).toEqual(['(valid)', '(valid)', '(valid)']);
  });
});

describe('scheduleExpressionProblem', () => {
  it.each([
    'cron(0 3 * * ? *)',
    'cron(0/15 8-17 ? * MON-FRI *)',
    'cron(30 9 1,15 * ? 2026-2030)',
    'cron(0 12 L * ? *)',
    'cron(0 12 15W JAN,JUL ? *)',
    'cron(0 18 ? * 6L *)',
    'cron(0 10 ? * 2#1 *)',
    'cron(*/5 * ? * sun *)',
    'rate(1 minute)',
    'rate(5 minutes)',
    'rate(1 day)',
    'rate(12 hours)',
  ])('accepts %s', (expression) => {
    expect(scheduleExpressionProblem(expression)).toBeUndefined();
  });

  it.each([
    ['cron(0 10 ? * MON)', 'has the 5 fields of a Unix cron; EventBridge Scheduler takes 6, cron(minutes hours day-of-month month day-of-week year), with ? in day-of-month or day-of-week and days of week 1-7 from Sunday (or SUN-SAT), e.g. cron(0 10 ? * MON *)'],
    ['cron(0 10 ? * MON * *)', 'has 7 fields; EventBridge Scheduler takes 6'],
    ['cron(0 10 ? * ? *)', 'only one of them may be ?, e.g. cron(0 10 * * ? *)'],
    ['cron(60 10 * * ? *)', 'minutes "60" is not *, values 0-59'],
    ['cron(0 24 * * ? *)', 'hours "24" is not'],
    ['cron(0 10 0 * ? *)', 'day-of-month "0" is not'],
    ['cron(0 10 * 13 ? *)', 'month "13" is not'],
    ['cron(0 10 ? * 0 *)', 'day-of-week "0" is not *, values 1-7 or SUN-SAT'],
    ['cron(0 10 ? * MON 1969)', 'year "1969" is not'],
    ['cron(0 10-5 * * ? *)', 'hours "10-5" is not'],
    ['cron(0/0 10 * * ? *)', 'minutes "0/0" is not'],
    ['rate(1 days)', 'write rate(1 day), the unit singular for 1'],
    ['rate(5 minute)', 'write rate(5 minutes), the unit plural above 1'],
    ['rate(0 days)', 'the value must be a positive whole number'],
    ['rate(30 seconds)', 'unit "seconds" is not minute(s), hour(s) or day(s)'],
    ['rate(7days)', 'is not rate(value unit)'],
    ['at(2026-03-02T10:00:00)', 'must be an EventBridge Scheduler cron(minutes hours day-of-month month day-of-week year) or rate(value unit) expression'],
  ])('refuses %s: %s', (expression, problem) => {
    expect(scheduleExpressionProblem(expression)).toContain(problem);
  });

  it('takes only crons where rates are not asked for', () => {
    expect(scheduleExpressionProblem('rate(1 day)', ['cron'])).toBe('must be an EventBridge Scheduler cron(minutes hours day-of-month month day-of-week year) expression');
  });
});

describe('the inactivity scan schedule of the configuration', () => {
  it('fails synth on a cron Scheduler refuses, naming the context key and the form it takes', () => {
    // Prepare
    const context: Record<string, unknown> = { [CONTEXT_KEYS.senderPostalAddress]: TEST_SENDER_POSTAL_ADDRESS, [CONTEXT_KEYS.inactivityScanSchedule]: 'cron(0 3 * * *)' };

    // Act
    const read = () => readConfig((key) => context[key]);

    // Assess
    expect(read).toThrow('context "overture:inactivityScanSchedule": cron(0 3 * * *) has the 5 fields of a Unix cron');
    expect(read).toThrow('e.g. cron(0 3 * * ? *)');
  });
});
