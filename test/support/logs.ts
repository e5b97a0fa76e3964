// The application's log lines in memory (createApp's `logDestination`): the tests stay quiet, and
// a test can read every line the app wrote. TEST_LOGS=1 also echoes them to stdout.
import { setTimeout as sleep } from 'node:timers/promises';
import { CALL_ENDED, type CallLine } from '../../src/observability/call-observer.js';

/** One parsed line: pino's fields and whatever the call put in it. */
export type LogLine = Record<string, unknown> & { level: string; time: string; msg: string };

/** A call's line. */
export type CallLogLine = LogLine & CallLine;

/** Beyond this many lines the oldest are dropped (a long property run stays bounded). */
const MAX_LINES = 200_000;

export class LogCapture {
  private readonly raw: string[] = [];
  private dropped = 0;

  constructor(private readonly echo = process.env.TEST_LOGS === '1') {}

  /** pino's destination: it writes one whole line at a time. */
  write(line: string): void {
    this.raw.push(line);
    if (this.raw.length > MAX_LINES) {
      this.raw.shift();
      this.dropped += 1;
    }
    if (this.echo) process.stdout.write(line);
  }

  /** Everything written so far, as written; throws if lines were dropped. */
  text(): string {
    if (this.dropped > 0) throw new Error(`${this.dropped} log lines were dropped`);
    return this.raw.join('');
  }

  /** Every line, parsed; throws on a line that is not one JSON object. */
  lines(): LogLine[] {
    return this.text()
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const parsed: unknown = JSON.parse(line);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
          throw new Error(`not a JSON object: ${line}`);
        }
        return parsed as LogLine;
      });
  }

  /** The lines of ended calls. */
  calls(): CallLogLine[] {
    return this.lines().filter((line): line is CallLogLine => line.msg === CALL_ENDED);
  }

  /**
   * The call lines of a request id, once there are `count` of them (a call's line is written when
   * the server is done with it, which may be just after the client has its answer). Fails after 5 s.
   */
  async callsOf(requestId: string, count = 1): Promise<CallLogLine[]> {
    for (let i = 0; i < 250; i++) {
      const found = this.calls().filter((line) => line.requestId === requestId);
      if (found.length >= count) return found;
      await sleep(20);
    }
    throw new Error(`no ${count} call line(s) with request id ${requestId} in:\n${this.text()}`);
  }

  /** The one call line of a request id. */
  async callOf(requestId: string): Promise<CallLogLine> {
    const found = await this.callsOf(requestId);
    // Some time for a second line to show up, if there were one.
    await sleep(50);
    const all = this.calls().filter((line) => line.requestId === requestId);
    if (all.length !== 1) throw new Error(`${all.length} call lines for ${requestId}`);
    return found[0]!;
  }
}
