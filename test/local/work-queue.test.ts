/**
 * WorkQueue.drain, what a clean stop of the local runtime relies on: the work that runs finishes,
 * and nothing else starts.
 */
import { WorkQueue } from '../../lib/local/work-queue';

/** A promise and the function that settles it, so a test decides when work ends. */
function latch(): { promise: Promise<void>; release: () => void } {
  let release = (): void => undefined;
  const promise = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { promise, release };
}

describe('WorkQueue.drain', () => {
  it('waits for the work that runs, and starts neither what waits nor what is queued after', async () => {
    // Prepare
    const queue = new WorkQueue({ concurrency: 1 });
    const running = latch();
    const started: string[] = [];
    void queue.run('c-1', async () => {
      started.push('running');
      await running.promise;
    });
    void queue.run('c-2', async () => {
      started.push('waiting');
    });

    // Act
    let drained = false;
    const draining = queue.drain().then(() => {
      drained = true;
    });
    void queue.run('c-3', async () => {
      started.push('queued after');
    });
    await new Promise((resolve) => setImmediate(resolve));
    const drainedBeforeRelease = drained;
    running.release();
    await draining;

    // Assess
    expect(drainedBeforeRelease).toBe(false);
    expect(drained).toBe(true);
    expect(started).toEqual(['running']);
    expect(queue.idle).toBe(false);
  });

  it('resolves at once when nothing runs', async () => {
    // Prepare
    const queue = new WorkQueue({ concurrency: 2 });

    // Act
    await queue.drain();

    // Assess
    expect(queue.idle).toBe(true);
  });
});
