import {
  classifyProviderError,
  ProviderQuotaExhaustedError,
  ProviderRejectedError,
  ProviderThrottledError,
  ProviderUnavailableError,
  ProviderUnknownOutcomeError,
  RecipientOptedOutError,
  RETRYABLE_PROVIDER_ERRORS,
  type Provider,
} from '../../lib/channels';

function awsError(name: string, httpStatusCode: number | undefined, fault: 'client' | 'server', extra: object = {}): Error {
  return Object.assign(new Error(name), {
    name,
    $fault: fault,
    $metadata: httpStatusCode === undefined ? {} : { httpStatusCode },
    ...extra,
  });
}

function networkError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:443`), { code, $metadata: {} });
}

describe('classifyProviderError', () => {
  it.each<[string, Provider, Error]>([
    ['SES TooManyRequestsException', 'ses', awsError('TooManyRequestsException', 429, 'client')],
    ['SES ThrottlingException', 'ses', awsError('ThrottlingException', 400, 'client')],
    ['SMS ThrottlingException', 'sms', awsError('ThrottlingException', 429, 'client')],
    ['SQS RequestThrottled', 'sqs', awsError('RequestThrottled', 403, 'client')],
    ['any 429', 'sqs', awsError('SomethingNew', 429, 'client')],
    ['an error the SDK marks as throttling', 'ses', awsError('Odd', 400, 'client', { $retryable: { throttling: true } })],
  ])('classifies %s as throttled', (_case, provider, error) => {
    // Act
    const classified = classifyProviderError(error, provider);
    // Assess
    expect(classified).toBeInstanceOf(ProviderThrottledError);
    expect(classified.cause).toBe(error);
    expect(classified.retryable).toBe(true);
  });

  it('tells SES\'s used-up daily quota from its sending rate: a throttle the send path waits out instead of retrying', () => {
    // Act
    const quota = classifyProviderError(Object.assign(awsError('ThrottlingException', 400, 'client'), { message: 'Daily message quota exceeded.' }), 'ses');
    const rate = classifyProviderError(Object.assign(awsError('ThrottlingException', 400, 'client'), { message: 'Maximum sending rate exceeded.' }), 'ses');
    // Assess
    expect(quota).toBeInstanceOf(ProviderQuotaExhaustedError);
    expect(quota).toMatchObject({ name: 'ProviderQuotaExhaustedError', mayHaveBeenSent: false, code: 'ThrottlingException' });
    expect(rate).not.toBeInstanceOf(ProviderQuotaExhaustedError);
    expect(rate.name).toBe('ProviderThrottledError');
  });

  it.each(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN'])('classifies %s, raised before the request left, as unavailable', (code) => {
    // Act
    const classified = classifyProviderError(networkError(code), 'ses');
    // Assess
    expect(classified).toBeInstanceOf(ProviderUnavailableError);
    expect(classified).toMatchObject({ code, retryable: true, mayHaveBeenSent: false });
  });

  it.each<[string, Provider, Error]>([
    ['SES MessageRejected', 'ses', awsError('MessageRejected', 400, 'client')],
    ['SES LimitExceededException (too many resources, not a rate)', 'ses', awsError('LimitExceededException', 400, 'client')],
    ['SES SendingPausedException', 'ses', awsError('SendingPausedException', 400, 'client')],
    ['SMS ValidationException', 'sms', awsError('ValidationException', 400, 'client')],
    ['SMS ConflictException without a reason', 'sms', awsError('ConflictException', 409, 'client')],
    [
      'SMS ConflictException for an unverified destination',
      'sms',
      awsError('ConflictException', 409, 'client', { Reason: 'DESTINATION_PHONE_NUMBER_NOT_VERIFIED' }),
    ],
    ['SMS ServiceQuotaExceededException (spend limit)', 'sms', awsError('ServiceQuotaExceededException', 402, 'client')],
    ['SMS AccessDeniedException', 'sms', awsError('AccessDeniedException', 403, 'client')],
    ['SQS QueueDoesNotExist', 'sqs', awsError('QueueDoesNotExist', 400, 'client')],
    ['any other 4xx', 'sqs', awsError('InvalidAddress', 404, 'client')],
  ])('classifies %s as rejected', (_case, provider, error) => {
    // Act
    const classified = classifyProviderError(error, provider);
    // Assess
    expect(classified).toBeInstanceOf(ProviderRejectedError);
    expect(classified).not.toBeInstanceOf(RecipientOptedOutError);
    expect(classified.retryable).toBe(false);
  });

  it('classifies the SMS refusal of an opted-out destination as RecipientOptedOutError, a rejection that sent nothing', () => {
    // Prepare
    const error = awsError('ConflictException', 400, 'client', { Reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT' });
    // Act
    const classified = classifyProviderError(error, 'sms');
    // Assess
    expect(classified).toBeInstanceOf(RecipientOptedOutError);
    expect(classified).toBeInstanceOf(ProviderRejectedError);
    expect(classified).toMatchObject({
      name: 'RecipientOptedOutError',
      provider: 'sms',
      code: 'ConflictException',
      retryable: false,
      mayHaveBeenSent: false,
    });
    expect(classified.cause).toBe(error);
    expect(RETRYABLE_PROVIDER_ERRORS).not.toContain(classified.name);
  });

  it('keeps the opted-out mapping to End User Messaging SMS: the same answer from another provider is a plain rejection', () => {
    // Prepare
    const error = awsError('ConflictException', 400, 'client', { Reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT' });
    // Act
    const classified = classifyProviderError(error, 'ses');
    // Assess
    expect(classified).toBeInstanceOf(ProviderRejectedError);
    expect(classified).not.toBeInstanceOf(RecipientOptedOutError);
  });

  it.each<[string, unknown]>([
    ['a 500', awsError('InternalFailure', 500, 'server')],
    ['a 503', awsError('ServiceUnavailable', 503, 'server')],
    ['SMS InternalServerException', awsError('InternalServerException', 500, 'server')],
    ['an SDK timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
    ['an aborted request', Object.assign(new Error('aborted'), { name: 'AbortError' })],
    ['a connection reset mid-request', networkError('ECONNRESET')],
    ['a broken pipe', networkError('EPIPE')],
    ['a thrown string', 'boom'],
    ['undefined', undefined],
  ])('classifies %s as an unknown outcome', (_case, error) => {
    // Act
    const classified = classifyProviderError(error, 'sms');
    // Assess
    expect(classified).toBeInstanceOf(ProviderUnknownOutcomeError);
    expect(classified.mayHaveBeenSent).toBe(true);
  });

  it('keeps an error that is already classified', () => {
    // Prepare
    const throttled = new ProviderThrottledError({ provider: 'ses', code: 'TooManyRequestsException' });
    // Act
    const classified = classifyProviderError(throttled, 'ses');
    // Assess
    expect(classified).toBe(throttled);
  });

  it('names the errors a Step Functions Retry must match exactly as the classes name themselves', () => {
    // Prepare
    const details = { provider: 'ses' as const, code: 'X' };
    // Act
    const names = [new ProviderThrottledError(details).name, new ProviderUnavailableError(details).name];
    // Assess
    expect(names).toEqual([...RETRYABLE_PROVIDER_ERRORS]);
  });
});
