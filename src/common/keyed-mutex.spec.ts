import { Deadline } from './deadline.js';
import { type Baton, KeyedMutex, QueueTimeoutError } from './keyed-mutex.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('KeyedMutex', () => {
  it('runs tasks of one key one at a time, in call order', async () => {
    const mutex = new KeyedMutex();
    const log: string[] = [];
    let running = 0;
    const task = (name: string) => async () => {
      running++;
      expect(running).toBe(1);
      log.push(`start ${name}`);
      await tick();
      log.push(`end ${name}`);
      running--;
      return name;
    };
    const results = await Promise.all(['a', 'b', 'c'].map((n) => mutex.run('k', task(n))));
    expect(results).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(mutex.size).toBe(0);
  });

  it('runs different keys side by side', async () => {
    const mutex = new KeyedMutex();
    let running = 0;
    let peak = 0;
    const task = async () => {
      running++;
      peak = Math.max(peak, running);
      await tick();
      running--;
    };
    await Promise.all([mutex.run('x', task), mutex.run('y', task), mutex.run('z', task)]);
    expect(peak).toBe(3);
  });

  it('goes on after a task fails, and passes the failure to its caller only', async () => {
    const mutex = new KeyedMutex();
    const failing = mutex.run('k', () => Promise.reject(new Error('boom')));
    const next = mutex.run('k', () => Promise.resolve('next'));
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('next');
    expect(mutex.size).toBe(0);
  });

  it('does not run a task whose deadline passes while it waits, and keeps the order of the others', async () => {
    const mutex = new KeyedMutex();
    const log: string[] = [];
    let finishFirst!: () => void;
    const first = mutex.run('k', async () => {
      log.push('first');
      await new Promise<void>((resolve) => (finishFirst = resolve));
    });
    const late = mutex.run('k', () => Promise.resolve(log.push('late')), Deadline.after(20));
    const third = mutex.run('k', () => Promise.resolve(log.push('third')));
    await expect(late).rejects.toBeInstanceOf(QueueTimeoutError);
    // The third waits for the first still: the one that gave up did not let it through early.
    await tick();
    expect(log).toEqual(['first']);
    finishFirst();
    await Promise.all([first, third]);
    expect(log).toEqual(['first', 'third']);
    expect(mutex.size).toBe(0);
  });

  it('refuses at once a task whose deadline has passed when there is a queue', async () => {
    const mutex = new KeyedMutex();
    let release!: () => void;
    const first = mutex.run('k', () => new Promise<void>((resolve) => (release = resolve)));
    let ran = false;
    await expect(
      mutex.run('k', () => Promise.resolve((ran = true)), new Deadline(Date.now() - 1)),
    ).rejects.toBeInstanceOf(QueueTimeoutError);
    release();
    await first;
    expect(ran).toBe(false);
  });

  it('hands a value from each task to the next of its key, and drops it with the key', async () => {
    const mutex = new KeyedMutex<string>();
    const seen: (string | undefined)[] = [];
    const task = (name: string) => async (baton: Baton<string>) => {
      seen.push(baton.value);
      await tick();
      baton.value = name;
    };
    await Promise.all([
      mutex.run('k', task('a')),
      mutex.run('k', task('b')),
      mutex.run('other', task('x')),
      mutex.run('k', task('c')),
    ]);
    // 'other' has a baton of its own; 'k' passes it along the tasks in a row.
    expect(seen).toEqual([undefined, undefined, 'a', 'b']);
    expect(mutex.size).toBe(0);
    // Once the key's last task has finished, nothing of it is kept: the next one starts afresh.
    await mutex.run('k', task('d'));
    expect(seen.at(-1)).toBeUndefined();
  });
});
