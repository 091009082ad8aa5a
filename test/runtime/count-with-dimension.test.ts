/**
 * Counts published with a dimension keep it on every metric: the launcher counts five outcomes
 * per batch by journey, and the journey dashboards read them by that dimension.
 */
import { countWithDimension, observability } from '../../lib/runtime/observability';
import { stdoutOf } from '../support/stdout';

/** The EMF lines written to stdout while `emit` runs, parsed. */
function emfLinesOf(emit: () => void): Array<Record<string, unknown> & { _aws: { CloudWatchMetrics: Array<{ Dimensions: string[][]; Metrics: Array<{ Name: string }> }> } }> {
  return stdoutOf(emit)
    .split('\n')
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as ReturnType<typeof emfLinesOf>[number]);
}

it('publishes every count with the journey dimension, not only the first', () => {
  // Prepare
  const { metrics } = observability('launcher');

  // Act
  const lines = emfLinesOf(() => countWithDimension(metrics, 'journey', 'loyalty', { launch_started: 3, launch_already_started: 1, launch_not_eligible: 2 }));

  // Assess
  expect(lines.map((line) => ({ name: line._aws.CloudWatchMetrics[0]?.Metrics[0]?.Name, dimensions: line._aws.CloudWatchMetrics[0]?.Dimensions, journey: line.journey }))).toEqual([
    { name: 'launch_started', dimensions: [['service', 'journey']], journey: 'loyalty' },
    { name: 'launch_already_started', dimensions: [['service', 'journey']], journey: 'loyalty' },
    { name: 'launch_not_eligible', dimensions: [['service', 'journey']], journey: 'loyalty' },
  ]);
  expect(lines.map((line) => line.launch_not_eligible ?? line.launch_started ?? line.launch_already_started)).toEqual([3, 1, 2]);
});
