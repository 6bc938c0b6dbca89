// Real `npm run worker` / `npm run web` processes for the bench, each in its
// own process group so stopping one stops npm, tsx and node together.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface BenchProcess {
  readonly pid: number;
  /** Date.now() when it printed its ready line. */
  readonly readyAt: number;
  /** Lines it printed at warn level or above (pino level >= 40), for the bench's notes. */
  readonly problems: string[];
  stop(): Promise<void>;
}

/**
 * CPU seconds (user + system) used so far by every live process in a process
 * group (npm, tsx and node of one BenchProcess), from /proc. Linux only; 0 elsewhere.
 */
export function groupCpuSeconds(pgid: number): number {
  let ticks = 0;
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return 0;
  }
  for (const pid of entries) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces) start at state: pgrp is the 3rd, utime the 12th, stime the 13th.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[2]) === pgid) ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // gone meanwhile
    }
  }
  return ticks / 100; // USER_HZ is 100 on Linux
}

/** CPU seconds (user + system) one process has used so far, from /proc. Linux only; 0 elsewhere. */
export function pidCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds the whole machine has spent running anything (every core, every process: user, nice, system, irq, softirq in /proc/stat). Linux only; 0 elsewhere. */
export function machineBusySeconds(): number {
  try {
    const [user, nice, system, , , irq, softirq] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0)) / 100;
  } catch {
    return 0;
  }
}

/** Runs `npm run <script>` and resolves once a stdout line contains `readyText`. */
export async function startNpm(
  script: 'worker' | 'web',
  env: Record<string, string>,
  readyText: string,
  timeoutMs = 60_000,
  /** Sees every stdout line (the bench reads figures the process logs, such as its heap). */
  onLine?: (line: string) => void,
): Promise<BenchProcess> {
  const child: ChildProcess = spawn('npm', ['run', '--silent', script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const problems: string[] = [];
  let buffered = '';
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const readyAt = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm run ${script} did not print "${readyText}" within ${timeoutMs} ms`)), timeoutMs);
    let ready = false;
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (!ready && line.includes(readyText)) {
          ready = true;
          clearTimeout(timer);
          resolve(Date.now());
        }
        onLine?.(line);
        if (/"level":(4|5|6)\d/.test(line) && problems.length < 20) problems.push(line.slice(0, 400));
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      if (problems.length < 20) problems.push(chunk.toString().slice(0, 400));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`npm run ${script} exited with ${code} before it was ready: ${problems.join(' | ')}`));
    });
  });
  return {
    pid: child.pid!,
    readyAt,
    problems,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
