// /admin/templates: every email as readers get it, on the clinic's brand.
import { Fragment } from 'react';
import { GMAIL_CLIP_BYTES, type TemplateSample } from '../templates';

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

function SizeNote(props: { bytes: number }) {
  const over = props.bytes > GMAIL_CLIP_BYTES;
  return (
    <span className={over ? 'alert-text' : undefined}>
      {kb(props.bytes)} of 102 KB ({Math.round((props.bytes / GMAIL_CLIP_BYTES) * 100)}%){over ? ': Gmail will clip it' : ''}
    </span>
  );
}

export function TemplatesPage(props: { samples: TemplateSample[]; clinicName: string; publicUrl: string }) {
  return (
    <>
      <h1>Templates</h1>
      <p>
        Every email Meridian sends, rendered for a sample reader (Maria) with this installation&apos;s settings: {props.clinicName}, links
        on <span className="wrap">{props.publicUrl}</span>. Gmail clips an email whose HTML is larger than 102 KB and hides the rest, the
        unsubscribe link included.
      </p>
      <div className="table-wrap">
        <table className="data templates">
          <caption>Templates</caption>
          <thead>
            <tr>
              <th scope="col">Template</th>
              <th scope="col">Sent</th>
              <th scope="col">Subject</th>
              <th scope="col" className="num">
                HTML (Gmail clips at 102 KB)
              </th>
            </tr>
          </thead>
          <tbody>
            {props.samples.map((s) => (
              <tr key={s.id} id={`t-${s.id}`}>
                <td>
                  <a href={`/admin/templates/${s.id}`}>{s.id}</a>
                  <br />
                  <span className="small">{s.kind}</span>
                </td>
                <td>
                  {s.usedFor.map((u) => (
                    <span key={u} className="small use">
                      {u}
                    </span>
                  ))}
                </td>
                <td>{s.subject}</td>
                <td className="num">
                  <span className="cell-label">HTML size: </span>
                  <SizeNote bytes={s.htmlBytes} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="small">
        Marketers can also open <code>npm run preview</code> (React Email&apos;s preview server) and <code>npm run emails:export</code>; both use
        the same settings.
      </p>
    </>
  );
}

export function TemplatePage(props: { sample: TemplateSample; previous: string | null; next: string | null }) {
  const s = props.sample;
  const frame = `/admin/templates/${s.id}/email.html`;
  return (
    <>
      <p className="small pager">
        <a href="/admin/templates">← All templates</a>
        <span>
          {props.previous ? <a href={`/admin/templates/${props.previous}`}>← {props.previous}</a> : null}
          {props.previous && props.next ? ' · ' : null}
          {props.next ? <a href={`/admin/templates/${props.next}`}>{props.next} →</a> : null}
        </span>
      </p>
      <h1 className="wrap">Template: {s.id}</h1>
      <dl className="profile">
        <dt>Subject</dt>
        <dd id="t-subject">{s.subject}</dd>
        <dt>Preview text</dt>
        <dd>{s.preheader}</dd>
        <dt>Kind</dt>
        <dd>{s.kind === 'transactional' ? 'transactional (no marketing; sent because of something the reader did)' : 'marketing'}</dd>
        <dt>Sent</dt>
        <dd>
          {s.usedFor.map((u) => (
            <span key={u} className="use">
              {u}
            </span>
          ))}
        </dd>
        <dt>HTML size</dt>
        <dd id="t-size">
          <SizeNote bytes={s.htmlBytes} />
          <br />
          <meter min={0} max={GMAIL_CLIP_BYTES} high={GMAIL_CLIP_BYTES * 0.8} value={s.htmlBytes} aria-label="HTML size against Gmail's 102 KB limit" />
        </dd>
        <dt>Text part</dt>
        <dd>{kb(s.textBytes)}</dd>
      </dl>
      <div className="frames">
        <figure>
          <figcaption>Desktop, 600 px</figcaption>
          <div className="frame-scroll">
            <iframe className="desktop" title={`${s.id}: desktop preview, 600 pixels wide`} src={frame} sandbox="" />
          </div>
        </figure>
        <figure>
          <figcaption>Mobile, 375 px</figcaption>
          <div className="frame-scroll">
            <iframe className="mobile" title={`${s.id}: mobile preview, 375 pixels wide`} src={frame} sandbox="" />
          </div>
        </figure>
      </div>
      <h2>Headers</h2>
      <dl className="profile" id="t-headers">
        {s.headers.map(([k, v]) => (
          <Fragment key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </Fragment>
        ))}
      </dl>
      <h2>Plain-text part</h2>
      <pre id="t-text" className="text-part">
        {s.text}
      </pre>
    </>
  );
}
