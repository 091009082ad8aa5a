/**
 * A scripted customer for control-flow tests: Task handlers whose answers the test decides,
 * recording every call. The real send, waitForEvent and journeyEffects functions are bound the
 * same way by the local runtime.
 */
import type { AslDefinition } from '../../lib/journeys/asl';
import { CustomerNotFoundError } from '../../lib/journeys/effects';
import type { JourneyEffectsInput, JourneyEffectsOutput } from '../../lib/journeys/effects-contract';
import type { JourneyExecutionInput } from '../../lib/journeys/execution-input';
import { LocalJourneyRunner, pauseOverrides, WaitForEventTimeoutError, type JourneyTaskHandlers } from '../../lib/journeys/local-bindings';
import type { SendStepPayload, SendStepResult } from '../../lib/journeys/send-contract';
import type { WaitForEventPayload } from '../../lib/journeys/wait-for-event-contract';

/** How the scripted customer answers. Everything defaults to the plain path. */
export interface Script {
  /** The send function's answer to the `attempt`-th call (1-based) of a step; default: sent by the first channel. */
  readonly send?: (payload: SendStepPayload, attempt: number) => SendStepResult;
  /** Whether each waited-for event arrives, by step; default: times out. */
  readonly events?: Readonly<Record<string, 'arrives' | 'times out'>>;
  /** The bucket of every split and holdout; default 50. */
  readonly bucket?: number;
  /** The branch answers, by step, in order (the last one repeats); default: otherwise. */
  readonly branches?: Readonly<Record<string, readonly number[]>>;
  /** Whether branches report the goal reached; default false. */
  readonly goalReachedAtBranches?: boolean;
  /**
   * The step at which the customer is found gone (erased): the journeyEffects function fails it
   * with CustomerNotFoundError when the step reads or changes the customer's records, as
   * performJourneyEffect does. Default: never.
   */
  readonly goneAt?: string;
  /** The error the waitForEvent function throws on its first call of a step (its table failed, say), by step; default: none. */
  readonly waitFailsOnce?: Readonly<Record<string, () => Error>>;
}

/** Whether a journeyEffects action reads or changes the customer's records (fails when they are gone). */
function readsCustomer(payload: JourneyEffectsInput): boolean {
  return payload.action === 'branch' || payload.action === 'waitUntil' || payload.action === 'setStage' || (payload.action === 'goal' && payload.stage !== undefined);
}

/** What the scripted customer saw. */
export interface Calls {
  readonly sends: SendStepPayload[];
  readonly waits: WaitForEventPayload[];
  readonly effects: JourneyEffectsInput[];
}

export const START_TIME = '2026-03-02T10:00:00Z';
/** The entry's own instant in the execution input: its producer's clock ran a little ahead. */
export const ENTRY_TIME = '2026-03-02T10:02:00.000Z';
/** What the scripted execution's clock reads whenever asked (it dates the start of each wait). */
export const CLOCK_TIME = '2026-03-05T08:30:00.000Z';

/** Handlers that follow `script`, recording into `calls`. */
export function scriptedHandlers(script: Script, calls: Calls): JourneyTaskHandlers {
  const attempts = new Map<string, number>();
  const branchCalls = new Map<string, number>();
  return {
    send: async (payload) => {
      calls.sends.push(payload);
      const attempt = (attempts.get(payload.step) ?? 0) + 1;
      attempts.set(payload.step, attempt);
      return script.send ? script.send(payload, attempt) : { outcome: 'sent', channel: payload.channels[0] };
    },
    waitForEvent: async (payload) => {
      calls.waits.push(payload);
      const failure = script.waitFailsOnce?.[payload.step];
      if (failure !== undefined && calls.waits.filter((wait) => wait.step === payload.step).length === 1) throw failure();
      if (script.events?.[payload.step] === 'arrives') return { event: payload.event };
      throw new WaitForEventTimeoutError();
    },
    journeyEffects: async (payload): Promise<JourneyEffectsOutput> => {
      calls.effects.push(payload);
      if (payload.step === script.goneAt && readsCustomer(payload)) throw new CustomerNotFoundError(payload.customerId);
      switch (payload.action) {
        case 'bucket':
          return { bucket: script.bucket ?? 50 };
        case 'branch': {
          const answers = script.branches?.[payload.step] ?? [-1];
          const index = branchCalls.get(payload.step) ?? 0;
          branchCalls.set(payload.step, index + 1);
          return { match: answers[Math.min(index, answers.length - 1)] ?? -1, goalReached: script.goalReachedAtBranches ?? false };
        }
        case 'waitUntil':
          return { until: '2026-03-03T15:00:00Z' };
        default:
          return {};
      }
    },
  };
}

const runners = new WeakMap<AslDefinition, LocalJourneyRunner>();

function runnerOf(definition: AslDefinition): LocalJourneyRunner {
  const known = runners.get(definition);
  if (known) return known;
  const runner = new LocalJourneyRunner(definition);
  runners.set(definition, runner);
  return runner;
}

/**
 * Runs `definition` for customer `c-001` following `script`, with every wait and retry pause at
 * zero. The execution input holds `entry` (by default: entered at {@link ENTRY_TIME}; `{}` for an
 * execution started before the input held the entry's instant).
 */
export async function runScripted(
  definition: AslDefinition,
  journeyId: string,
  script: Script = {},
  entry: Pick<JourneyExecutionInput, 'enteredAt'> = { enteredAt: ENTRY_TIME },
) {
  const calls: Calls = { sends: [], waits: [], effects: [] };
  const execution = { name: `${journeyId}-c-001-test`, startTime: START_TIME, now: () => new Date(CLOCK_TIME) };
  const { output, transitions } = await runnerOf(definition).run(
    { customerId: 'c-001', journey: journeyId, entryKey: 'test', ...entry },
    scriptedHandlers(script, calls),
    execution,
    pauseOverrides(definition, 0),
  );
  return { output, states: transitions, calls, execution };
}
