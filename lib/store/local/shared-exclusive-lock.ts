/**
 * A first-come, first-served shared/exclusive lock for async work in one process.
 *
 * The local DynamoDB endpoint runs every ordinary request under the shared side and every
 * TransactWriteItems under the exclusive side, so no request observes a transaction half-applied.
 */
export class SharedExclusiveLock {
  private sharedHolders = 0;
  private exclusiveHeld = false;
  private readonly waiting: Array<{ exclusive: boolean; grant: () => void }> = [];

  /** Runs `work` alongside other shared work, never alongside exclusive work. */
  async shared<T>(work: () => Promise<T>): Promise<T> {
    await this.acquire(false);
    try {
      return await work();
    } finally {
      this.sharedHolders -= 1;
      this.drain();
    }
  }

  /** Runs `work` alone. */
  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    await this.acquire(true);
    try {
      return await work();
    } finally {
      this.exclusiveHeld = false;
      this.drain();
    }
  }

  private acquire(exclusive: boolean): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push({ exclusive, grant: resolve });
      this.drain();
    });
  }

  /** Grants waiters in arrival order; a waiting exclusive request holds back later shared ones. */
  private drain(): void {
    for (;;) {
      const next = this.waiting[0];
      if (next === undefined || this.exclusiveHeld) return;
      if (next.exclusive) {
        if (this.sharedHolders > 0) return;
        this.exclusiveHeld = true;
      } else {
        this.sharedHolders += 1;
      }
      this.waiting.shift();
      next.grant();
    }
  }
}
