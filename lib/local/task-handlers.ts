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

/**
 * A wait for an event that a restart carries an execution on from (its checkpoint): the step and
 * the instant its timeout was due when the wait began.
 */
export interface ResumedEventWait {
  readonly step: string;
  readonly until: string;
}

/**
 * The handlers of one execution (the token sequence is per execution). An execution carried on
 * from a wait for an event (`resumed`) waits there until its first timeout, not a whole timeout
 * more, and counts events from when that wait began, so a restart neither delays the step after
 * the timeout nor lets an event during the first part of the wait go unnoticed.
 */
export function journeyTaskHandlers(ports: TaskHandlerPorts, counters?: TaskCounters, resumed?: ResumedEventWait): JourneyTaskHandlers {
  let waits = 0;
  let pendingResume = resumed;
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
      const carriedOn = pendingResume?.step === payload.step ? pendingResume : undefined;
      pendingResume = undefined;
      const dueAt = carriedOn === undefined ? undefined : Date.parse(carriedOn.until);
      const wait =
        dueAt === undefined
          ? payload
          : {
              ...payload,
              waitStartedAt: new Date(dueAt - payload.timeoutSeconds * 1000).toISOString(),
              timeoutSeconds: Math.max(1, Math.ceil((dueAt - ports.now().getTime()) / 1000)),
            };
      // Registered before it is stored, so an event ingested right after the store finds it waiting.
      const resumedByEvent = ports.stepFunctions.waitForToken(token, payload.execution);
      await ports.work.run(payload.customerId, () =>
        beginEventWait({ dynamodb: ports.dynamodb, tableName: ports.tableName, sfn: ports.sfn }, { ...wait, taskToken: token }, ports.now()),
      );
      // The Task's TimeoutSeconds ends the wait in the interpreter; this timer, due at the same
      // instant, retires the token so a late SendTaskSuccess gets TaskTimedOut, as in AWS. (When
      // the wait is carried on, the timer is due first: at what was left of it.)
      let expiry: ReturnType<typeof setTimeout> | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        expiry = setTimeout(() => {
          ports.stepFunctions.releaseToken(token);
          reject(new WaitForEventTimeoutError());
        }, dueAt === undefined ? payload.timeoutSeconds * 1000 : Math.max(0, dueAt - ports.now().getTime()));
      });
      try {
        return await Promise.race([resumedByEvent, timedOut]);
      } finally {
        clearTimeout(expiry);
      }
    },
  };
}
