/**
 * A log line that can repeat very fast (one per message or per batch while the database is down)
 * written at most once per window: the first occurrence at once, then, at the end of every window
 * in which more happened, one line with how many (`repeated`) and the fields of the latest one.
 */
import type { Logger } from '../log.ts';

/** Default window of a rate-limited log line (ms). */
export const LOG_WINDOW_MS = 10_000;

/** One rate-limited log line (a fixed level and message; fields per occurrence). */
export class RateLimitedLog {
  private windowEnd = 0;
  private count = 0;
  private lastFields: Record<string, unknown> = {};
  private timer: NodeJS.Timeout | null = null;
  /** Occurrences in total, logged or not. */
  total = 0;

  constructor(
    private readonly log: Logger,
    private readonly level: 'warn' | 'error',
    private readonly msg: string,
    private readonly windowMs = LOG_WINDOW_MS,
  ) {}

  /** Records one occurrence; writes a line only if no window is open. */
  hit(fields: Record<string, unknown> = {}): void {
    this.total++;
    const now = Date.now();
    if (now >= this.windowEnd && !this.timer) {
      this.log[this.level](fields, this.msg);
      this.open(now);
      return;
    }
    this.count++;
    this.lastFields = fields;
  }

  private open(now: number): void {
    this.windowEnd = now + this.windowMs;
    this.timer = setTimeout(() => this.flush(), this.windowMs);
    this.timer.unref();
  }

  /** End of a window: one line for what it held, and a new window if anything did. */
  private flush(): void {
    this.timer = null;
    if (this.count === 0) return;
    this.log[this.level]({ ...this.lastFields, repeated: this.count, windowMs: this.windowMs }, `${this.msg} (repeated)`);
    this.count = 0;
    this.open(Date.now());
  }

  /** Writes what the open window holds now and stops the timer (shutdown). */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.count > 0) this.log[this.level]({ ...this.lastFields, repeated: this.count, windowMs: this.windowMs }, `${this.msg} (repeated)`);
    this.count = 0;
  }
}
