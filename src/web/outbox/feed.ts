// Tells open /outbox pages about new mail (server-sent events). Mail may be
// written by another process (a worker), so the feed watches the folder
// itself: one cheap poll of the file names per interval, shared by every open
// page, and only while at least one page listens.
import type { OutboxTransport } from '../../delivery/outbox';

export type FeedListener = (event: { type: 'mail'; files: string[] } | { type: 'cleared' }) => void;

export class OutboxFeed {
  private readonly listeners = new Set<FeedListener>();
  private timer: NodeJS.Timeout | null = null;
  private known: Set<string> | null = null;
  private polling = false;

  constructor(
    private readonly outbox: Pick<OutboxTransport, 'list'>,
    private readonly intervalMs = 1000,
  ) {}

  /** Resolves once the folder's current files are known, so the next new file is reported. */
  async subscribe(listener: FeedListener): Promise<() => void> {
    this.listeners.add(listener);
    if (!this.timer) {
      this.timer = setInterval(() => void this.poll(), this.intervalMs);
      this.timer.unref();
    }
    while (this.known === null && this.listeners.has(listener)) {
      await this.poll();
      if (this.known === null) await new Promise((r) => setTimeout(r, 20));
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  get size(): number {
    return this.listeners.size;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.known = null;
  }

  private async poll(): Promise<void> {
    if (this.polling) return; // a slow disk must not pile up polls
    this.polling = true;
    try {
      const files = (await this.outbox.list()).map((e) => e.file);
      const previous = this.known;
      this.known = new Set(files);
      if (previous === null) return; // first look: the page already shows these
      const added = files.filter((f) => !previous.has(f));
      if (added.length > 0) this.emit({ type: 'mail', files: added });
      else if (files.length === 0 && previous.size > 0) this.emit({ type: 'cleared' });
    } catch {
      // The folder may be briefly missing (deleted by hand): try again next time.
    } finally {
      this.polling = false;
    }
  }

  private emit(event: Parameters<FeedListener>[0]): void {
    for (const listener of this.listeners) listener(event);
  }
}
