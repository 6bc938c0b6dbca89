import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IssueFileError, parseIssueMarkdown, slugOfFile } from '../../src/newsletters/markdown';
import { renderEmail } from '../../src/render/render';
import { context, recipient } from '../render/fixtures';

const FILE = 'newsletters/test.md';

const good = `---
subject: A week at the clinic
preheader: Short reads.
title: Notes from the clinic
cta:
  text: Talk to us about your back.
  label: Book
---

First intro paragraph,
still the first.

Second intro paragraph with *emphasis* and \`code\`.

## Desk habits

![A desk with a chair](https://clinic.example/desk.jpg "536x300")

Stand up every half hour.

- feet flat
- back supported

[Read more](https://clinic.example/desk)

## Opening hours

Open until 8 pm on Tuesdays.
`;

function problemsOf(source: string): string[] {
  try {
    parseIssueMarkdown(source, FILE);
  } catch (err) {
    expect(err).toBeInstanceOf(IssueFileError);
    return (err as IssueFileError).message.split('\n');
  }
  throw new Error('expected the issue to be refused');
}

describe('newsletter issues as Markdown', () => {
  it('maps front matter, intro, sections, images, links and lists onto the schema', () => {
    const { issue, claims, blockingClaims } = parseIssueMarkdown(good, FILE);
    expect(issue.subject).toBe('A week at the clinic');
    expect(issue.title).toBe('Notes from the clinic');
    expect(issue.intro).toBe('First intro paragraph, still the first.\n\nSecond intro paragraph with emphasis and code.');
    expect(issue.articles).toHaveLength(2);
    expect(issue.articles[0]).toEqual({
      heading: 'Desk habits',
      text: 'Stand up every half hour.\n\n• feet flat\n\n• back supported',
      image: { src: 'https://clinic.example/desk.jpg', alt: 'A desk with a chair', width: 536, height: 300 },
      link: { href: 'https://clinic.example/desk', label: 'Read more' },
    });
    expect(issue.cta).toEqual({ text: 'Talk to us about your back.', label: 'Book' });
    expect(claims).toEqual([]);
    expect(blockingClaims).toEqual([]);
  });

  it('names file, line and field for every kind of mistake', () => {
    const cases: [string, string, RegExp][] = [
      ['no front matter', 'Hello\n', /^newsletters\/test\.md:1: front matter: the file must start with front matter/],
      ['JavaScript front matter is never evaluated', '---js\n{ title: (() => { throw 1 })() }\n---\nHi\n', /:1: front matter: front matter must be YAML/],
      ['broken YAML', '---\ntitle: Hi\nsubject: [oops\n---\nHi\n', /:\d+: front matter: is not valid YAML/],
      ['unknown field', '---\ntitle: Hi\nsubjet: typo\n---\nIntro\n\n## A\n\nText\n', /:3: subjet: is not a known front matter field/],
      ['missing title', '---\nsubject: S\n---\nIntro\n\n## A\n\nText\n', /:1: title: is missing/],
      ['subject not text', '---\ntitle: T\nsubject: [1, 2]\n---\nIntro\n\n## A\n\nText\n', /:3: subject: subject must be text/],
      ['over-long subject', `---\ntitle: T\nsubject: ${'x'.repeat(130)}\n---\nIntro\n\n## A\n\nText\n`, /:3: subject: subject must be at most 120/],
      ['no intro', '---\ntitle: T\n---\n## A\n\nText\n', /:4: intro: write at least one paragraph/],
      ['no sections', '---\ntitle: T\n---\nIntro only\n', /:4: articles: an issue needs at least one "##" section/],
      ['h1 heading', '---\ntitle: T\n---\nIntro\n\n# Big\n\n## A\n\nText\n', /:6: markdown: a "#" heading is not used/],
      ['h3 heading', '---\ntitle: T\n---\nIntro\n\n## A\n\nText\n\n### Small\n', /:10: markdown: only "##" headings/],
      ['empty section', '---\ntitle: T\n---\nIntro\n\n## A\n\n## B\n\nText\n', /:6: articles\.0\.text: the section "A" has no text/],
      ['image without alt', '---\ntitle: T\n---\nIntro\n\n## A\n\n![](https://clinic.example/a.jpg)\n\nText\n', /:8: articles\.0\.image\.alt: image\.alt must not be empty/],
      ['http image', '---\ntitle: T\n---\nIntro\n\n## A\n\n![Alt](http://clinic.example/a.jpg)\n\nText\n', /:8: articles\.0\.image\.src: .*https/],
      ['bad image size', '---\ntitle: T\n---\nIntro\n\n## A\n\n![Alt](https://clinic.example/a.jpg "big")\n\nText\n', /:8: articles\.0\.image: the image title "big" must be its size/],
      ['two images', '---\ntitle: T\n---\nIntro\n\n## A\n\n![A](https://c.example/a.jpg)\n\n![B](https://c.example/b.jpg)\n\nText\n', /:10: articles\.0\.image: a section has at most one image/],
      ['image in intro', '---\ntitle: T\n---\n![A](https://c.example/a.jpg)\n\nIntro\n\n## A\n\nText\n', /:4: intro: images belong in a "##" section/],
      ['inline link', '---\ntitle: T\n---\nIntro\n\n## A\n\nSee [here](https://c.example) now.\n', /:8: articles\.0\.text: links inside text are not supported/],
      ['http link', '---\ntitle: T\n---\nIntro\n\n## A\n\nText\n\n[Go](http://c.example)\n', /:10: articles\.0\.link\.href: .*https/],
      ['raw HTML block', '---\ntitle: T\n---\nIntro\n\n## A\n\n<script>alert(1)</script>\n\nText\n', /:8: articles\.0: raw HTML is not allowed \(<script>/],
      ['inline raw HTML', '---\ntitle: T\n---\nIntro with <img src=x onerror=alert(1)>\n\n## A\n\nText\n', /:4: intro: raw HTML \(<img/],
      ['code block', '---\ntitle: T\n---\nIntro\n\n## A\n\n```\ncode\n```\n\nText\n', /:8: articles\.0: code blocks are not supported/],
      ['quote', '---\ntitle: T\n---\nIntro\n\n## A\n\n> quoted\n\nText\n', /:8: articles\.0: quotes/],
      ['unknown claim name', '---\ntitle: T\nacknowledgedClaims: [magic]\n---\nIntro\n\n## A\n\nText\n', /:3: acknowledgedClaims\.0: names a claim that is not checked/],
      ['too many sections', `---\ntitle: T\n---\nIntro\n${Array.from({ length: 9 }, (_, i) => `\n## S${i}\n\nText\n`).join('')}`, /:38: articles: at most 8 articles/],
    ];
    for (const [name, source, expected] of cases) {
      const problems = problemsOf(source);
      expect(problems.some((p) => expected.test(p)), `${name}: ${problems.join(' | ')}`).toBe(true);
      for (const p of problems) expect(p, name).toMatch(/^newsletters\/test\.md:\d+: \S/);
    }
  });

  it('lists every problem at once, in line order', () => {
    const problems = problemsOf('---\ntitle: T\nsubjet: x\n---\nIntro <b>x</b>\n\n## A\n\n![](https://c.example/a.jpg)\n\nText\n');
    expect(problems.map((p) => p.split(':')[1])).toEqual(['3', '5', '9']);
  });

  it('never lets <script> reach the html, even escaped into text', async () => {
    const source = '---\ntitle: "<script>alert(1)</script>"\n---\nIntro &lt;script&gt;alert(2)&lt;/script&gt;\n\n## A &lt;script&gt;\n\nText\n';
    const { issue } = parseIssueMarkdown(source, FILE);
    const email = await renderEmail('newsletter', recipient(), { ...context, newsletter: issue });
    expect(email.html).not.toMatch(/<script/i);
    expect(email.html).toContain('&lt;script&gt;alert(1)');
    expect(() => parseIssueMarkdown('---\ntitle: T\n---\nIntro\n\n## A\n\n<script>alert(1)</script>\n', FILE)).toThrow(/raw HTML/);
  });

  it('takes the slug from the file name and refuses odd names', () => {
    expect(slugOfFile('newsletters/2026-12-sitting.md')).toBe('2026-12-sitting');
    expect(() => slugOfFile('newsletters/Big Issue.md')).toThrow(/not a valid issue slug/);
    expect(() => slugOfFile('newsletters/issue.txt')).toThrow(/ends in \.md/);
    expect(() => slugOfFile('newsletters/-x.md')).toThrow(/slug/);
  });

  it('refuses huge and binary files before parsing', () => {
    expect(() => parseIssueMarkdown(`---\ntitle: T\n---\n${'a'.repeat(210 * 1024)}`, FILE)).toThrow(/larger than/);
    expect(() => parseIssueMarkdown('---\ntitle: T\n---\nA\u0000B', FILE)).toThrow(/NUL/);
  });

  it('every issue in newsletters/ parses, has no unacknowledged claims, and renders under the Gmail clip size', async () => {
    const files = readdirSync('newsletters').filter((f) => f.endsWith('.md'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const path = `newsletters/${f}`;
      slugOfFile(path);
      const parsed = parseIssueMarkdown(readFileSync(path, 'utf8'), path);
      expect(parsed.blockingClaims, path).toEqual([]);
      const email = await renderEmail('newsletter', recipient(), { ...context, newsletter: parsed.issue });
      expect(Buffer.byteLength(email.html)).toBeLessThan(102 * 1024);
      // The layout carries the medical disclaimer.
      expect(email.text).toMatch(/not medical advice|general information/i);
    }
  });
});
