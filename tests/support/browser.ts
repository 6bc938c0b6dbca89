// Debian's Chromium for the browser tests: never a downloaded browser, and no
// background traffic (this machine has no network, and Chromium would keep trying).
import { chromium, type Browser } from 'playwright-core';
import { freePort } from '../../src/runtime/redis-server';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Builds an app whose PUBLIC_URL is a free loopback port, and listens there,
 * so the browser follows the links the app writes.
 */
export async function listeningOnFreePort<T extends { app: { listen(o: { port: number; host: string }): Promise<unknown> } }>(
  create: (env: { PUBLIC_URL: string; PORT: string }) => Promise<T>,
): Promise<{ app: T; base: string }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const app = await create({ PUBLIC_URL: base, PORT: String(port) });
  await app.app.listen({ port, host: '127.0.0.1' });
  return { app, base };
}
