/**
 * What `overture launch` tells a marketer: who entered, who was kept out and why, and which ids
 * the audience named that have no profile (ids only: the audience file holds nothing else that
 * reaches the output).
 */
import type { LaunchProgress, LaunchReport, LaunchTotals } from '../local/launcher';

/** Unknown ids listed in the text; `--json` lists them all. */
const UNKNOWN_IDS_SHOWN = 20;

/** `1 customer`, `2 customers`. */
export function counted(count: number, singular: string, plural = `${singular}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? singular : plural}`;
}

/** The report as text: one summary line, then what to do about customers left out, if any. */
export function formatLaunchReport(report: LaunchReport): string {
  if (report.outcome === 'already_launched') {
    if (report.status === 'RUNNING') {
      // Only a launch running on the stack reads RUNNING here (one a kill cut short is carried on
      // instead), and another --id would enter its customers again while it enters them.
      return (
        `Launch ${report.launch} of ${report.journey} started at ${report.launchedAt} and still runs on the stack: nothing was started again.\n` +
        'overture status shows it under (launcher) until it ends; launching the same audience under this id then tells how it went.\n'
      );
    }
    return (
      `Launch ${report.launch} of ${report.journey} started at ${report.launchedAt} and ended ${report.status}: nothing was started again.\n` +
      'To launch this audience anew (say, for customers who had no profile then), give another --id.\n'
    );
  }
  const lines =
    report.outcome === 'resumed'
      ? [
          `Launch ${report.launch} of ${report.journey}, started at ${report.launchedAt}, was cut short and has now carried on to its end. ` +
            `Of ${counted(report.customers, 'customer')}: ${totalsParts(report).join(', ')}`,
          'The customers it entered before it was cut short are counted as already in.',
        ]
      : [`Launched ${report.journey} to ${counted(report.customers, 'customer')} as ${report.launch}: ${totalsParts(report).join(', ')}`];
  if (report.unknown > 0) lines.push('Customers without a profile were not started; once they have one, launch them with another --id.');
  return `${lines.join('\n')}\n`;
}

/** What a launch did, as the parts of its summary line. */
function totalsParts(totals: LaunchTotals): string[] {
  const parts = [
    `${totals.started.toLocaleString('en-US')} entered`,
    `${(totals.alreadyStarted + totals.notEligible).toLocaleString('en-US')} already in or not eligible (re-entry rule)`,
    `${totals.conditionNotMet.toLocaleString('en-US')} not admitted by the journey's entry conditions`,
    `${totals.unknown.toLocaleString('en-US')} unknown (no profile)${totals.unknown > 0 ? `: ${unknownIds(totals.unknownCustomers)}` : ''}`,
  ];
  if (totals.invalidRows > 0) parts.push(`${counted(totals.invalidRows, 'row')} without a valid customer id`);
  return parts;
}

function unknownIds(ids: readonly string[]): string {
  const shown = ids.slice(0, UNKNOWN_IDS_SHOWN).join(', ');
  return ids.length > UNKNOWN_IDS_SHOWN ? `${shown} and ${(ids.length - UNKNOWN_IDS_SHOWN).toLocaleString('en-US')} more (--json lists them all)` : shown;
}

/**
 * A progress reporter for stderr: a line each time another tenth of the audience is done, none
 * for the last batch (the report follows) or for a launch of one batch.
 */
export function launchProgressReporter(write: (text: string) => void): (progress: LaunchProgress) => void {
  let shownTenth = 0;
  return ({ processed, total }) => {
    const tenth = Math.floor((processed * 10) / total);
    if (processed >= total || tenth <= shownTenth) return;
    shownTenth = tenth;
    write(`launch: ${processed.toLocaleString('en-US')} of ${counted(total, 'customer')} done…\n`);
  };
}
