/**
 * Runs the DynamoDB requests of concurrent parties one at a time, in an order the test chooses,
 * so a property test can try many interleavings of real code against a real emulator and replay
 * any of them.
 *
 * Each party talks through its own client, whose first middleware holds every command until it
 * is the party's turn. A turn is given only when no party is between two requests — each one is
 * waiting with a request or finished — so the order depends on the choices alone, never on
 * timing. Parties must be started in the same tick and send their requests one after another.
 *
 * ```ts
 * const interleaving = new RequestInterleaving(endpoint, (waiting) => choices.shift() ?? 0);
 * const [a, b] = await Promise.all([
 *   interleaving.run('ingest', (client) => ingest(client)),
 *   interleaving.run('wait', (client) => wait(client)),
 * ]);
 * ```
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { localDynamoDBClient } from '../support/dynalite';

type PartyStatus = 'working' | 'waiting' | 'requesting' | 'done';

interface Party {
  status: PartyStatus;
  release?: () => void;
}

/** See the module comment. */
export class RequestInterleaving {
  private readonly parties = new Map<string, Party>();
  private readonly clients: DynamoDBClient[] = [];
  /** Party names in the order their requests were let through. */
  readonly order: string[] = [];

  /**
   * @param endpoint the DynamoDB endpoint every party's client talks to
   * @param choose picks the index (taken modulo the count) of the party whose request goes next
   */
  constructor(
    private readonly endpoint: string,
    private readonly choose: (waiting: readonly string[]) => number,
  ) {}

  /** Runs `work` as party `name` with a client whose requests wait for the party's turn. */
  async run<T>(name: string, work: (client: DynamoDBClient) => Promise<T>): Promise<T> {
    if (this.parties.has(name)) throw new Error(`party ${name} runs already`);
    const party: Party = { status: 'working' };
    this.parties.set(name, party);
    const client = localDynamoDBClient(this.endpoint);
    this.clients.push(client);
    client.middlewareStack.add(
      (next) => async (args) => {
        if (party.status !== 'working') throw new Error(`party ${name} sent two requests at once`);
        await new Promise<void>((resolve) => {
          party.status = 'waiting';
          party.release = resolve;
          this.dispatch();
        });
        try {
          return await next(args);
        } finally {
          party.status = 'working';
          // The party goes on with its answer; the next turn waits until it asks again or ends.
          this.dispatch();
        }
      },
      { step: 'initialize', name: 'requestInterleaving' },
    );
    try {
      return await work(client);
    } finally {
      party.status = 'done';
      this.dispatch();
    }
  }

  /** Destroys the parties' clients. */
  destroy(): void {
    for (const client of this.clients) client.destroy();
  }

  private dispatch(): void {
    const parties = [...this.parties.entries()];
    if (parties.some(([, party]) => party.status === 'working' || party.status === 'requesting')) return;
    const waiting = parties.filter(([, party]) => party.status === 'waiting');
    if (waiting.length === 0) return;
    const index = Math.abs(this.choose(waiting.map(([name]) => name))) % waiting.length;
    const chosen = waiting[index];
    if (chosen === undefined) return;
    const [name, party] = chosen;
    this.order.push(name);
    party.status = 'requesting';
    party.release?.();
  }
}
