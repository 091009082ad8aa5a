/**
 * An SNS message that is not JSON (an operator's test publish, say) fails the sms-inbound and
 * feedback functions with a format error naming the field; the line logging it must not quote
 * the message, which holds a phone number and what was texted: the engine's JSON parser quotes
 * its input in its own message.
 */
import type { SNSEvent } from 'aws-lambda';
import { localLambdaContext } from '../../lib/consent-api';
import { smsEventRecordsOfSns } from '../../lib/feedback/sms-events';
import { loggableError } from '../../lib/runtime/loggable-error';
import { observability, observedHandler } from '../../lib/runtime/observability';
import { processInboundSmsEvent } from '../../lib/sms-keywords';
import { outputOfFailure } from '../support/stdout';

const PHONE = '+12125550123';

function snsEvent(message: string): SNSEvent {
  return { Records: [{ Sns: { Message: message, Timestamp: '2026-03-05T14:30:00.000Z' } }] } as unknown as SNSEvent;
}

it('sms-inbound logs a message that is not JSON by the field it failed on, without the number or the text', async () => {
  // Prepare
  const handler = observedHandler(observability('sms-inbound'), (event: SNSEvent) => processInboundSmsEvent(event, {} as never));

  // Act
  const written = (await outputOfFailure(() => handler(snsEvent(`${PHONE} STOP`), localLambdaContext('sms-inbound')))).written.join('');

  // Assess
  expect(written).toContain('InboundSmsFormatError');
  expect(written).toContain('Sns.Message');
  expect(written).not.toContain(PHONE);
  expect(written).not.toContain('STOP');
});

it('feedback logs an SMS event that is not JSON by the field it failed on, without the number', async () => {
  // Prepare
  const handler = observedHandler(observability('feedback'), async (event: unknown) => smsEventRecordsOfSns(event));

  // Act
  const written = (await outputOfFailure(() => handler(snsEvent(PHONE), localLambdaContext('feedback')))).written.join('');

  // Assess
  expect(written).toContain('SmsEventFormatError');
  expect(written).not.toContain(PHONE);
});

it("logs a parser's SyntaxError by name only, wherever it is in the cause chain", () => {
  // Prepare
  const parsing = (() => {
    try {
      return JSON.parse(`${PHONE} STOP`) as unknown;
    } catch (error) {
      return error;
    }
  })();
  const wrapped = new Error('could not read the message', { cause: parsing });

  // Act
  const logged = JSON.stringify([loggableError(parsing), loggableError(wrapped)]);

  // Assess
  expect(logged).toContain('SyntaxError');
  expect(logged).toContain('could not read the message');
  expect(logged).not.toContain(PHONE);
});
