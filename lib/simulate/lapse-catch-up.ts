/**
 * The simulation's catch-up for lapses older than the inactivity scan looks back.
 *
 * A scenario states when a customer last ordered with a `lastEvent.<name>` attribute, which may be
 * long before `start`. The daily scan finds a lapse day only in the few days after it becomes old
 * enough (INACTIVITY_LOOKBACK_DAYS), which in AWS it did, day by day, before the scenario's time;
 * a simulation has no such past, so a customer lapsed 120 days at `start` would never enter
 * win-back. At the first daily scan, a second scan launches every lapse day older than that
 * scan's lookback: the first scan of a simulation finds every lapse before it.
 */
import { scanForInactivity } from '../ingest/inactivity-scan';
import type { LocalRuntime } from '../local/runtime';

const DAY_MS = 86_400_000;

/**
 * Puts the catch-up scan on the runtime's agenda at the instant of its first daily inactivity
 * scan (nothing when the runtime runs no inactivity scan, or no journey that runs has an
 * inactivity entry).
 * Call it right after the runtime started, while its clock is still at the scenario's `start`.
 */
export function scheduleLapseCatchUp(runtime: LocalRuntime): void {
  if (runtime.options.inactivityScan === false || !runtime.routes.some((route) => route.trigger.kind === 'inactivity')) return;
  const at = firstScanInstant(runtime);
  if (at === undefined) return;
  runtime.schedule({
    at,
    // Right after the daily scan of the same instant (its order, ['~inactivity-scan'], sorts first).
    order: ['~inactivity-scan', 'earlier'],
    key: 'inactivity-scan',
    alone: true,
    run: async () => {
      await scanForInactivity(
        {
          dynamodb: runtime.clients.dynamodb,
          tableName: runtime.tableName,
          s3: runtime.clients.s3,
          audienceBucket: runtime.audienceBucket,
          sfn: runtime.clients.sfn,
          launcherArn: runtime.launcherArn,
          routes: runtime.routes,
          now: () => runtime.clock.now(),
        },
        'earlier',
      );
    },
  });
}

/**
 * When the runtime's first daily inactivity scan runs: the time of the template's schedule that
 * targets the scan (the function told the launcher's ARN), next after now, as the runtime
 * schedules it.
 */
function firstScanInstant(runtime: LocalRuntime): number | undefined {
  const scanFunctions = new Set(runtime.resources.functions.filter((fn) => 'LAUNCHER_STATE_MACHINE_ARN' in fn.environment).map((fn) => fn.logicalId));
  const schedule = runtime.resources.dailySchedules.find((candidate) => scanFunctions.has(candidate.targetFunction));
  if (schedule === undefined) return undefined;
  const now = runtime.clock.nowMs();
  const day = new Date(now);
  day.setUTCHours(schedule.hourUtc, schedule.minuteUtc, 0, 0);
  return day.getTime() > now ? day.getTime() : day.getTime() + DAY_MS;
}
