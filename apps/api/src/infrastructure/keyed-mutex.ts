/**
 * Runs tasks with the same key one after another (in this process). Doses drawn at one site
 * are decided against that site's stock and unit use in the read models; two doses racing
 * for the last unit must not both see it available. See docs/adr/0004-dose-stock-check.md.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await result;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
