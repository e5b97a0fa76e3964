/**
 * Runs tasks with the same key one after another (in call order) and tasks with different keys
 * side by side. Nothing is kept for a key once its last task has finished.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key);
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    const tail = previous === undefined ? done : previous.then(() => done);
    this.tails.set(key, tail);
    try {
      await previous;
      return await task();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Keys with a running or waiting task. */
  get size(): number {
    return this.tails.size;
  }
}
