// The weekly newsletter: a layout fed by a NewsletterIssue (JSON written by
// marketers, validated by src/newsletters/issue.ts). No copy lives here except
// defaults; the issue supplies the content.
import { Img, Link, Section } from 'react-email';
import { Layout } from './_components/layout';
import { BookingCta, Greeting, Paragraph, SectionHeading, SignOff, Title } from './_components/parts';
import { previewBrand, sampleBase } from './_components/preview-data';
import { cls, colors, fonts, layout } from './_components/tokens';
import { paragraphs, type NewsletterArticle, type NewsletterIssue } from '../src/newsletters/issue';
import type { BaseEmailProps, Brand } from '../src/render/types';

/** Defaults; an issue may override both with its own `subject` and `preheader`. */
export const subject = 'This week at the clinic';
export const preheader = 'News, tips and opening times from the clinic.';
export const reason = 'you subscribed to our weekly newsletter.';

const DEFAULT_CTA_TEXT = 'Would you like to talk about your symptoms with one of our practitioners?';

export interface NewsletterEmailProps extends BaseEmailProps {
  issue: NewsletterIssue;
}

export default function NewsletterEmail(props: NewsletterEmailProps) {
  const { firstName, brand, issue } = props;
  return (
    <Layout {...props} subject={issue.subject ?? subject} preheader={issue.preheader ?? preheader} reason={reason}>
      <Title>{issue.title}</Title>
      <Greeting firstName={firstName} />
      {paragraphs(issue.intro).map((p, i) => (
        <Paragraph key={i}>{p}</Paragraph>
      ))}
      {issue.articles.map((article, i) => (
        <Article key={i} article={article} />
      ))}
      <SectionHeading>Book an appointment</SectionHeading>
      <BookingCta href={brand.bookingUrl} text={issue.cta?.text ?? DEFAULT_CTA_TEXT} label={issue.cta?.label} />
      <SignOff clinicName={brand.clinicName} />
    </Layout>
  );
}

function Article({ article }: { article: NewsletterArticle }) {
  return (
    <Section style={{ margin: '8px 0 8px' }}>
      <SectionHeading>{article.heading}</SectionHeading>
      {article.image ? <ArticleImage image={article.image} /> : null}
      {paragraphs(article.text).map((p, i) => (
        <Paragraph key={i}>{p}</Paragraph>
      ))}
      {article.link ? (
        <Paragraph>
          <Link className={cls.link} href={article.link.href} style={{ color: colors.link, textDecoration: 'underline' }}>
            {article.link.label}
          </Link>
        </Paragraph>
      ) : null}
    </Section>
  );
}

/** Inner width of the image mat: the content column (536 px) less its padding. */
const MAT_PADDING = 12;
const MAX_IMAGE_WIDTH = 536 - 2 * MAT_PADDING;

/**
 * The picture on a tinted mat. With images blocked the mat holds the alt text,
 * styled on the img itself, and is only as tall as that text: no height
 * attribute (it would keep a box of the picture's height open), width set,
 * height auto.
 */
function ArticleImage({ image }: { image: NonNullable<NewsletterArticle['image']> }) {
  const width = Math.min(image.width ?? MAX_IMAGE_WIDTH, MAX_IMAGE_WIDTH);
  return (
    // Nothing of it in the text part (an empty mat would leave blank lines there).
    <Section className={cls.callout} style={imageMat} data-skip-in-text>
      <Img
        className={cls.text}
        src={image.src}
        alt={image.alt}
        width={width}
        style={{ ...imageStyle, maxWidth: `${width}px` }}
      />
    </Section>
  );
}

const imageMat = {
  backgroundColor: colors.calloutBackground,
  borderRadius: layout.radius,
  padding: `${MAT_PADDING}px`,
  margin: '8px 0 16px',
};

const imageStyle = {
  display: 'block',
  width: '100%',
  height: 'auto',
  margin: '0 auto',
  border: '0',
  borderRadius: '4px',
  // Shown in place of the picture when images are off.
  color: colors.text,
  fontFamily: fonts.body,
  fontSize: '14px',
  lineHeight: '20px',
};

/** A sample issue whose links lead to the clinic's own site. */
const sampleIssue = (site: string) => ({
  subject: 'Sitting well, new evening hours and a stretch for your lower back',
  preheader: 'Three short reads from the clinic this week.',
  title: 'This week at the clinic',
  intro:
    'Here is our round-up for the week: a few small changes that may make long days at a desk kinder to your back, news about our opening hours, and a gentle stretch to try at home.',
  articles: [
    {
      heading: 'Sitting well at your desk',
      text: 'Long hours in one position can leave the lower back and hips stiff. Getting up for a short walk every half hour, and keeping your feet flat on the floor when you sit, are simple habits that many people find helpful.\n\nIf sitting brings on pain that travels down one leg, mention it at your next appointment.',
      image: {
        src: `${site}/static/newsletter-sample.svg`,
        alt: 'A person sitting upright at a desk with both feet flat on the floor',
        width: 536,
        height: 300,
      },
      link: { href: `${site}/articles/sitting-well`, label: 'Read the full article' },
    },
    {
      heading: 'New evening hours',
      text: 'From next month the clinic is open until 8 pm on Tuesdays and Thursdays, so it is easier to fit an appointment around work.',
    },
    {
      heading: 'A gentle stretch for the lower back',
      text: 'Lie on your back, bring one knee towards your chest and hold it for 20 to 30 seconds, then swap sides. Stop if the stretch causes sharp pain or tingling in your leg.',
      link: { href: `${site}/articles/lower-back-stretch`, label: 'See the stretch step by step' },
    },
  ],
  cta: {
    text: 'Would you like to talk about your back or leg pain with one of our practitioners?',
    label: 'Book an appointment',
  },
}) satisfies NewsletterIssue;

/** The sample reader and issue on a brand (preview server, exports, the console's template pages). */
export const previewProps = (brand: Brand): NewsletterEmailProps => ({ ...sampleBase(brand), issue: sampleIssue(brand.publicUrl) });

NewsletterEmail.PreviewProps = previewProps(previewBrand);
