/**
 * State transitions per customer — the figure Step Functions Standard bills — measured by running
 * a journey's compiled ASL along its main path in aws-local-stepfunctions, so the published
 * table cannot drift from what the compiler produces.
 */
import type { AslDefinition } from './asl';
import { STATE_SUFFIXES, journeyTaskKind } from './compile';
import type { JourneyEffectsOutput } from './effects-contract';
import { pauseOverrides, runJourneyLocally, WaitForEventTimeoutError, type JourneyTaskHandlers } from './local-bindings';

/** Step Functions Standard: $0.025 per 1,000 state transitions. */
export const USD_PER_TRANSITION = 0.025 / 1000;

/** Which way a customer on a journey's main path goes at each fork. */
export interface MainPath {
  /** One line for the docs: what happens on this path. */
  readonly description: string;
  /** The bucket (0–99) the customer falls in at every split and holdout. @default 50 */
  readonly bucket?: number;
  /** The rule index taken at each branch, by node id; -1 or absent is `otherwise`. */
  readonly branches?: Readonly<Record<string, number>>;
  /** What happens at each waitForEvent, by node id. @default 'times out' */
  readonly events?: Readonly<Record<string, 'arrives' | 'times out'>>;
}

/** What one customer costs on a path. */
export interface PathCount {
  readonly transitions: number;
  /** Transitions spent in send steps (the send Task, its route and any defer loop). */
  readonly sendTransitions: number;
  readonly messages: number;
  /** The states entered, in order. */
  readonly states: readonly string[];
}

/** Raised when a main path never ends (a loop it keeps taking). */
export class EndlessPathError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EndlessPathError';
  }
}

/** More sends than any sane journey has; a main path that gets here is looping. */
const MAX_SENDS = 100;

/** Handlers that steer an execution along `path`: every send is sent at once, waits pass at once. */
export function mainPathHandlers(path: MainPath, startTime: string, onSent: (step: string) => void): JourneyTaskHandlers {
  let sends = 0;
  return {
    send: async (payload) => {
      sends += 1;
      if (sends > MAX_SENDS) throw new EndlessPathError(`main path of "${payload.journey}" sent more than ${MAX_SENDS} messages; it loops`);
      onSent(payload.step);
      return { outcome: 'sent', channel: payload.channels[0] };
    },
    waitForEvent: async (payload) => {
      if ((path.events?.[payload.step] ?? 'times out') === 'arrives') return {};
      throw new WaitForEventTimeoutError();
    },
    journeyEffects: async (payload): Promise<JourneyEffectsOutput> => {
      switch (payload.action) {
        case 'bucket':
          return { bucket: path.bucket ?? 50 };
        case 'branch':
          return { match: path.branches?.[payload.step] ?? -1, goalReached: false };
        case 'waitUntil':
          return { until: startTime };
        default:
          return {};
      }
    },
  };
}

/** Runs the journey once along `path` and counts its transitions and messages. */
export async function countMainPath(definition: AslDefinition, journeyId: string, path: MainPath): Promise<PathCount> {
  const startTime = '2026-01-05T09:00:00Z';
  let messages = 0;
  const handlers = mainPathHandlers(path, startTime, () => {
    messages += 1;
  });
  const { transitions } = await runJourneyLocally(
    definition,
    { customerId: 'main-path', journey: journeyId, entryKey: 'main-path' },
    handlers,
    { name: `${journeyId}-main-path`, startTime },
    pauseOverrides(definition),
  );
  const sendStates = new Set(
    Object.entries(definition.States).flatMap(([name, state]) =>
      state.Type === 'Task' && journeyTaskKind(state) === 'send'
        ? [name, name + STATE_SUFFIXES.route, name + STATE_SUFFIXES.defer, name + STATE_SUFFIXES.resend]
        : [],
    ),
  );
  return {
    transitions: transitions.length,
    sendTransitions: transitions.filter((name) => sendStates.has(name)).length,
    messages,
    states: transitions,
  };
}

/** Step Functions cost, in USD, of `transitions` per customer for a million customers. */
export function costPerMillionCustomers(transitions: number): number {
  return transitions * USD_PER_TRANSITION * 1_000_000;
}

/** One row of the transitions table. */
export interface TransitionsRow {
  readonly journey: string;
  readonly path: string;
  readonly transitions: number;
  readonly sendTransitions: number;
  readonly messages: number;
}

/** The markdown table docs/journeys.md publishes. */
export function renderTransitionsTable(rows: readonly TransitionsRow[]): string {
  const perMessage = (count: number, messages: number): string => (messages === 0 ? '–' : (count / messages).toFixed(2));
  const lines = [
    '| Journey | Main path | Messages | Transitions per customer | per message, all | per message, send steps | Cost per million customers |',
    '|---|---|---:|---:|---:|---:|---:|',
    ...rows.map((row) =>
      [
        '',
        ` \`${row.journey}\` `,
        ` ${row.path} `,
        ` ${row.messages} `,
        ` ${row.transitions} `,
        ` ${perMessage(row.transitions, row.messages)} `,
        ` ${perMessage(row.sendTransitions, row.messages)} `,
        ` $${costPerMillionCustomers(row.transitions).toLocaleString('en-US', { maximumFractionDigits: 2 })} `,
        '',
      ].join('|'),
    ),
  ];
  return lines.join('\n');
}
