import type { OverviewData, QueueHealth } from '../overview';

function QueueTable(props: { queues: QueueHealth[] }) {
  return (
    <div className="table-wrap">
      <table className="data">
        <caption>Queues</caption>
        <thead>
          <tr>
            <th scope="col">Queue</th>
            <th scope="col" className="num">Waiting</th>
            <th scope="col" className="num">Active</th>
            <th scope="col" className="num">Delayed</th>
            <th scope="col" className="num">Failed</th>
            <th scope="col">Rate limit</th>
          </tr>
        </thead>
        <tbody>
          {props.queues.map((q) => (
            <tr key={q.name}>
              <th scope="row">
                <a href={`/admin/queues/queue/${encodeURIComponent(q.name)}`}>{q.name}</a>
                {q.paused ? ' (paused)' : ''}
              </th>
              <td className="num">{q.waiting + q.prioritized}</td>
              <td className="num">{q.active}</td>
              <td className="num">{q.delayed}</td>
              <td className={q.failed > 0 ? 'num alert' : 'num'}>{q.failed}</td>
              <td>{q.rateLimitedForMs > 0 ? `provider asked to wait ${Math.ceil(q.rateLimitedForMs / 1000)} s` : 'normal'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function OverviewPage(props: { data: OverviewData }) {
  return (
    <>
      <h1>Overview</h1>
      <section aria-labelledby="queues-h">
        <h2 id="queues-h">Queue health</h2>
        <QueueTable queues={props.data.queues} />
      </section>
    </>
  );
}
