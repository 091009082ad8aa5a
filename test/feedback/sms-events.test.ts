import {
  SMS_FAILURE_CLASSES,
  SMS_FAILURE_EVENT_TYPES,
  SmsEventFormatError,
  smsEventRecordsOfSns,
  smsFeedbackOf,
  smsFeedbackRecords,
  type SmsFeedback,
} from '../../lib/feedback/sms-events';
import { SHARED_NUMBER_SENDER_ID, UNKNOWN_SENDER_ID } from '../../lib/sms-keywords/reply-tags';

/** A failure event as the configuration set's event destination publishes it (the documented example's fields). */
function smsEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventType: 'TEXT_INVALID',
    eventVersion: '1.0',
    eventTimestamp: 1772755204000, // 2026-03-06T00:00:04Z
    isFinal: true,
    originationPhoneNumber: '+12065550152',
    destinationPhoneNumber: '+14255550156',
    isInternationalSend: false,
    mcc: '310',
    mnc: '800',
    messageId: '862a8790-60c0-4430-9b2b-658bdexample',
    messageRequestTimestamp: 1772755203000,
    messageEncoding: 'GSM',
    messageType: 'PROMOTIONAL',
    messageStatus: 'INVALID',
    messageStatusDescription: 'Destination phone number is invalid',
    context: { customer_id: 'c-001', journey: 'welcome', step: 'welcome-sms', topic: 'marketing' },
    totalMessageParts: 1,
    totalMessagePrice: 0.00581,
    totalCarrierFee: 0.0,
    ...overrides,
  };
}

describe('smsFeedbackOf', () => {
  it('reads a permanent failure: the customer and topic from the context, the instant from the timestamp, the number it went to', () => {
    // Act
    const feedback = smsFeedbackOf(smsEvent());

    // Assess
    expect(feedback).toEqual({
      kind: 'sms_permanent',
      eventType: 'TEXT_INVALID',
      customerId: 'c-001',
      topic: 'marketing',
      at: '2026-03-06T00:00:04.000Z',
      messageId: '862a8790-60c0-4430-9b2b-658bdexample',
      destinationPhone: '+14255550156',
    });
  });

  it.each([
    ['TEXT_INVALID', 'sms_permanent'],
    ['TEXT_BLOCKED', 'sms_permanent'],
    ['TEXT_UNREACHABLE', 'sms_transient'],
    ['TEXT_CARRIER_UNREACHABLE', 'sms_transient'],
    ['TEXT_TTL_EXPIRED', 'sms_transient'],
    ['TEXT_UNKNOWN', 'sms_transient'],
    ['TEXT_CARRIER_BLOCKED', 'sms_sender'],
    ['TEXT_SPAM', 'sms_sender'],
    ['TEXT_INVALID_MESSAGE', 'sms_sender'],
    ['TEXT_PROTECT_BLOCKED', 'sms_sender'],
  ])('classifies %s as %s', (eventType, kind) => {
    // Act
    const feedback = smsFeedbackOf(smsEvent({ eventType }));

    // Assess
    expect(feedback).toMatchObject({ kind, eventType });
  });

  it('classifies every failure type the configuration set sends, and nothing else', () => {
    // Assess
    expect([...SMS_FAILURE_EVENT_TYPES].sort()).toEqual(Object.keys(SMS_FAILURE_CLASSES).sort());
    expect(SMS_FAILURE_EVENT_TYPES).toHaveLength(10);
  });

  it.each(['TEXT_DELIVERED', 'TEXT_SUCCESSFUL', 'TEXT_QUEUED', 'TEXT_PENDING', 'TEXT_SENT', 'VOICE_COMPLETED', undefined])(
    'ignores the non-failure event type %s',
    (eventType) => {
      // Act
      const feedback = smsFeedbackOf(smsEvent({ eventType }));

      // Assess
      expect(feedback).toBeUndefined();
    },
  );

  it.each([
    ['no context', { context: undefined }],
    ['a context without customer_id', { context: { topic: 'marketing' } }],
    ['a customer_id that is no Overture id', { context: { customer_id: 'ana@example.com' } }],
  ])('ignores a text with %s: it is no customer\'s', (_case, overrides) => {
    // Act
    const feedback = smsFeedbackOf(smsEvent(overrides));

    // Assess
    expect(feedback).toBeUndefined();
  });

  it.each([UNKNOWN_SENDER_ID, SHARED_NUMBER_SENDER_ID])('reads a failed answer tagged %s as about no customer, to count and nothing more', (tag) => {
    // Act
    const feedback = smsFeedbackOf(smsEvent({ context: { customer_id: tag, topic: 'transactional' } }));

    // Assess
    expect(feedback).toEqual({ kind: 'sms_answer_to_no_customer', eventType: 'TEXT_INVALID', at: '2026-03-06T00:00:04.000Z', messageId: '862a8790-60c0-4430-9b2b-658bdexample' });
  });

  it('leaves the topic out when the context carries none that is valid', () => {
    // Act
    const feedback = smsFeedbackOf(smsEvent({ context: { customer_id: 'c-001', topic: 'Not A Topic' } }));

    // Assess
    expect(feedback).not.toHaveProperty('topic');
  });

  it.each([
    ['a missing message id', { messageId: undefined }, ['messageId']],
    ['a timestamp in text', { eventTimestamp: '2026-03-06T00:00:04Z' }, ['eventTimestamp']],
    ['a negative timestamp', { eventTimestamp: -1 }, ['eventTimestamp']],
    ['a context that is not a map of strings', { context: { customer_id: 42 } }, ['context.customer_id']],
  ])('refuses a failure event with %s, naming the field and never the phone number', (_case, overrides, fields) => {
    // Act
    const read = () => smsFeedbackOf(smsEvent(overrides));

    // Assess
    expect(read).toThrow(SmsEventFormatError);
    expect(read).toThrow(expect.objectContaining({ fields }) as Error);
    expect(read).not.toThrow('+14255550156');
  });
});

describe('smsEventRecordsOfSns', () => {
  it('parses each SNS message as an event record', () => {
    // Prepare
    const event = { Records: [{ EventSource: 'aws:sns', Sns: { Message: JSON.stringify(smsEvent()), Timestamp: '2026-03-06T00:00:05.000Z' } }] };

    // Act
    const records = smsEventRecordsOfSns(event);

    // Assess
    expect(records).toEqual([smsEvent()]);
  });

  it('refuses a message that is not JSON, naming the record', () => {
    // Act
    const read = () => smsEventRecordsOfSns({ Records: [{ Sns: { Message: 'TEXT_INVALID +14255550156' } }] });

    // Assess
    expect(read).toThrow(expect.objectContaining({ name: 'SmsEventFormatError', fields: ['Records.0.Sns.Message'] }) as Error);
    expect(read).not.toThrow('+14255550156');
  });

  it('refuses an event that is not an SNS event', () => {
    // Act
    const read = () => smsEventRecordsOfSns({ Records: [] });

    // Assess
    expect(read).toThrow(SmsEventFormatError);
  });
});

describe('smsFeedbackRecords', () => {
  const feedback = (overrides: Partial<SmsFeedback> = {}): SmsFeedback => ({
    kind: 'sms_permanent',
    eventType: 'TEXT_INVALID',
    customerId: 'c-001',
    topic: 'marketing',
    at: '2026-03-06T00:00:04.000Z',
    messageId: 'sms-1',
    ...overrides,
  });

  it('suppresses SMS for an invalid number and revokes the topic with the event as proof', () => {
    // Act
    const records = smsFeedbackRecords(feedback());

    // Assess
    expect(records).toEqual({
      suppression: { channel: 'sms', reason: 'sms_invalid_number', at: '2026-03-06T00:00:04.000Z' },
      consent: {
        channel: 'sms',
        topic: 'marketing',
        status: 'revoked',
        at: '2026-03-06T00:00:04.000Z',
        proof: { source: 'sms-event:TEXT_INVALID', messageId: 'sms-1' },
      },
    });
  });

  it('suppresses SMS for a number that blocks texts', () => {
    // Act
    const records = smsFeedbackRecords(feedback({ eventType: 'TEXT_BLOCKED' }));

    // Assess
    expect(records.suppression).toEqual({ channel: 'sms', reason: 'sms_blocked', at: '2026-03-06T00:00:04.000Z' });
    expect(records.consent?.proof).toEqual({ source: 'sms-event:TEXT_BLOCKED', messageId: 'sms-1' });
  });

  it('suppresses but revokes nothing after a transactional text, which needs no consent', () => {
    // Act
    const records = smsFeedbackRecords(feedback({ topic: 'transactional' }));

    // Assess
    expect(records).toEqual({ suppression: { channel: 'sms', reason: 'sms_invalid_number', at: '2026-03-06T00:00:04.000Z' } });
  });

  it.each(['TEXT_UNREACHABLE', 'TEXT_CARRIER_UNREACHABLE', 'TEXT_TTL_EXPIRED', 'TEXT_UNKNOWN', 'TEXT_CARRIER_BLOCKED', 'TEXT_SPAM', 'TEXT_INVALID_MESSAGE', 'TEXT_PROTECT_BLOCKED'] as const)(
    'writes nothing for %s',
    (eventType) => {
      // Act
      const records = smsFeedbackRecords(feedback({ eventType, kind: SMS_FAILURE_CLASSES[eventType] === 'transient' ? 'sms_transient' : 'sms_sender' }));

      // Assess
      expect(records).toEqual({});
    },
  );
});
