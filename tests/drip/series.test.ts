// The whole sciatica series in seconds (DRIP_INTERVAL=1s), through the real
// scheduler tick and send worker (BullMQ, in process) and the Resend SDK
// against the fake Resend server.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransientDeliveryError } from '../../src/delivery/errors';
import { ResendTransport } from '../../src/delivery/resend';
import type { Transport } from '../../src/delivery/transport';
import { ruleFromConfig, runTick } from '../../src/drip/scheduler';
import { processSendBatch } from '../../src/drip/sender';
import { DripStore } from '../../src/drip/store';
import { startWorkers, type WorkerSet } from '../../src/runtime/workers';
import { createTestApp, type TestApp } from '../support/app';
import { acceptedSteps, RecordingTransport, seedSubscribers, SERIES, SERIES_STEPS, sleep, startSeriesOnFake, waitFor } from '../support/drip';
import { startFakeResend, type FakeResend } from '../support/fake-resend';

const META = { ip: null, userAgent: null };
const ENV = { DRIP_INTERVAL: '1s', SCHEDULER_TICK: '200ms', RESEND_RATE_LIMIT: '50' };

describe('drip series end to end', () => {
  let fake: FakeResend;
  let t: TestApp;
  let close: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ fake, t, close } = await startSeriesOnFake('series', ENV));
  });
  afterAll(async () => {
    await close?.();
  });

  const stepsTo = (address: string) => acceptedSteps(fake, address);

  it('delivers every step once, in order, with tags and List-Unsubscribe; unsubscribe, pause, erase and unticking stop it', async () => {
    const [full, unsub, paused, erased, unticked, full2] = await seedSubscribers(t.core, 6, { label: 'series' });
    const all = [full!, unsub!, paused!, erased!, unticked!, full2!];
    await waitFor(() => all.every((s) => stepsTo(s.email).length >= 1), 20_000, () => JSON.stringify(all.map((s) => stepsTo(s.email))));

    // Right after the welcome (the next step is due a second later):
    await t.core.service.unsubscribe((await t.core.store.get(unsub!.id))!, 'test', META);
    await t.core.service.pause((await t.core.store.get(paused!.id))!, 7, META);
    await t.core.store.erase(erased!.id);
    const left = await t.core.service.savePreferences((await t.core.store.get(unticked!.id))!, ['newsletter'], META);
    expect(left).toEqual({ topics: ['newsletter'] });

    await waitFor(
      () => stepsTo(full!.email).length >= 4 && stepsTo(full2!.email).length >= 4,
      30_000,
      () => JSON.stringify(stepsTo(full!.email)),
    );
    await sleep(2500); // anything that would still go out, would by now
    expect(stepsTo(full!.email)).toEqual([...SERIES_STEPS]);
    expect(stepsTo(full2!.email)).toEqual([...SERIES_STEPS]);
    expect(stepsTo(unsub!.email)).toEqual(['welcome']);
    expect(stepsTo(paused!.email)).toEqual(['welcome']);
    expect(stepsTo(erased!.email)).toEqual(['welcome']);
    expect(stepsTo(unticked!.email)).toEqual(['welcome']);

    for (const e of fake.emails().filter((x) => x.to.includes(full!.email))) {
      const tags = Object.fromEntries(e.tags.map((tag) => [tag.name, tag.value]));
      expect(tags.sequence).toBe(SERIES);
      expect(tags.send).toBe(`${full!.id}_${tags.step}`);
      const headerNames = Object.keys(e.headers).map((h) => h.toLowerCase());
      expect(headerNames).toContain('list-unsubscribe');
      expect(headerNames).toContain('list-unsubscribe-post');
      const lu = Object.entries(e.headers).find(([k]) => k.toLowerCase() === 'list-unsubscribe')![1];
      expect(lu).toMatch(/^<https:\/\/clinic\.example\/unsubscribe\/[^>]+>/);
    }
    const ledger = await t.core.store.exportData(full!.id);
    expect(ledger!.sends.map((s) => s.step)).toEqual(SERIES_STEPS.map((s) => `${SERIES}/${s}`));
    expect((await t.core.store.get(full!.id))!.sequence).toBeNull();
    expect(await t.core.store.exportData(erased!.id)).toBeNull();

    // The paused subscriber gets the rest once resumed, each step once.
    await t.core.service.resume((await t.core.store.get(paused!.id))!, META);
    await waitFor(() => stepsTo(paused!.email).length >= 4, 30_000, () => JSON.stringify(stepsTo(paused!.email)));
    await sleep(1500);
    expect(stepsTo(paused!.email)).toEqual([...SERIES_STEPS]);
    expect(stepsTo(unsub!.email)).toEqual(['welcome']);
    expect(stepsTo(unticked!.email)).toEqual(['welcome']);
  }, 90_000);
});

describe('status is checked at send time', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sendtime', ENV);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a claimed batch does not send to a member who unsubscribed before the job ran', async () => {
    const [stay, leave, pausing] = await seedSubscribers(t.core, 3, { label: 'sendtime' });
    const drip = new DripStore(t.core.redis, t.core.keys);
    const rule = ruleFromConfig(t.config);
    const logger = pino({ level: 'silent' });
    const enqueued: string[] = [];
    const tick = await runTick(
      { drip, subscribers: t.core.store, rule, logger, enqueue: async (ids) => void enqueued.push(...ids), jobExists: async () => false },
      Date.now(),
    );
    expect(tick.claimed).toBe(3);
    expect(enqueued).toHaveLength(1);

    await t.core.service.unsubscribe(leave!, 'test', META);
    await t.core.service.pause(pausing!, 7, META);

    const transport = new RecordingTransport();
    const deps = { drip, subscribers: t.core.store, transport, renderContext: t.core.renderContext, from: t.config.emailFrom, rule, logger, metrics: t.core.metrics };
    const result = await processSendBatch(enqueued[0]!, deps, Date.now());
    expect(result).toMatchObject({ status: 'completed', sent: 1, skipped: 1, requeued: 1 });
    expect(transport.sent.map((e) => e.to)).toEqual([stay!.email]);
    expect(await drip.sendLedger(leave!.id)).toEqual({});
    expect(await drip.sendLedger(pausing!.id)).toEqual({});
    expect(Object.keys(await drip.sendLedger(stay!.id))).toEqual([`${SERIES}/welcome`]);
    // The paused one waits in the due index until the pause ends; the unsubscribed one is gone.
    expect(await t.core.redis.zscore(t.core.keys.due, leave!.id)).toBeNull();
    expect(Number(await t.core.redis.zscore(t.core.keys.due, pausing!.id))).toBeGreaterThan(Date.now() + 6 * 86_400_000);

    // Running the same job again (a retry after completion) sends nothing.
    expect(await processSendBatch(enqueued[0]!, deps, Date.now())).toEqual({ status: 'already-complete' });
    expect(transport.sent).toHaveLength(1);
  });
});

describe('a subscriber due again while still in a retrying batch', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('inflight', ENV);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is not claimed into a second batch for the same step (pause + resume during a retry)', async () => {
    const [s] = await seedSubscribers(t.core, 1, { label: 'inflight' });
    const drip = new DripStore(t.core.redis, t.core.keys);
    const rule = ruleFromConfig(t.config);
    const logger = pino({ level: 'silent' });
    const enqueued: string[] = [];
    const tickDeps = { drip, subscribers: t.core.store, rule, logger, enqueue: async (ids: string[]) => void enqueued.push(...ids), jobExists: async () => true };
    const recording = new RecordingTransport();
    let failNext = true;
    const transport: Transport = {
      name: 'outbox',
      maxBatchSize: 100,
      sendBatch: async (emails, options) => {
        if (failNext) {
          failNext = false;
          throw new TransientDeliveryError('500 from the provider', { code: 'application_error', statusCode: 500, providerMessage: '' });
        }
        return recording.sendBatch(emails, options);
      },
    };
    const deps = { drip, subscribers: t.core.store, transport, renderContext: t.core.renderContext, from: t.config.emailFrom, rule, logger, metrics: t.core.metrics };

    const now = Date.now();
    await runTick(tickDeps, now);
    expect(enqueued).toHaveLength(1);
    // First attempt: the plan is frozen, then the provider fails; the job will retry later.
    await expect(processSendBatch(enqueued[0]!, deps, now)).rejects.toThrow(TransientDeliveryError);
    // Meanwhile the subscriber pauses and resumes: back in the due index, due now.
    await t.core.service.pause((await t.core.store.get(s!.id))!, 7, META);
    await t.core.service.resume((await t.core.store.get(s!.id))!, META);
    expect(await t.core.redis.zscore(t.core.keys.due, s!.id)).not.toBeNull();
    // Ticks run and process whatever they claim; then the retry of the first batch.
    for (let i = 1; i <= 3; i++) {
      const before = enqueued.length;
      await runTick(tickDeps, now + i * 100);
      for (const id of enqueued.slice(before)) await processSendBatch(id, deps, now + i * 100);
    }
    expect(await processSendBatch(enqueued[0]!, deps, now + 500)).toMatchObject({ status: 'completed', sent: 1 });
    expect(recording.sent.map((e) => e.step)).toEqual(['welcome']);
    // The series goes on normally afterwards.
    for (let i = 1; i <= 40 && recording.sent.length < 4; i++) {
      const at = now + 500 + i * 31_000;
      const before = enqueued.length;
      await runTick(tickDeps, at);
      for (const id of enqueued.slice(before)) await processSendBatch(id, deps, at);
    }
    expect(recording.sent.map((e) => e.step)).toEqual([...SERIES_STEPS]);
  });
});

describe('provider quota exhausted', () => {
  let fake: FakeResend;
  let t: TestApp;
  let workers: WorkerSet;
  beforeAll(async () => {
    fake = await startFakeResend();
    t = await createTestApp('quota', ENV, { transport: new ResendTransport({ apiKey: fake.apiKey, baseUrl: fake.url }) });
  });
  afterAll(async () => {
    await workers?.close();
    await t?.close();
    await fake?.stop();
  });

  it('parks the batch until the quota resets, keeps the alert gauge up meanwhile, then sends once', async () => {
    fake.injectQuotaExceeded('daily', 1, 3);
    const [s] = await seedSubscribers(t.core, 1, { label: 'quota' });
    workers = await startWorkers(t.core, { scheduler: true, sender: true });
    const parked = async () => (await t.core.metrics.quotaParked.get()).values[0]?.value ?? 0;
    await waitFor(() => fake.requests().some((r) => r.errorName === 'daily_quota_exceeded'), 20_000, () => 'no quota error seen');
    await sleep(300);
    expect(await parked()).toBe(1);
    expect(acceptedSteps(fake, s!.email)).toEqual([]);
    await waitFor(() => acceptedSteps(fake, s!.email).length >= 1, 20_000, () => 'never sent after the quota reset');
    expect(acceptedSteps(fake, s!.email)).toEqual(['welcome']);
    await waitFor(async () => (await parked()) === 0, 5_000, () => 'gauge still up');
  }, 60_000);
});
