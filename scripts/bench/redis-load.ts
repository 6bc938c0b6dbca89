// What Redis did during a bench window: commands processed (client commands
// and the commands Lua scripts run inside, which Redis counts too), scripts
// run, and the CPU time Redis itself spent. Per email, these say how many
// sends one Redis core can carry.
import type { Redis } from 'ioredis';

export interface RedisLoad {
  /** total_commands_processed: every command, including those run inside scripts. */
  commands: number;
  /** EVAL/EVALSHA calls (Meridian's scripts and BullMQ's). */
  scripts: number;
  /** Commands other than scripts run by clients or inside scripts, by name (top ones kept). */
  byCommand: Record<string, number>;
  /** used_cpu_sys + used_cpu_user, in seconds. */
  cpuSeconds: number;
}

export async function redisLoad(redis: Redis): Promise<RedisLoad> {
  const [stats, commandstats, cpu] = await Promise.all([redis.info('stats'), redis.info('commandstats'), redis.info('cpu')]);
  const num = (text: string, field: string) => Number(new RegExp(`^${field}:([\\d.]+)`, 'm').exec(text)?.[1] ?? NaN);
  const byCommand: Record<string, number> = {};
  for (const m of commandstats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) byCommand[m[1]!] = Number(m[2]);
  return {
    commands: num(stats, 'total_commands_processed'),
    scripts: (byCommand.evalsha ?? 0) + (byCommand.eval ?? 0),
    byCommand,
    cpuSeconds: num(cpu, 'used_cpu_sys') + num(cpu, 'used_cpu_user'),
  };
}

/** after - before, per email. */
export function perEmail(before: RedisLoad, after: RedisLoad, emails: number): RedisLoad {
  const byCommand: Record<string, number> = {};
  for (const [name, calls] of Object.entries(after.byCommand)) {
    const d = calls - (before.byCommand[name] ?? 0);
    if (d > 0) byCommand[name] = d / emails;
  }
  return {
    commands: (after.commands - before.commands) / emails,
    scripts: (after.scripts - before.scripts) / emails,
    byCommand,
    cpuSeconds: (after.cpuSeconds - before.cpuSeconds) / emails,
  };
}

/** "2.9 commands (0.04 scripts), 41 µs Redis CPU per email; top: hget 0.9, ..." */
export function describeLoad(load: RedisLoad): string {
  const top = Object.entries(load.byCommand)
    .filter(([name]) => name !== 'info')
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([name, n]) => `${name} ${n.toFixed(2)}`)
    .join(', ');
  return `${load.commands.toFixed(2)} commands (${load.scripts.toFixed(3)} scripts), ${(load.cpuSeconds * 1e6).toFixed(1)} µs Redis CPU per email; most: ${top}`;
}
