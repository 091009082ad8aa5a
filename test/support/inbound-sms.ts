/** The SNS event End User Messaging two-way SMS produces for one inbound text, as the tests send it. */
import type { SNSEvent } from 'aws-lambda';

/** One inbound text from `from` saying `body`; `id` and `at` default to a fresh id and a fixed instant. */
export function inboundSmsEvent(from: string, body: string, options: { id?: string; at?: string } = {}): SNSEvent {
  const message = {
    originationNumber: from,
    destinationNumber: '+12125550000',
    messageKeyword: 'KEYWORD_123456789012',
    messageBody: body,
    inboundMessageId: options.id ?? `inbound-${Math.random().toString(36).slice(2)}`,
    previousPublishedMessageId: 'wJ0CuYbW7T3sFC8dCuo4_QNfZlk',
  };
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: 'arn:aws:sns:us-east-1:123456789012:overture-inbound-sms:1',
        Sns: {
          Type: 'Notification',
          MessageId: 'f8e3a1d2-0000-4000-8000-000000000001',
          TopicArn: 'arn:aws:sns:us-east-1:123456789012:overture-inbound-sms',
          Subject: '',
          Message: JSON.stringify(message),
          Timestamp: options.at ?? '2026-03-05T14:30:00.000Z',
          SignatureVersion: '1',
          Signature: 'EXAMPLE',
          SigningCertUrl: 'https://sns.us-east-1.amazonaws.com/cert.pem',
          UnsubscribeUrl: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe',
          MessageAttributes: {},
        },
      },
    ],
  };
}
