/**
 * What `overture launch` tells a marketer: who entered, who was kept out and why, and which ids
 * the audience named that have no profile (ids only: the audience file holds nothing else that
 * reaches the output).
 */
import type { LaunchProgress, LaunchReport } from '../local/launcher';

/** Unknown ids listed in the text; `--json` lists them all. */
const UNKNOWN_IDS_SHOWN = 20;

/** `1 customer`, `2 customers`. */
export function counted(count: number, singular: string, plural = `${singular}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? singular : plural}`;
}

/** The report as text: one summary line, then what to do about customers left out, if any. */
export function formatLaunchReport(report: LaunchReport): string {
  if (report.outcome === 'already_launched') {
    const how = report.status === 'RUNNING' ? 'still runs' : `ended ${report.status}`;
    return (
      `Launch ${report.launch} of ${report.journey} started at ${report.launchedAt} and ${how}: nothing was started again.\n` +
      'To launch this audience anew (say, for customers who had no profile then), give another --id.\n'
    );
  }
  const parts = [
    `${report.started.toLocaleString('en-US')} entered`,
    `${(report.alreadyStarted + report.notEligible).toLocaleString('en-US')} already in or not eligible (re-entry rule)`,
    `${report.unknown.toLocaleString('en-US')} unknown (no profile)${report.unknown > 0 ? `: ${unknownIds(report.unknownCustomers)}` : ''}`,
  ];
  if (report.invalidRows > 0) parts.push(`${counted(report.invalidRows, 'row')} without a valid customer id`);
  const lines = [`Launched ${report.journey} to ${counted(report.customers, 'customer')} as ${report.launch}: ${parts.join(', ')}`];
  if (report.unknown > 0) lines.push('Customers without a profile were not started; once they have one, launch them with another --id.');
  return `${lines.join('\n')}\n`;
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
