// Issue 7 §5: pausing, then unticking and re-ticking the series topic, used to
// leave the reader paused and out of the due index for good.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPIC_IDS } from '../../src/content/topics';
import { createTestApp, type TestApp } from '../support/app';
import { seedSubscribers, SERIES } from '../support/drip';

const META = { ip: null, userAgent: null };

describe('pause, then untick and re-tick the series topic', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('pausetopic', {}, { sender: false });
  });
  afterAll(() => t?.close());

  it('keeps the due entry at the end of the pause, where the tick resumes the reader', async () => {
    const [s] = await seedSubscribers(t.core, 1, { label: 'pt' });
    const { service, store, redis, keys } = t.core;
    expect(await service.pause(s!, '7', META)).toMatchObject({ until: expect.any(Number) });
    const paused = (await store.get(s!.id))!;
    expect(paused.status).toBe('paused');

    const without = TOPIC_IDS.filter((id) => id !== SERIES);
    await service.savePreferences(paused, without, META);
    expect(await redis.zscore(keys.due, s!.id)).toBeNull(); // the series stops while its topic is unticked

    await service.savePreferences((await store.get(s!.id))!, [...TOPIC_IDS], META);
    const after = (await store.get(s!.id))!;
    expect(after).toMatchObject({ status: 'paused', sequence: SERIES, step: 'welcome', pausedUntil: paused.pausedUntil });
    expect(Number(await redis.zscore(keys.due, s!.id))).toBe(paused.pausedUntil);
  });

  it('an active reader who re-ticks is due at once, as before', async () => {
    const [s] = await seedSubscribers(t.core, 1, { label: 'pa' });
    const { service, store, redis, keys } = t.core;
    await service.savePreferences(s!, TOPIC_IDS.filter((id) => id !== SERIES), META);
    expect(await redis.zscore(keys.due, s!.id)).toBeNull();
    const before = Date.now();
    await service.savePreferences((await store.get(s!.id))!, [...TOPIC_IDS], META);
    expect(Number(await redis.zscore(keys.due, s!.id))).toBeGreaterThanOrEqual(before);
  });
});
