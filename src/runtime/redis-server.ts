// Starting a redis-server child process: used by `npm start` when no Redis is
// configured or answering, and by the test suite for its throwaway server.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, Socket } from 'node:net';

export interface RedisServerHandle {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface RedisServerOptions {
  port?: number;
  dataDir: string;
  appendOnly: boolean;
  binary?: string;
  /** More redis-server arguments (the test suite's cluster nodes: --cluster-enabled yes ...). */
  extraArgs?: string[];
}

/** Asks the OS for a free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** True when something answers PING with PONG at host:port within the timeout. */
export function redisAnswers(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let buffer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      buffer += chunk.toString();
      if (buffer.includes('\r\n')) done(buffer.startsWith('+PONG'));
    });
  });
}

export async function startRedisServer(options: RedisServerOptions): Promise<RedisServerHandle> {
  const port = options.port ?? (await freePort());
  mkdirSync(options.dataDir, { recursive: true });
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', options.dataDir,
    '--appendonly', options.appendOnly ? 'yes' : 'no',
    '--appendfsync', 'everysec',
    '--save', '',
    '--daemonize', 'no',
    '--protected-mode', 'yes',
    '--loglevel', 'warning',
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(options.binary ?? 'redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (c) => (output += c));
  child.stderr?.on('data', (c) => (output += c));
  const spawnError = new Promise<never>((_, reject) => {
    child.once('error', (err) =>
      reject(
        new Error(
          `Could not run redis-server (${(err as NodeJS.ErrnoException).code ?? err.message}). ` +
            'Install it (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) or set REDIS_URL to a running Redis.',
        ),
      ),
    );
    child.once('exit', (code) => reject(new Error(`redis-server exited with code ${code} before it was ready:\n${output}`)));
  });
  const deadline = Date.now() + 10_000;
  const ready = (async () => {
    while (Date.now() < deadline) {
      if (await redisAnswers('127.0.0.1', port, 200)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server on port ${port} did not answer within 10 s:\n${output}`);
  })();
  try {
    await Promise.race([ready, spawnError]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  spawnError.catch(() => undefined);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}

/**
 * The Redis `npm start` uses: REDIS_URL when set; else one answering on
 * 127.0.0.1:6379; else a redis-server we start ourselves with data under
 * `dataDir` and AOF on, stopped again on exit.
 */
export async function resolveRedis(
  configuredUrl: string | undefined,
  dataDir: string,
  log: (msg: string) => void,
): Promise<{ url: string; embedded: RedisServerHandle | null }> {
  if (configuredUrl) return { url: configuredUrl, embedded: null };
  if (await redisAnswers('127.0.0.1', 6379)) {
    log('REDIS_URL is not set; using the Redis answering on 127.0.0.1:6379');
    return { url: 'redis://127.0.0.1:6379', embedded: null };
  }
  log(`REDIS_URL is not set and nothing answers on 127.0.0.1:6379; starting redis-server (data in ${dataDir}, AOF on)`);
  const embedded = await startRedisServer({ port: 6379, dataDir, appendOnly: true });
  return { url: embedded.url, embedded };
}
