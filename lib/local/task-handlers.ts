/**
 * The Task states of a journey, bound to the same code the Lambda functions run:
 *
 * - send: `deliverMessage` (the send function's work) with its ports on the emulators;
 * - journeyEffects: `performJourneyEffect` over the customer table (the journeyEffects function);
 * - waitForEvent: `beginEventWait` (the waitForEvent function: it stores the token and returns it
 *   itself when the awaited event already happened after the wait began), then the execution
 *   waits for the ingest code to return the token through the local Step Functions, as in AWS.
 *
 * Every call goes through the work queue under the customer's id (see work-queue.ts). Each wait
 * gets its own token (`$$.Task.Token` of the interpreter is one per execution), so a token left
 * over from an earlier wait of the same execution can never resume a later one.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { deliverMessage, type DeliveryOutcome, type DeliveryPorts } from '../delivery/deliver-message';
import { toStepResult } from '../delivery/step-result';
import { beginEventWait } from '../ingest/event-wait';
import { performJourneyEffect, type JourneyEffectsPorts } from '../journeys/effects';
import { WaitForEventTimeoutError, type JourneyTaskHandlers } from '../journeys/local-bindings';
import type { SendStepPayload } from '../journeys/send-contract';
import type { LocalStepFunctions } from './step-functions';
import type { WorkQueue } from './work-queue';

/** What the bound handlers talk to. */
export interface TaskHandlerPorts {
  readonly delivery: DeliveryPorts;
  readonly effects: JourneyEffectsPorts;
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  /** The SDK client of the local Step Functions server, for a wait that returns its own token. */
  readonly sfn: SFNClient;
  readonly stepFunctions: LocalStepFunctions;
  readonly work: WorkQueue;
  readonly now: () => Date;
  /** Told every send step's answer (the running summary of `npm start`). */
  readonly onSendStep?: (payload: SendStepPayload, outcome: DeliveryOutcome) => void;
}

/** Counts of what the handlers did, for progress lines and the bench. */
export interface TaskCounters {
  sends: number;
  effects: number;
  waits: number;
}

/** The handlers of one execution (the token sequence is per execution). */
export function journeyTaskHandlers(ports: TaskHandlerPorts, counters?: TaskCounters): JourneyTaskHandlers {
  let waits = 0;
  return {
    send: (payload) =>
      ports.work.run(payload.customerId, async () => {
        if (counters) counters.sends += 1;
        const outcome = await deliverMessage(ports.delivery, payload);
        ports.onSendStep?.(payload, outcome);
        return toStepResult(outcome);
      }),
    journeyEffects: (payload) =>
      ports.work.run(payload.customerId, async () => {
        if (counters) counters.effects += 1;
        return performJourneyEffect(payload, ports.effects);
      }),
    waitForEvent: async (payload) => {
      waits += 1;
      if (counters) counters.waits += 1;
      const token = `${payload.taskToken}:${waits}`;
      // Registered before it is stored, so an event ingested right after the store finds it waiting.
      const resumed = ports.stepFunctions.waitForToken(token, payload.execution);
      await ports.work.run(payload.customerId, () =>
        beginEventWait({ dynamodb: ports.dynamodb, tableName: ports.tableName, sfn: ports.sfn }, { ...payload, taskToken: token }, ports.now()),
      );
      // The Task's TimeoutSeconds ends the wait in the interpreter; this timer, due at the same
      // instant, retires the token so a late SendTaskSuccess gets TaskTimedOut, as in AWS.
      let expiry: ReturnType<typeof setTimeout> | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        expiry = setTimeout(() => {
          ports.stepFunctions.releaseToken(token);
          reject(new WaitForEventTimeoutError());
        }, payload.timeoutSeconds * 1000);
      });
      try {
        return await Promise.race([resumed, timedOut]);
      } finally {
        clearTimeout(expiry);
      }
    },
  };
}
