/**
 * The journeys a scenario may run, beyond what the journey format accepts: a simulation runs a
 * journey only as the local stack starts it, so an entry it can never start, or an inline journey
 * that the stack's own journey of the same id would stand in for, would make a report that looks
 * complete and is not. Each such entry is refused at its path, before anything runs.
 */
import { JourneySchema, type Journey, type Trigger } from '../journeys/format';
import type { ScenarioIssue } from './issues';

/** Why a simulation never starts a journey entered by each of these trigger kinds. */
const UNSIMULATED_TRIGGERS: Partial<Record<Trigger['kind'], string>> = {
  // The local stack runs only the inactivity scan's daily schedule, and a journey's schedule
  // launches an audience file, which a scenario has no way to provide.
  schedule: 'a scheduled journey cannot be simulated: nothing runs its schedule in a simulation, and a scenario has no audience for it to launch',
  // The launcher starts an audience journey for a file a marketer uploads; a scenario has none.
  audience: 'an audience journey cannot be simulated: a scenario has no audience file to launch it for',
};

const EVENT_ENTRY_ADVICE = 'give it an event entry ({ "kind": "event", "events": ["…"] }) and put those events in the scenario\'s events';

/** What the checks need besides the file. */
export interface SimulatedJourneyCatalog {
  /** Ids of the catalog journeys: an inline journey may not take one. */
  readonly knownJourneys: readonly string[];
  /** Catalog journeys by id: the entry of a journey the scenario names is read here. */
  readonly catalog: Readonly<Record<string, Journey>>;
}

/**
 * The problems of the scenario's `journeys` that would run something other than what is asked:
 * an inline journey whose id is a catalog journey's (the stack compiles the catalog one, so that
 * one would run, while events would be routed by the inline one), and a journey, inline or
 * named, whose entry a simulation never starts.
 *
 * @param json - the scenario as read from JSON: only entries of the right shape are looked at
 *   (the schema reports the others).
 */
export function unsimulatedJourneyIssues(json: unknown, { knownJourneys, catalog }: SimulatedJourneyCatalog): ScenarioIssue[] {
  if (typeof json !== 'object' || json === null || !('journeys' in json) || !Array.isArray(json.journeys)) return [];
  const known = new Set(knownJourneys);
  const issues: ScenarioIssue[] = [];
  json.journeys.forEach((entry: unknown, index: number) => {
    if (typeof entry === 'string') {
      const named = known.has(entry) && Object.hasOwn(catalog, entry) ? catalog[entry] : undefined;
      const problem = named === undefined ? undefined : UNSIMULATED_TRIGGERS[named.entry.trigger.kind];
      if (problem !== undefined) issues.push({ path: `journeys[${index}]`, message: `"${entry}": ${problem}; simulate an inline copy of it with another id: ${EVENT_ENTRY_ADVICE}` });
      return;
    }
    const inline = JourneySchema.safeParse(entry);
    if (!inline.success) return;
    const journey = inline.data;
    if (known.has(journey.id)) {
      issues.push({ path: `journeys[${index}].id`, message: `"${journey.id}" is a catalog journey; give the inline journey another id` });
    }
    const problem = UNSIMULATED_TRIGGERS[journey.entry.trigger.kind];
    if (problem !== undefined) issues.push({ path: `journeys[${index}].entry.trigger`, message: `${problem}; ${EVENT_ENTRY_ADVICE}` });
  });
  return issues;
}
