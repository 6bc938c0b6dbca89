import { describe, expect, it } from 'vitest';
import { SEQUENCES, sequencesForTopics } from '../../src/content/sequences';
import { isTopicId } from '../../src/content/topics';
import { TEMPLATES, isTemplateId } from '../../src/render/templates';
import { defineSequence, nextStep, SequenceDefinitionError, stepDelayMs, type SequenceStep } from '../../src/sequences/types';

describe('the sciatica series', () => {
  const series = SEQUENCES['sciatica-series'];

  it('is welcome now, then one email per drip interval', () => {
    expect(series.topic).toBe('sciatica-series');
    expect(isTopicId(series.topic)).toBe(true);
    expect(series.steps.map((s) => [s.id, s.template, s.offset])).toEqual([
      ['welcome', 'welcome', 0],
      ['mechanisms', 'mechanisms', 1],
      ['medication-free-relief', 'medication-free-relief', 2],
      ['lasting-effects', 'lasting-effects', 3],
    ]);
  });

  it('takes every subject from the template registry (one source of truth)', () => {
    for (const step of series.steps) {
      expect(isTemplateId(step.template)).toBe(true);
      expect(step.subject).toBe(TEMPLATES[step.template].subject);
    }
    expect(new Set(series.steps.map((s) => s.subject)).size).toBe(series.steps.length);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(series)).toBe(true);
    expect(Object.isFrozen(series.steps[0])).toBe(true);
  });

  it('is found by topic', () => {
    expect(sequencesForTopics(['sciatica-series']).map((s) => s.id)).toEqual(['sciatica-series']);
    expect(sequencesForTopics(['newsletter'])).toEqual([]);
  });

  it('walks step by step and scales offsets by the drip interval', () => {
    expect(nextStep(series, null)?.id).toBe('welcome');
    expect(nextStep(series, 'welcome')?.id).toBe('mechanisms');
    expect(nextStep(series, 'lasting-effects')).toBeNull();
    expect(() => nextStep(series, 'nope')).toThrow(/no step/);
    const week = 7 * 24 * 3600 * 1000;
    expect(series.steps.map((s) => stepDelayMs(s, week))).toEqual([0, week, 2 * week, 3 * week]);
  });
});

describe('defineSequence', () => {
  const step = (id: string, offset: number): SequenceStep => ({ id, template: 'welcome', subject: 'Hello', offset });
  const define = (steps: SequenceStep[], id = 'series') => defineSequence({ id, topic: 'sciatica-series', steps });

  it('rejects bad ids, duplicates, decreasing or fractional offsets and empty sequences', () => {
    expect(() => define([step('a b', 0)])).toThrow(SequenceDefinitionError);
    expect(() => define([step('a:b', 0)])).toThrow(/letters, digits/);
    expect(() => define([step('a', 0), step('a', 1)])).toThrow(/twice/);
    expect(() => define([step('a', 2), step('b', 1)])).toThrow(/must not decrease/);
    expect(() => define([step('a', 0.5)])).toThrow(/whole number/);
    expect(() => define([step('a', -1)])).toThrow(/whole number/);
    expect(() => define([])).toThrow(/at least one step/);
    expect(() => define([step('a', 0)], 'bad id')).toThrow(/id must be/);
    expect(() => define([{ ...step('a', 0), subject: 'two\nlines' }])).toThrow(/subject/);
    expect(define([step('a', 0), step('b', 0), step('c', 5)]).steps).toHaveLength(3);
  });
});
