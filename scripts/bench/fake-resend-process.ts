// The fake Resend as its own process for `npm run bench`, so its JSON parsing
// and hashing run on their own event loop, as a real provider's would: no
// request log, no stored bodies (only a count and the `send` tags, to count
// duplicates), no rate limit. Talks to its parent over the fork IPC channel.
import { startFakeResend } from '../../tests/support/fake-resend';

export type FakeRequest = { op: 'stats' } | { op: 'reset' };
export type FakeMessage =
  | { op: 'ready'; url: string; apiKey: string }
  | { op: 'stats'; accepted: number; duplicates: number }
  | { op: 'reset' };

async function main(): Promise<void> {
  if (!process.send) throw new Error('fake-resend-process must be started with fork() (it reports over IPC)');
  const fake = await startFakeResend({
    keepEmails: false,
    maxLogEntries: 0,
    maxStoredEmails: Number.MAX_SAFE_INTEGER,
    maxIdempotencyKeys: 50_000,
    rateLimitPerSecond: null,
  });
  const reply = (m: FakeMessage) => process.send?.(m);
  process.on('message', (m: FakeRequest) => {
    if (m.op === 'stats') reply({ op: 'stats', accepted: fake.acceptedCount(), duplicates: fake.duplicateSends() });
    else if (m.op === 'reset') {
      fake.reset();
      reply({ op: 'reset' });
    }
  });
  process.on('disconnect', () => {
    void fake.stop().finally(() => process.exit(0));
  });
  reply({ op: 'ready', url: fake.url, apiKey: fake.apiKey });
}

main().catch((err: unknown) => {
  console.error('fake resend process failed:', err);
  process.exit(1);
});
