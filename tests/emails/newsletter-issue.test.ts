import { describe, expect, it } from 'vitest';
import { previewProps } from '../../emails/newsletter';
import { NewsletterIssueError, NewsletterIssueSchema, paragraphs, parseNewsletterIssue } from '../../src/newsletters/issue';
import { createPersonaliser, renderEmail } from '../../src/render/render';
import { context, issue, recipient } from '../render/fixtures';

const json = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

describe('NewsletterIssue', () => {
  it('accepts a well-formed issue written as JSON, and the preview sample on an https site', () => {
    expect(parseNewsletterIssue(json(issue))).toEqual(issue);
    const sample = previewProps({ ...context.brand, publicUrl: 'https://news.harbourside.test' }).issue;
    expect(() => NewsletterIssueSchema.parse(sample)).not.toThrow();
    expect(sample.articles[0]?.link?.href).toBe('https://news.harbourside.test/articles/sitting-well');
  });

  it('rejects unsafe links, missing alt text, header injection and unknown fields, listing every problem', () => {
    const bad = json(issue) as { subject: string; articles: Record<string, unknown>[]; extra?: number };
    bad.subject = 'Hello\r\nBcc: everyone@example.com';
    bad.articles[0] = {
      heading: 'A',
      text: 'B',
      image: { src: 'http://tracker.example/pixel.gif', alt: '' },
      link: { href: 'javascript:alert(1)', label: 'Click' },
    };
    bad.articles[1] = { heading: 'x', text: 'y', colour: 'red' };
    bad.extra = 1;
    let error: unknown;
    try {
      parseNewsletterIssue(bad);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(NewsletterIssueError);
    const problems = (error as NewsletterIssueError).problems.join('\n');
    expect(problems).toMatch(/subject: subject must be a single line/);
    expect(problems).toMatch(/articles\.0\.image\.src: .*https/);
    expect(problems).toMatch(/articles\.0\.image\.alt/);
    expect(problems).toMatch(/articles\.0\.link\.href: .*https/);
    expect(problems).toMatch(/colour|Unrecognized/i);
    expect(problems).toMatch(/extra|Unrecognized/i);
    expect(() => parseNewsletterIssue({ ...issue, articles: [] })).toThrow(/at least one article/);
    expect(() => parseNewsletterIssue('{}')).toThrow(NewsletterIssueError);
  });

  it('splits text into paragraphs at blank lines', () => {
    expect(paragraphs('One\nstill one\n\n  Two  \n \n\nThree')).toEqual(['One\nstill one', 'Two', 'Three']);
  });

  it('escapes hostile issue content in html and keeps it readable in text', async () => {
    const hostile = {
      ...issue,
      title: '<script>alert(1)</script> & "friends"',
      articles: [{ heading: "Tom's <b>tips</b>", text: 'a < b && c > d' }],
    };
    const email = await renderEmail('newsletter', recipient(), { ...context, newsletter: hostile });
    expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;friends&quot;');
    expect(email.html).not.toContain('<script>');
    expect(email.text).toContain('<script>alert(1)</script> & "friends"');
    expect(email.text).toContain("Tom's <b>tips</b>");
    expect(email.text).toContain('a < b && c > d');
  });

  it('uses the template defaults when the issue has no subject or preheader, and refuses to render without an issue', async () => {
    const { subject: _s, preheader: _p, ...rest } = issue;
    const email = await renderEmail('newsletter', recipient(), { ...context, newsletter: rest });
    expect(email.subject).toBe('This week at the clinic');
    expect(email.preheader.length).toBeGreaterThan(10);
    const { newsletter: _n, ...noIssue } = context;
    await expect(renderEmail('newsletter', recipient(), noIssue)).rejects.toThrow(/newsletter/);
    await expect(createPersonaliser('newsletter', noIssue)).rejects.toThrow(/newsletter/);
    const unsafe = { ...issue, articles: [{ heading: 'x', text: 'y', link: { href: 'http://example.com', label: 'go' } }] };
    await expect(renderEmail('newsletter', recipient(), { ...context, newsletter: unsafe })).rejects.toThrow(/https/);
  });
});
