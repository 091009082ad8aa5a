/**
 * The double opt-in link and the button on the page it opens: following the link writes nothing
 * (mail scanners follow links too), pressing the button grants; and the button against consent
 * changes that land while it is being pressed: between the read of the customer's consent and the
 * grant. Other writers' changes are recorded from inside the store's snapshot read, just before or
 * just after it, so each interleaving is exact, not timed.
 */
import fc from 'fast-check';
import { confirmConsent, DOUBLE_OPT_IN_SOURCE, ONE_CLICK_SOURCE, type ConfirmOutcome } from '../../lib/consent-api';
import type { ConsentStatus, CustomerSnapshot } from '../../lib/customer/model';
import { aProfile, newCustomerId } from '../store/fixtures';
import { pressConfirmButton, startConsentApiHarness, type ConsentApiHarness } from './harness';

let api: ConsentApiHarness;

beforeAll(async () => {
  api = await startConsentApiHarness();
});

afterAll(() => api.stop());

beforeEach(() => {
  api.clock.set('2026-03-02T09:00:00Z');
});

afterEach(() => {
  jest.restoreAllMocks();
});

/** The proof source each change by another writer is recorded with. */
const SOURCE_OF: Readonly<Record<ConsentStatus, string>> = {
  revoked: ONE_CLICK_SOURCE,
  pending: 'web-form',
  granted: 'preference-centre',
};

/** A customer whose email consent to marketing awaits confirmation. */
async function pendingCustomer(): Promise<string> {
  const customerId = newCustomerId('confirm');
  await api.store.putProfile(aProfile(customerId));
  await api.store.recordConsent(customerId, {
    channel: 'email',
    topic: 'marketing',
    status: 'pending',
    at: api.clock.now().toISOString(),
    proof: { source: 'web-form' },
  });
  return customerId;
}

/** Records `status` for the customer's email marketing consent as another writer would, a second after the last change. */
async function changeBySomeoneElse(customerId: string, status: ConsentStatus): Promise<void> {
  api.clock.advance(1000);
  await api.store.recordConsent(customerId, {
    channel: 'email',
    topic: 'marketing',
    status,
    at: api.clock.now().toISOString(),
    proof: { source: SOURCE_OF[status] },
  });
}

/** What other writers do around the n-th snapshot read (from 1) of the code under test. */
interface Interleaving {
  /** Runs right before the read. */
  readonly beforeRead?: (read: number) => Promise<void>;
  /** Runs right after the read, before the reader goes on with what it read (`snapshot`). */
  readonly afterRead?: (read: number, snapshot: CustomerSnapshot | undefined) => Promise<void>;
}

/**
 * Runs the interleaving's changes around every snapshot read of the store, then moves the clock
 * on so the reader's own write is stamped later than them. Restore it before the test's own reads.
 */
function interleave({ beforeRead, afterRead }: Interleaving): void {
  const read = api.store.getSnapshot.bind(api.store);
  let reads = 0;
  jest.spyOn(api.store, 'getSnapshot').mockImplementation(async (customerId) => {
    reads += 1;
    await beforeRead?.(reads);
    const snapshot = await read(customerId);
    await afterRead?.(reads, snapshot);
    api.clock.advance(1000);
    return snapshot;
  });
}

async function emailMarketing(customerId: string) {
  const snapshot = await api.store.requireSnapshot(customerId);
  return snapshot.consents.find((consent) => consent.channel === 'email' && consent.topic === 'marketing');
}

async function doubleOptInGrants(customerId: string): Promise<number> {
  const ledger = await api.store.consentLedger(customerId);
  return ledger.filter((entry) => entry.proof.source === DOUBLE_OPT_IN_SOURCE).length;
}

function confirmLink(customerId: string): string {
  return `${api.url}/confirm?token=${api.token(customerId, 'confirm')}`;
}

/** The token with its last character changed, so its signature no longer matches. */
function tamper(token: string): string {
  const last = token.slice(-1);
  return `${token.slice(0, -1)}${last === 'A' ? 'B' : 'A'}`;
}

describe('GET /confirm: the link opens a page and writes nothing', () => {
  it('shows what will be confirmed, with a button that posts to the same URL, and writes nothing', async () => {
    // Prepare
    const customerId = await pendingCustomer();
    const link = confirmLink(customerId);
    api.clock.advance(60_000);
    const before = await api.partition(customerId);
    // Act
    const response = await fetch(link, { headers: { 'user-agent': 'Mail security scanner' } });
    // Assess
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain('<h1>Confirm your subscription</h1>');
    expect(page).toContain('<strong>Offers and news</strong> by <strong>email</strong>');
    expect(page).toContain(`<form method="post" action="${link}">`);
    expect(await api.partition(customerId)).toEqual(before);
    expect(await emailMarketing(customerId)).toMatchObject({ status: 'pending', source: 'web-form' });
  });

  it('offers the button again once confirmed, so the page never tells whether someone confirmed before', async () => {
    // Prepare
    const customerId = await pendingCustomer();
    const link = confirmLink(customerId);
    api.clock.advance(60_000);
    const firstPage = await (await fetch(link)).text();
    await pressConfirmButton(link);
    const before = await api.partition(customerId);
    // Act
    api.clock.advance(60_000);
    const response = await fetch(link);
    // Assess
    expect(response.status).toBe(200);
    expect(firstPage).toContain(`<form method="post" action="${link}">`);
    expect(await response.text()).toBe(firstPage);
    expect(await api.partition(customerId)).toEqual(before);
  });

  it.each([
    ['no token', 400, 'Link not valid', () => ''],
    ['a tampered token', 400, 'Link not valid', (customerId: string) => tamper(api.token(customerId, 'confirm'))],
    ['an unsubscribe token', 400, 'Link not valid', (customerId: string) => api.token(customerId, 'unsubscribe')],
    ['an expired token', 410, 'Link expired', (customerId: string) => api.token(customerId, 'confirm', { ttlSeconds: 1 })],
  ])('refuses %s with %d, on the link and on the button alike, and writes nothing', async (_case, status, title, tokenFor) => {
    // Prepare
    const customerId = await pendingCustomer();
    const link = `${api.url}/confirm?token=${tokenFor(customerId)}`;
    api.clock.advance(5_000);
    const before = await api.partition(customerId);
    // Act
    const opened = await fetch(link);
    const pressed = await pressConfirmButton(link);
    // Assess
    expect([opened.status, pressed.status]).toEqual([status, status]);
    expect(await opened.text()).toContain(`<h1>${title}</h1>`);
    expect(await pressed.text()).toContain(`<h1>${title}</h1>`);
    expect(await api.partition(customerId)).toEqual(before);
  });
});

describe('POST /confirm: the button grants', () => {
  // The request is recorded at 09:00:00.300, mid-second, as a real clock would state it.
  it.each([
    ['at the very instant the request was recorded', '2026-03-02T09:00:00.300Z'],
    ['later within the same second', '2026-03-02T09:00:00.900Z'],
    ['on a clock a little behind the one that recorded the request', '2026-03-02T09:00:00.100Z'],
  ])('grants a confirmation pressed %s, and a second press writes nothing more', async (_case, pressedAt) => {
    // Prepare
    api.clock.set('2026-03-02T09:00:00.300Z');
    const customerId = await pendingCustomer();
    const link = confirmLink(customerId);
    api.clock.set(pressedAt);
    // Act
    const response = await pressConfirmButton(link);
    const afterFirst = await api.partition(customerId);
    const again = await pressConfirmButton(link);
    // Assess
    expect(await response.text()).toContain('Subscription confirmed');
    expect(await emailMarketing(customerId)).toMatchObject({ status: 'granted', source: DOUBLE_OPT_IN_SOURCE });
    expect(again.status).toBe(200);
    expect(await api.partition(customerId)).toEqual(afterFirst);
    expect(await doubleOptInGrants(customerId)).toBe(1);
  });

  it.each([
    ['at the same instant', 0],
    ['a second later', 1000],
  ])('grants once when two presses both read the consent pending and the first to read grants %s', async (_case, later) => {
    // Prepare
    const customerId = await pendingCustomer();
    const token = api.token(customerId, 'confirm');
    api.clock.advance(60_000);
    const read = api.store.getSnapshot.bind(api.store);
    let otherPress: ConfirmOutcome | undefined;
    jest.spyOn(api.store, 'getSnapshot').mockImplementationOnce(async (id) => {
      const snapshot = await read(id);
      otherPress = await confirmConsent(api.deps, token, { ip: '198.51.100.7' });
      api.clock.advance(later);
      return snapshot;
    });

    // Act
    const outcome = await confirmConsent(api.deps, token, { ip: '198.51.100.4' });
    jest.restoreAllMocks();

    // Assess
    expect([outcome.kind, otherPress?.kind]).toEqual(['confirmed', 'confirmed']);
    expect(await emailMarketing(customerId)).toMatchObject({ status: 'granted', source: DOUBLE_OPT_IN_SOURCE });
    const grants = (await api.store.consentLedger(customerId)).filter((entry) => entry.proof.source === DOUBLE_OPT_IN_SOURCE);
    expect(grants.map((entry) => entry.proof.ip)).toEqual(['198.51.100.7']);
  });
});

describe('POST /confirm while the consent changes', () => {
  it('answers withdrawn and leaves the consent revoked when the withdrawal lands between the read and the grant', async () => {
    // Prepare
    const customerId = await pendingCustomer();
    const link = confirmLink(customerId);
    interleave({ afterRead: (read) => (read === 1 ? changeBySomeoneElse(customerId, 'revoked') : Promise.resolve()) });

    // Act
    const response = await pressConfirmButton(link);
    jest.restoreAllMocks();

    // Assess
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Nothing to confirm');
    expect(await emailMarketing(customerId)).toMatchObject({ status: 'revoked', source: ONE_CLICK_SOURCE });
    expect(await doubleOptInGrants(customerId)).toBe(0);
  });

  it('grants the consent asked for again when it was withdrawn and requested anew between the read and the grant', async () => {
    // Prepare
    const customerId = await pendingCustomer();
    const link = confirmLink(customerId);
    interleave({
      afterRead: async (read) => {
        if (read !== 1) return;
        await changeBySomeoneElse(customerId, 'revoked');
        await changeBySomeoneElse(customerId, 'pending');
      },
    });

    // Act
    const response = await pressConfirmButton(link);
    jest.restoreAllMocks();

    // Assess
    expect(await response.text()).toContain('Subscription confirmed');
    expect(await emailMarketing(customerId)).toMatchObject({ status: 'granted', source: DOUBLE_OPT_IN_SOURCE });
  });

  it('grants the new request when one stated later than the press, on a clock ahead, lands between the read and the grant', async () => {
    // Prepare
    const customerId = await pendingCustomer();
    const link = confirmLink(customerId);
    const requestedAhead = new Date(api.clock.now().getTime() + 60_000).toISOString();
    interleave({
      afterRead: (read) =>
        read === 1
          ? api.store
              .recordConsent(customerId, { channel: 'email', topic: 'marketing', status: 'pending', at: requestedAhead, proof: { source: 'web-form-ahead' } })
              .then(() => undefined)
          : Promise.resolve(),
    });

    // Act
    const response = await pressConfirmButton(link);
    jest.restoreAllMocks();

    // Assess
    expect(await response.text()).toContain('Subscription confirmed');
    expect(await emailMarketing(customerId)).toMatchObject({ status: 'granted', source: DOUBLE_OPT_IN_SOURCE });
    expect(await doubleOptInGrants(customerId)).toBe(1);
  });

  it('grants nothing and answers an error when every read is followed by a withdrawal, however often the customer asks again', async () => {
    // Prepare
    const customerId = await pendingCustomer();
    const link = confirmLink(customerId);
    interleave({
      beforeRead: (read) => (read > 1 ? changeBySomeoneElse(customerId, 'pending') : Promise.resolve()),
      afterRead: () => changeBySomeoneElse(customerId, 'revoked'),
    });

    // Act
    const response = await pressConfirmButton(link);
    jest.restoreAllMocks();

    // Assess
    expect(response.status).toBe(500);
    expect(await emailMarketing(customerId)).toMatchObject({ status: 'revoked' });
    expect(await doubleOptInGrants(customerId)).toBe(0);
  });

  it('for any interleaving of other changes, never grants over anything but pending and never undoes a later withdrawal', async () => {
    const changes = fc.array(fc.constantFrom<ConsentStatus>('revoked', 'pending', 'granted'), { maxLength: 2 });
    await fc.assert(
      fc.asyncProperty(
        fc.record({ beforeRead: changes, betweenReadAndGrant: changes, afterAnswer: changes }),
        async ({ beforeRead, betweenReadAndGrant, afterAnswer }) => {
          // Prepare
          api.clock.set('2026-03-02T09:00:00Z');
          const customerId = await pendingCustomer();
          const token = api.token(customerId, 'confirm');
          for (const status of beforeRead) await changeBySomeoneElse(customerId, status);
          // There is a moment between the read and the grant only when the read finds the consent
          // pending; otherwise those changes come after the answer, in the same order.
          let betweenMade = false;
          interleave({
            afterRead: async (read, snapshot) => {
              if (read !== 1 || snapshot?.consents.find((consent) => consent.channel === 'email')?.status !== 'pending') return;
              for (const status of betweenReadAndGrant) await changeBySomeoneElse(customerId, status);
              betweenMade = true;
            },
          });

          // Act
          const outcome = await confirmConsent(api.deps, token, { ip: '198.51.100.4' });
          jest.restoreAllMocks();
          const answered = await emailMarketing(customerId);
          for (const status of [...(betweenMade ? [] : betweenReadAndGrant), ...afterAnswer]) await changeBySomeoneElse(customerId, status);

          // Assess: the answer tells the consent as the confirmation left it …
          expect(answered?.status).toBe(outcome.kind === 'confirmed' ? 'granted' : 'revoked');
          // … a withdrawal or grant by anyone else, whenever it came, is the last word …
          const last = [...beforeRead, ...betweenReadAndGrant, ...afterAnswer].at(-1);
          if (last === 'revoked' || last === 'granted') expect((await emailMarketing(customerId))?.status).toBe(last);
          // … and the link's grant is only ever written over a pending consent.
          const ledger = await api.store.consentLedger(customerId);
          ledger.forEach((entry, index) => {
            if (entry.proof.source === DOUBLE_OPT_IN_SOURCE) expect(ledger[index - 1]?.status).toBe('pending');
          });
        },
      ),
      { numRuns: 100 },
    );
  });
});
