// The batch path (render once, splice per recipient) must give exactly the same
// bytes as a full React render per recipient, for any recipient.
import { describe, expect, it } from 'vitest';
import { createPersonaliser, displayName, escapeHtml, renderEmail } from '../../src/render/render';
import { textPart } from '../../src/render/text';
import { TEMPLATE_IDS, type TemplateId } from '../../src/render/templates';
import type { Recipient } from '../../src/render/types';
import { seededRandom } from '../support/random';
import { context, links, recipient } from './fixtures';

const NONCE = 'zqfixednonce0001';
/** Exactly what the personaliser uses as placeholders with NONCE (see createPersonaliser). */
const SENTINELS = [`${NONCE}n`, `https://${NONCE}u.invalid/u`, `https://${NONCE}p.invalid/p`, `https://${NONCE}c.invalid/c`];

// Pieces that have broken naive templating before: markup, entities, quotes,
// String.replace patterns, emoji (with ZWJ, skin tones, flags), right-to-left
// text and bidi controls, combining marks, every kind of white space, control
// characters, lone surrogates, and the placeholders themselves.
const FRAGMENTS = [
  'Maria', 'José', 'Zoë', 'O’Brien', "O'Neil", 'Anne-Marie', 'van der Berg', 'Łukasz', 'Søren', 'Nguyễn', '李小龙', 'たろう',
  '<', '>', '&', '"', "'", '<b>', '</p>', '<script>alert(1)</script>', '<!-- -->', ']]>', '&amp;', '&lt;', '&#x27;', '&nbsp;',
  '$&', '$1', '$$', "$'", '$`', '$<name>', '\\', '\\1', '{{name}}', '${name}',
  '😀', '👩🏽‍⚕️', '🇬🇧', '❤️', '🧘‍♀️',
  'שלום', 'مرحبا', '\u202eevil\u202c', '\u200f', '\u200e',
  'e\u0301', 'a\u0308\u0323', '\u0301', 'Z\u0351\u0352\u0357',
  ' ', '  ', '\t', '\n', '\r\n', '\u00a0', '\u200b', '\u2028', '\u3000', '\ufeff',
  '\u0000', '\u0007', '\u001b[31m', '\ud800', '\udc00',
  ...SENTINELS, 'zq0123456789abcdefn', 'https://zqzzzzu.invalid/u',
];

function randomName(rand: () => number): string | null {
  const roll = rand();
  if (roll < 0.08) return null;
  if (roll < 0.12) return '';
  if (roll < 0.16) return ' \t\u200b\n ';
  if (roll < 0.2) return 'Bartholomew'.repeat(1 + Math.floor(rand() * 40)); // very long
  const parts: string[] = [];
  const n = 1 + Math.floor(rand() * 6);
  for (let i = 0; i < n; i++) parts.push(FRAGMENTS[Math.floor(rand() * FRAGMENTS.length)]!);
  return parts.join(rand() < 0.5 ? '' : ' ');
}

function randomRecipient(rand: () => number, i: number): Recipient {
  const id = `sub_${i}_${Math.floor(rand() * 1e9).toString(36)}`;
  const canonical = `user${i}.${Math.floor(rand() * 1e6)}@example.com`;
  // Confirm URLs come from the caller: include characters HTML must escape and replacement patterns.
  const confirmUrl =
    rand() < 0.5
      ? links.confirmUrl(id, canonical, 1_767_000_000_000 + i)
      : `https://clinic.example/confirm/${i}?a=1&b="x"&c='y'&d=<z>&e=$&&f=$1`;
  return { subscriberId: id, email: canonical, canonical, firstName: randomName(rand), confirmUrl };
}

describe('createPersonaliser', () => {
  it('is byte-identical to a full render for hundreds of random hostile recipients (seeded)', async () => {
    const rand = seededRandom(20261106);
    const perTemplate = 110;
    let compared = 0;
    let fullMs = 0;
    let personalisedMs = 0;
    for (const id of TEMPLATE_IDS) {
      // Fixed nonce, so names can contain the exact placeholder text.
      const personalise = await createPersonaliser(id, context, { sentinelNonce: NONCE });
      for (let i = 0; i < perTemplate; i++) {
        const r = randomRecipient(rand, compared);
        let t = performance.now();
        const full = await renderEmail(id, r, context);
        fullMs += performance.now() - t;
        t = performance.now();
        const fast = personalise(r);
        personalisedMs += performance.now() - t;
        if (fast.html !== full.html || fast.text !== full.text) {
          // A readable failure: which recipient, and where the bytes part.
          const [a, b] = fast.html !== full.html ? [fast.html, full.html] : [fast.text, full.text];
          let at = 0;
          while (at < b.length && a[at] === b[at]) at++;
          throw new Error(`${id}: mismatch for firstName ${JSON.stringify(r.firstName)} near ${JSON.stringify(b.slice(at - 40, at + 40))}`);
        }
        expect(fast).toStrictEqual(full);
        compared++;
      }
    }
    expect(compared).toBe(perTemplate * TEMPLATE_IDS.length);
    console.log(
      `[personalise] ${compared} recipients: full render ${(fullMs / compared).toFixed(2)} ms each, ` +
        `personalised ${((personalisedMs / compared) * 1000).toFixed(1)} µs each`,
    );
  }, 180_000); // hundreds of full React renders: minutes on a loaded 2-core machine, a correctness check, not a timing one

  it('refuses a template whose heading holds a personal field (the underline would depend on it)', async () => {
    const issue = { ...context.newsletter!, articles: [{ heading: `Notes for ${SENTINELS[0]}`, text: 'A short note.' }] };
    await expect(createPersonaliser('newsletter', { ...context, newsletter: issue }, { sentinelNonce: NONCE })).rejects.toThrow(
      /heading holds a personal field/,
    );
    // The same marker outside a heading is a personal value like any other.
    expect(textPart(`<h2>Notes</h2><p>Hello ${SENTINELS[0]},</p>`, 'Preheader', { personalMarker: NONCE })).toBe(
      `Preheader\n\nNotes\n-----\n\nHello ${SENTINELS[0]},`,
    );
  });

  it('handles the classic traps the same way in both paths', async () => {
    const traps = [
      '$&', '$1$2', "$'$`", '$$', '<script>alert("x")</script>', '&amp;', 'Zoë 🌸', 'שלום עליכם', 'e\u0301\u0301', 'x'.repeat(5000),
      ...SENTINELS, SENTINELS.join(''), `${NONCE}`,
    ];
    for (const id of ['welcome', 'confirm'] as TemplateId[]) {
      const personalise = await createPersonaliser(id, context, { sentinelNonce: NONCE });
      for (const firstName of traps) {
        const r = recipient({ firstName });
        expect(personalise(r)).toStrictEqual(await renderEmail(id, r, context));
      }
    }
  });

  it('puts names that look like placeholders into the email literally, once', async () => {
    const personalise = await createPersonaliser('welcome', context, { sentinelNonce: NONCE });
    const name = `${SENTINELS[0]} ${SENTINELS[1]}`;
    const email = personalise(recipient({ firstName: name }));
    expect(email.text).toContain(`Hello ${name},`);
    // The unsubscribe placeholder inside the name was not replaced by the URL.
    expect(email.text.split(SENTINELS[1]!).length).toBe(2);
  });

  it('gives the same bytes across personalisers (the random nonce never leaks)', async () => {
    const r = recipient({ firstName: 'Maria' });
    const a = (await createPersonaliser('mechanisms', context))(r);
    const b = (await createPersonaliser('mechanisms', context))(r);
    expect(a).toStrictEqual(b);
    expect(a.html).not.toMatch(/zq[0-9a-f]{18}/);
  });

  it('refuses recipients the full render refuses', async () => {
    const personalise = await createPersonaliser('confirm', context);
    const r = recipient({ confirmUrl: undefined });
    await expect(renderEmail('confirm', r, context)).rejects.toThrow(/confirmUrl/);
    expect(() => personalise(r)).toThrow(/confirmUrl/);
    expect(() => personalise(recipient({ confirmUrl: 'javascript:alert(1)' }))).toThrow(/absolute http/);
  });
});

describe('escapeHtml', () => {
  it('matches React for every ASCII character and a few non-ASCII ones', async () => {
    const all = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('') + 'é€😀';
    const r = recipient({ firstName: `x${all}` });
    const full = await renderEmail('welcome', r, context);
    expect(full.html).toContain(`Hello ${escapeHtml(displayName(`x${all}`)!)},`);
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#x27;&amp;&#x27;&lt;/a&gt;');
  });
});

describe('displayName', () => {
  it('cleans names and falls back for empty or letterless ones', () => {
    expect(displayName(null)).toBeNull();
    expect(displayName('   ')).toBeNull();
    expect(displayName('\u200b\t')).toBeNull();
    expect(displayName('<>&')).toBeNull();
    expect(displayName('  Anne \n\t Marie  ')).toBe('Anne Marie');
    expect(displayName('A\u0000B')).toBe('A B');
    expect(displayName('x\ud800')).toBe('x\ufffd');
    const long = displayName('👩🏽‍⚕️a'.repeat(100))!;
    expect([...new Intl.Segmenter().segment(long)].length).toBe(60);
    expect(long.startsWith('👩🏽‍⚕️a')).toBe(true);
    // At the edge of the cap: 60 kept whole, 61 cut to 60, and a cut that ends on a space is trimmed.
    expect(displayName('b'.repeat(60))).toBe('b'.repeat(60));
    expect(displayName('c'.repeat(61))).toBe('c'.repeat(60));
    expect(displayName(`${'d'.repeat(59)} e`)).toBe('d'.repeat(59));
    expect(displayName('é'.repeat(30) + 'é'.repeat(40))).toBe('é'.repeat(30) + 'é'.repeat(30));
  });
});
