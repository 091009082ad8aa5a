/**
 * Customer events Overture observes itself rather than receives on the bus: today, a save in the
 * preference centre (`preferences_updated`). Journeys wait for them as for any event
 * (`prospect-nurture` asks a lead for their preferences and reminds them after three days unless
 * they gave them), so they are recorded as ingest records an event: the customer's
 * `lastEvent.<name>` attribute and touchpoint, then every execution waiting for the event resumed.
 * The attribute comes first: a wait that stores its token after the resume looked for it finds
 * the event there (see event-wait.ts). No journey starts on them; no catalog journey enters on one.
 */
import type { Touchpoint } from '../customer/model';
import { lastEventAttribute } from '../journeys/event-history';
import type { CustomerStore } from '../store/customer-store';
import { resumeWaitingExecutions, type ResumePorts, type ResumeResult } from './resume-waiting';

/** The event a save in the preference centre records. */
export const PREFERENCES_UPDATED_EVENT = 'preferences_updated';

/** One event Overture observed: ids, a name and an instant only. */
export interface ObservedEvent {
  readonly customerId: string;
  readonly name: string;
  readonly occurredAt: string;
  /** Where it happened (a save in the preference centre: `web`). */
  readonly touchpoint?: Touchpoint;
}

/** Records an observed event. */
export type ObservedEventRecorder = (event: ObservedEvent) => Promise<void>;

/** The ports recording needs: the customer store, and the clients that resume waits. */
export interface ObservedEventPorts extends ResumePorts {
  readonly store: CustomerStore;
}

/**
 * Records `event` on the customer and resumes the executions waiting for it (see the module
 * comment). Safe to repeat: a second record of the same instant changes nothing, and a spent
 * token is counted, not an error.
 */
export async function recordObservedEvent(ports: ObservedEventPorts, event: ObservedEvent): Promise<ResumeResult> {
  const { customerId, name, occurredAt, touchpoint } = event;
  await ports.store.setAttributes(customerId, { [lastEventAttribute(name)]: occurredAt }, { at: occurredAt, ...(touchpoint === undefined ? {} : { touchpoint }) });
  return resumeWaitingExecutions(ports, customerId, { event: name, occurredAt });
}

/** An {@link ObservedEventRecorder} on `ports`. */
export function observedEventRecorder(ports: ObservedEventPorts): ObservedEventRecorder {
  return async (event) => {
    await recordObservedEvent(ports, event);
  };
}
