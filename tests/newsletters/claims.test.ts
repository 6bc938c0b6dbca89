import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLAIM_NAMES, findHealthClaims, unacknowledged } from '../../src/newsletters/claims';
import { parseIssueMarkdown } from '../../src/newsletters/markdown';
import { renderEmail } from '../../src/render/render';
import { TEMPLATE_IDS } from '../../src/render/templates';
import { context, recipient } from '../render/fixtures';

describe('health-claims check', () => {
  it('flags absolute medical claims with their line', () => {
    const text = [
      'Acupuncture cures sciatica.', // 1
      'Results guaranteed!', // 2
      'Permanent relief in three sessions.', // 3
      'No side effects at all, clinically proven.', // 4
      'A miracle treatment that is completely safe.', // 5
      'Instant relief that works for everyone.', // 6
      'It eliminates sciatic pain and is side-effect-free.', // 7
      'Your pain gone for good.', // 8
    ].join('\n');
    const found = findHealthClaims(text).map((f) => `${f.line} ${f.claim}`);
    expect(found).toEqual([
      '1 cure',
      '2 guaranteed',
      '3 permanent relief',
      '4 no side effects',
      '4 clinically proven',
      '5 miracle',
      '5 risk-free',
      '6 instant relief',
      '6 works for everyone',
      '7 eliminates pain',
      '7 no side effects',
      '8 permanent relief',
    ]);
    expect(new Set(found.map((f) => f.split(' ').slice(1).join(' ')))).toEqual(new Set(CLAIM_NAMES));
  });

  it('leaves careful wording alone', () => {
    const careful = [
      'Acupuncture is not a cure for sciatica.',
      'We cannot guarantee results; they vary from person to person.',
      'Relief without the side effects of medication.',
      'Mild soreness is a common side effect.',
      'Studies suggest it may ease pain for some people.',
      'Please seek urgent medical care if your leg goes weak.',
    ].join('\n');
    expect(findHealthClaims(careful)).toEqual([]);
  });

  it('blocks until each claim is acknowledged by name in the front matter', () => {
    const source = '---\ntitle: T\nacknowledgedClaims:\n  - no side effects\n---\nIntro\n\n## A\n\nNo side effects, and it cures pain.\n';
    const parsed = parseIssueMarkdown(source, 'newsletters/x.md');
    expect(parsed.claims.map((c) => `${c.line} ${c.claim}`)).toEqual(['10 no side effects', '10 cure']);
    expect(parsed.blockingClaims.map((c) => c.claim)).toEqual(['cure']);
    expect(unacknowledged(parsed.claims, ['cure', 'no side effects'])).toEqual([]);
  });

  it('finds nothing unacknowledged in any drip template', async () => {
    for (const id of TEMPLATE_IDS.filter((t) => t !== 'newsletter')) {
      const email = await renderEmail(id, recipient(), context);
      const findings = findHealthClaims(`${email.subject}\n${email.preheader}\n${email.text}`);
      expect(findings, `${id}: ${findings.map((f) => f.phrase).join(', ')}`).toEqual([]);
      // And the check would see it if one were there.
      expect(findHealthClaims(`${email.text}\nThis cures sciatica.`).length).toBeGreaterThan(0);
    }
    // The template sources too (copy that only shows in some variants).
    for (const id of TEMPLATE_IDS) {
      const source = readFileSync(`emails/${id}.tsx`, 'utf8');
      const copy = source.split('\n').filter((l) => !/^\s*(\/\/|import|export const reason)/.test(l)).join('\n');
      expect(findHealthClaims(copy).map((f) => `${id}:${f.line} ${f.phrase}`)).toEqual([]);
    }
  });
});
