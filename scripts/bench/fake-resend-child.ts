// Starts scripts/bench/fake-resend-process.ts as a child process and asks it
// for counts. The bench's lines all send to one of these.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FakeMessage, FakeRequest } from './fake-resend-process';

export interface FakeStats {
  accepted: number;
  duplicates: number;
}

export class FakeResendChild {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly apiKey: string,
  ) {}

  static async start(): Promise<FakeResendChild> {
    const child = fork(fileURLToPath(new URL('./fake-resend-process.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ready = await new Promise<Extract<FakeMessage, { op: 'ready' }>>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`fake Resend process exited with ${code} before it was ready`)));
      child.once('message', (m: FakeMessage) => (m.op === 'ready' ? resolve(m) : reject(new Error(`unexpected first message ${m.op}`))));
    });
    child.removeAllListeners('exit');
    return new FakeResendChild(child, ready.url, ready.apiKey);
  }

  private ask<T extends FakeMessage['op']>(request: FakeRequest & { op: T }): Promise<Extract<FakeMessage, { op: T }>> {
    return new Promise((resolve) => {
      const onMessage = (m: FakeMessage) => {
        if (m.op !== request.op) return;
        this.child.off('message', onMessage);
        resolve(m as Extract<FakeMessage, { op: T }>);
      };
      this.child.on('message', onMessage);
      this.child.send(request);
    });
  }

  /** The fake's process id, to read its CPU time. */
  get pid(): number {
    return this.child.pid ?? 0;
  }

  async stats(): Promise<FakeStats> {
    const { accepted, duplicates } = await this.ask({ op: 'stats' });
    return { accepted, duplicates };
  }

  async reset(): Promise<void> {
    await this.ask({ op: 'reset' });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

/** Polls until the fake has accepted `target` emails; resolves with Date.now() at that moment. */
export async function waitForAccepted(fake: FakeResendChild, target: number, timeoutMs: number, everyMs = 50): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { accepted } = await fake.stats();
    if (accepted >= target) return Date.now();
    if (Date.now() > deadline) throw new Error(`the fake accepted ${accepted} of ${target} emails within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
