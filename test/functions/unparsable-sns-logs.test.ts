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

const PHONE = '+12125550123';

/** Everything written to stdout and stderr (Powertools writes errors to stderr) while `act` runs. */
async function writtenWhile(act: () => Promise<unknown>): Promise<string> {
  const written: string[] = [];
  const record = (chunk: unknown): boolean => {
    written.push(chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : String(chunk));
    return true;
  };
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(record);
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(record);
  try {
    await act().catch(() => undefined);
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
  return written.join('');
}

function snsEvent(message: string): SNSEvent {
  return { Records: [{ Sns: { Message: message, Timestamp: '2026-03-05T14:30:00.000Z' } }] } as unknown as SNSEvent;
}

it('sms-inbound logs a message that is not JSON by the field it failed on, without the number or the text', async () => {
  // Prepare
  const handler = observedHandler(observability('sms-inbound'), (event: SNSEvent) => processInboundSmsEvent(event, {} as never));

  // Act
  const written = await writtenWhile(() => handler(snsEvent(`${PHONE} STOP`), localLambdaContext('sms-inbound')));

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
  const written = await writtenWhile(() => handler(snsEvent(PHONE), localLambdaContext('feedback')));

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
