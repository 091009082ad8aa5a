/** Reading the link-signing key once per container (unit test of the one adapter; Secrets Manager has no emulator). */
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { buildOnce, readLinkSecret } from '../../lib/runtime/link-secret';

const secrets = mockClient(SecretsManagerClient);

beforeEach(() => {
  secrets.reset();
});

describe('readLinkSecret', () => {
  it('answers the secret string of the named secret', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand, { SecretId: 'overture/prod/link-key' }).resolves({ SecretString: 'k'.repeat(64) });

    // Act
    const key = await readLinkSecret('overture/prod/link-key', new SecretsManagerClient({ region: 'us-east-1' }));

    // Assess
    expect(key).toBe('k'.repeat(64));
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
  });

  it.each([
    ['an empty string', { SecretString: '' }],
    ['a binary secret only', { SecretBinary: new Uint8Array([1, 2, 3]) }],
  ])('refuses a secret holding %s, naming the secret', async (_case, answer) => {
    // Prepare
    secrets.on(GetSecretValueCommand).resolves(answer);

    // Act
    const reading = readLinkSecret('overture/prod/link-key', new SecretsManagerClient({ region: 'us-east-1' }));

    // Assess
    await expect(reading).rejects.toThrow('secret overture/prod/link-key holds no link-signing key');
  });
});

describe('buildOnce', () => {
  it('builds once for every later call', async () => {
    // Prepare
    let builds = 0;
    const get = buildOnce(async () => {
      builds += 1;
      return { built: builds };
    });

    // Act
    const answers = await Promise.all([get(), get(), get()]);

    // Assess
    expect(answers).toEqual([{ built: 1 }, { built: 1 }, { built: 1 }]);
    expect(builds).toBe(1);
  });

  it('builds again after a failure instead of failing every later call', async () => {
    // Prepare
    secrets
      .on(GetSecretValueCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: 'not yet', $metadata: {} }))
      .resolves({ SecretString: 'second-try-key' });
    const get = buildOnce(() => readLinkSecret('overture/prod/link-key', new SecretsManagerClient({ region: 'us-east-1' })));

    // Act
    const first = get();
    await expect(first).rejects.toThrow('not yet');
    const second = await get();
    const third = await get();

    // Assess
    expect(second).toBe('second-try-key');
    expect(third).toBe('second-try-key');
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });
});
