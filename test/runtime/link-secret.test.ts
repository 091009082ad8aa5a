/** Reading the link-signing key (unit test of the one adapter; Secrets Manager has no emulator). */
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { buildOnce, builtFromLinkKeys, LINK_KEYS_MAX_AGE_MS, readLinkSecret } from '../../lib/runtime/link-secret';

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

describe('builtFromLinkKeys', () => {
  const SECRET = 'overture/prod/link-key';
  const OLD = 'o'.repeat(40);
  const NEW = 'n'.repeat(40);

  /** A build over a controllable clock that records what each build verified with. */
  function reader(options: { refreshFailed?: (error: unknown) => void } = {}) {
    let clock = 0;
    const builds: string[][] = [];
    const get = builtFromLinkKeys(
      SECRET,
      (keys) => {
        builds.push([keys.current, ...keys.previous]);
        return { verifies: [keys.current, ...keys.previous] };
      },
      { client: new SecretsManagerClient({ region: 'us-east-1' }), now: () => clock, ...options },
    );
    return { get, builds, advance: (ms: number) => void (clock += ms) };
  }

  it('reads the secret again once the keys are LINK_KEYS_MAX_AGE_MS old, and builds again only when they changed', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand, { SecretId: SECRET }).resolves({ SecretString: OLD });
    const { get, builds, advance } = reader();
    const first = await get();
    // The first write of a rotation: the new key verifies, the old one still signs.
    secrets.on(GetSecretValueCommand, { SecretId: SECRET }).resolves({ SecretString: JSON.stringify({ current: OLD, previous: [NEW] }) });

    // Act
    advance(LINK_KEYS_MAX_AGE_MS - 1);
    const beforeMaxAge = await get();
    advance(1);
    const atMaxAge = await get();
    advance(1);
    const unchanged = await get();
    advance(LINK_KEYS_MAX_AGE_MS);
    const readAgainUnchanged = await get();

    // Assess
    expect(beforeMaxAge).toBe(first);
    expect(atMaxAge.verifies).toEqual([OLD, NEW]);
    expect(unchanged).toBe(atMaxAge);
    expect(readAgainUnchanged).toBe(atMaxAge);
    expect(builds).toEqual([[OLD], [OLD, NEW]]);
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 3);
  });

  it('keeps the keys it has when a later read fails or finds a mistyped document, and says so', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand, { SecretId: SECRET }).resolves({ SecretString: OLD });
    const failures: unknown[] = [];
    const { get, advance } = reader({ refreshFailed: (error) => failures.push(error) });
    const first = await get();

    // Act
    secrets.on(GetSecretValueCommand, { SecretId: SECRET }).rejects(new ResourceNotFoundException({ message: 'gone', $metadata: {} }));
    advance(LINK_KEYS_MAX_AGE_MS);
    const afterFailedRead = await get();
    secrets.on(GetSecretValueCommand, { SecretId: SECRET }).resolves({ SecretString: '{"current": ' });
    advance(LINK_KEYS_MAX_AGE_MS);
    const afterMistypedDocument = await get();

    // Assess
    expect([afterFailedRead, afterMistypedDocument]).toEqual([first, first]);
    expect(failures).toHaveLength(2);
  });

  it('fails a first read that fails, and reads again at the next call', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand, { SecretId: SECRET }).rejectsOnce(new ResourceNotFoundException({ message: 'not yet', $metadata: {} })).resolves({ SecretString: OLD });
    const { get } = reader();

    // Act
    const failed = get();
    await expect(failed).rejects.toThrow('not yet');
    const built = await get();

    // Assess
    expect(built.verifies).toEqual([OLD]);
  });
});
