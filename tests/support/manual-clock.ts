// A clock that only moves when the test moves it, for code that takes a
// PacerClock. Sleepers wake when the clock reaches their time, so a test can
// run seconds of arrivals and waits in no wall time, with exact instants.
import type { PacerClock } from '../../src/delivery/pacer';

export class ManualClock implements PacerClock {
  private t: number;
  private sleepers: { until: number; wake: () => void }[] = [];

  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((wake) => this.sleepers.push({ until: this.t + Math.max(0, ms), wake }));
  }

  /** How many callers are waiting on this clock. */
  get sleeping(): number {
    return this.sleepers.length;
  }

  /** The earliest instant a sleeper wakes at, or null. */
  nextWake(): number | null {
    return this.sleepers.length === 0 ? null : Math.min(...this.sleepers.map((s) => s.until));
  }

  /** Moves the clock to `t` (never back) and wakes everyone due by then. */
  advanceTo(t: number): void {
    if (t < this.t) throw new Error(`ManualClock cannot go back from ${this.t} to ${t}`);
    this.t = t;
    const due = this.sleepers.filter((s) => s.until <= t);
    this.sleepers = this.sleepers.filter((s) => s.until > t);
    for (const s of due) s.wake();
  }
}

/** Resolves once `settled()` holds, yielding to I/O in between (no timers, no wall-clock bound). */
export async function untilSettled(settled: () => boolean): Promise<void> {
  while (!settled()) await new Promise((r) => setImmediate(r));
}
