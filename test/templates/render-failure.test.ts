/**
 * A render that fails says so in the template's own words: its error travels into the send
 * function's log and, as the failed Task's Cause, into the execution history, so it must never
 * carry a value of the customer's, though liquidjs's own message does.
 */
import { localLambdaContext } from '../../lib/consent-api';
import { observability, observedHandler } from '../../lib/runtime/observability';
import { compileTemplate, renderSms } from '../../lib/templates';
import { templateVariableProblems } from '../../lib/templates/variables';
import { TEST_SENDER_POSTAL_ADDRESS } from '../support/sender-address';

const ADDRESS = 'carol@example.net';

/** Customer data whose attributes hold an address, as a referral programme's might. */
const data = {
  customer: { id: 'c-1', stage: 'active', timezone: 'UTC', attributes: { friends: ['bob@example.com'], referrer: ADDRESS } },
  unsubscribeUrl: 'https://example.com/u',
  preferencesUrl: 'https://example.com/p',
  senderPostalAddress: TEST_SENDER_POSTAL_ADDRESS,
} as const;

it('fails a lookup keyed by a customer value naming the template source, and no value escapes the function', async () => {
  // Prepare: a lookup through a local assigned through a filter, whose value the variable check cannot tell.
  const template = compileTemplate('referral', { sms: '{% assign friends = customer.attributes.friends | uniq %}Hi {{ friends[customer.attributes.referrer] }}' });
  expect(templateVariableProblems(template)).toEqual([]);
  const handler = observedHandler(observability('send'), async () => renderSms(template, data as never));

  // Act
  const escaped = await handler({}, localLambdaContext('send')).then(
    () => undefined,
    (error: unknown) => error as Error,
  );

  // Assess: what Lambda reports, and Step Functions records as the Task's Cause.
  expect(escaped?.name).toBe('TemplateRenderError');
  expect(escaped?.message).toBe('template "referral" sms cannot be rendered: undefined variable in friends[customer.attributes.referrer], line 1, col 64');
  expect(JSON.stringify({ errorType: escaped?.name, errorMessage: escaped?.message, trace: escaped?.stack })).not.toContain(ADDRESS);
});

it('names a missing variable the template spells out, with where it is', () => {
  // Prepare
  const template = compileTemplate('tiered', { sms: 'Hi, your tier: {{ customer.attributes.tier }}' });

  // Act
  const render = () => renderSms(template, data as never);

  // Assess
  expect(render).toThrow('template "tiered" sms cannot be rendered: undefined variable: customer.attributes.tier, line 1, col 19');
});
