import { STATUSES } from '../../subscribers/types';
import { DAY_EVENTS, FUNNEL_METRICS, type OverviewData, type QueueHealth } from '../overview';

const EVENT_LABEL: Record<(typeof DAY_EVENTS)[number], string> = {
  signup: 'Signups',
  confirmed: 'Confirmations',
  unsubscribed: 'Unsubscribes',
  bounced: 'Bounces',
  complained: 'Complaints',
};

const nf = new Intl.NumberFormat('en-GB');
const n = (x: number) => nf.format(x);
const pct = (part: number, whole: number) => (whole > 0 ? `${Math.round((part / whole) * 100)}%` : '–');

function QueueTable(props: { queues: QueueHealth[] }) {
  return (
    <div className="table-wrap">
      <table className="data">
        <thead>
          <tr>
            <th scope="col">Queue</th>
            <th scope="col" className="num">Waiting</th>
            <th scope="col" className="num">Active</th>
            <th scope="col" className="num">Delayed</th>
            <th scope="col" className="num">Failed</th>
            <th scope="col">Provider rate limit</th>
          </tr>
        </thead>
        <tbody>
          {props.queues.map((q) => (
            <tr key={q.name}>
              <th scope="row">
                <a href={`/admin/queues/queue/${encodeURIComponent(q.name)}`}>{q.name}</a>
                {q.paused ? ' (paused)' : ''}
              </th>
              <td className="num">{n(q.waiting + q.prioritized)}</td>
              <td className="num">{n(q.active)}</td>
              <td className="num">{n(q.delayed)}</td>
              <td className={q.failed > 0 ? 'num alert' : 'num'}>{n(q.failed)}</td>
              <td>{q.rateLimitedForMs > 0 ? `paused by a 429: ${Math.ceil(q.rateLimitedForMs / 1000)} s left` : 'not limited'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function OverviewPage(props: { data: OverviewData }) {
  const { data } = props;
  const total = STATUSES.reduce((sum, s) => sum + data.statuses[s], 0);
  const chart = {
    labels: data.days.map((d) => d.day.slice(5)),
    series: DAY_EVENTS.map((e) => ({ label: EVENT_LABEL[e], data: data.days.map((d) => d.figures[e]) })),
  };
  return (
    <>
      <h1>Overview</h1>
      {data.quotaParked ? (
        <div className="notice error" role="alert">
          <strong>Sending is parked:</strong> the provider's {data.quotaParked.quota} quota is used up (since {data.quotaParked.since.replace('T', ' ').slice(0, 16)} UTC).
          Batches wait until {data.quotaParked.resumeAt.replace('T', ' ').slice(0, 16)} UTC. Upgrade the Resend plan to resume sooner.
        </div>
      ) : null}

      <section aria-labelledby="status-h">
        <h2 id="status-h">Subscribers by status</h2>
        <ul className="cards">
          <li>
            <span className="figure">{n(total)}</span>
            <span className="label">in total</span>
          </li>
          {STATUSES.map((s) => (
            <li key={s}>
              <a href={`/admin/subscribers?status=${s}`} className="figure">
                {n(data.statuses[s])}
              </a>
              <span className="label">{s}</span>
            </li>
          ))}
        </ul>
      </section>

      <section aria-labelledby="daily-h">
        <h2 id="daily-h">The last 30 days</h2>
        <div className="chart-box">
          <canvas id="daily-chart" role="img" aria-label="Signups, confirmations, unsubscribes, bounces and complaints per day over the last 30 days"></canvas>
        </div>
        <script type="application/json" id="daily-data" dangerouslySetInnerHTML={{ __html: JSON.stringify(chart).replace(/</g, '\\u003c') }} />
        <details>
          <summary>The same figures as a table</summary>
          <div className="table-wrap">
            <table className="data">
              <thead>
                <tr>
                  <th scope="col">Day (UTC)</th>
                  {DAY_EVENTS.map((e) => (
                    <th key={e} scope="col" className="num">
                      {EVENT_LABEL[e]}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {[...data.days].reverse().map((d) => (
                  <tr key={d.day}>
                    <th scope="row">{d.day}</th>
                    {DAY_EVENTS.map((e) => (
                      <td key={e} className="num">
                        {n(d.figures[e])}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      </section>

      {data.funnels.map((f) => (
        <section key={f.sequence} aria-labelledby={`funnel-${f.sequence}`}>
          <h2 id={`funnel-${f.sequence}`}>Series funnel: {f.sequence}</h2>
          <p className="small">Waiting: subscribers whose next email is that step. Events come from the provider's webhooks; rates are of emails sent.</p>
          <div className="table-wrap">
            <table className="data">
              <thead>
                <tr>
                  <th scope="col">Step</th>
                  <th scope="col" className="num">Waiting</th>
                  {FUNNEL_METRICS.map((m) => (
                    <th key={m} scope="col" className="num">
                      {m[0]!.toUpperCase() + m.slice(1)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {f.steps.map((s, i) => (
                  <tr key={s.step}>
                    <th scope="row">
                      {i + 1}. <a href={`/admin/subscribers?step=${encodeURIComponent(`${f.sequence}/${s.step}`)}`}>{s.subject}</a>
                    </th>
                    <td className="num">{n(s.waiting)}</td>
                    {FUNNEL_METRICS.map((m) => (
                      <td key={m} className="num">
                        {n(s.events[m])}
                        {m !== 'sent' && s.events.sent > 0 ? <span className="small"> ({pct(s.events[m], s.events.sent)})</span> : null}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ))}

      {data.panels.map((p) => (
        <section key={p.heading}>
          <h2>{p.heading}</h2>
          {p.body}
        </section>
      ))}

      <section aria-labelledby="queues-h">
        <h2 id="queues-h">Queue health</h2>
        <QueueTable queues={data.queues} />
        <p className="small">
          <a href="/admin/queues">Open the queue board</a> to look at jobs and retry failed ones.
        </p>
      </section>
    </>
  );
}
