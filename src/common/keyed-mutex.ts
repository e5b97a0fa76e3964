import { type Deadline } from './deadline.js';

/** A task waited for its turn until its deadline; it was not run. */
export class QueueTimeoutError extends Error {
  constructor() {
    super('gave up waiting for the earlier tasks of the same key');
    this.name = 'QueueTimeoutError';
  }
}

/**
 * What the tasks of one key hand on to each other while they follow one another (e.g. the state
 * a task wrote, so that the next need not read it again): one per key, shared by the tasks that
 * run in a row and dropped with the key once none is left.
 */
export interface Baton<B> {
  value?: B;
}

interface Queue<B> {
  /** Settles when the last task queued so far has finished. */
  tail: Promise<void>;
  baton: Baton<B>;
}

/**
 * Runs tasks with the same key one after another (in call order) and tasks with different keys
 * side by side. Nothing is kept for a key once its last task has finished.
 *
 * A task with a deadline that passes while it waits is not run: `run` rejects with
 * QueueTimeoutError, and its turn is passed on once the tasks before it have finished, so the
 * order of the others holds.
 */
export class KeyedMutex<B = never> {
  private readonly queues = new Map<string, Queue<B>>();

  async run<T>(
    key: string,
    task: (baton: Baton<B>) => Promise<T>,
    deadline?: Deadline,
  ): Promise<T> {
    const queued = this.queues.get(key);
    const previous = queued?.tail;
    const baton = queued?.baton ?? {};
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    const tail = previous === undefined ? done : previous.then(() => done);
    this.queues.set(key, { tail, baton });
    const finish = (): void => {
      release();
      if (this.queues.get(key)?.tail === tail) this.queues.delete(key);
    };
    if (previous !== undefined) {
      try {
        await waitUntil(previous, deadline);
      } catch (error) {
        // Our turn comes when the earlier tasks end; we take it and pass it on at once.
        void previous.then(finish);
        throw error;
      }
    }
    try {
      return await task(baton);
    } finally {
      finish();
    }
  }

  /** Keys with a running or waiting task. */
  get size(): number {
    return this.queues.size;
  }
}

function waitUntil(turn: Promise<void>, deadline: Deadline | undefined): Promise<void> {
  if (deadline === undefined) return turn;
  if (deadline.expired()) return Promise.reject(new QueueTimeoutError());
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new QueueTimeoutError()), deadline.remainingMs());
    void turn.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
