import { TOPICS } from '../../content/topics';
import { SEQUENCES, SEQUENCE_IDS } from '../../content/sequences';
import { STATUSES, type Subscriber } from '../../subscribers/types';
import type { ListFilter } from '../../subscribers/directory';

export function when(ms: number | null): string {
  if (!ms) return '–';
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}

export function StatusBadge(props: { status: string }) {
  return <span className={`badge ${props.status}`}>{props.status}</span>;
}

export function SubscribersPage(props: {
  q: string;
  filter: ListFilter;
  rows: Subscriber[];
  next: string | null;
  searched: boolean;
  notice?: string;
  queryString: (cursor: string) => string;
}) {
  const { filter } = props;
  return (
    <>
      <h1>Subscribers</h1>
      {props.notice ? (
        <div className="notice ok" role="status">
          {props.notice}
        </div>
      ) : null}
      <form method="get" action="/admin/subscribers" role="search" className="filters">
        <div className="field search">
          <label htmlFor="q">Find by email address</label>
          <input id="q" name="q" type="search" defaultValue={props.q} placeholder="j.doe+news@gmail.com" autoComplete="off" />
        </div>
        <button type="submit">Search</button>
      </form>
      <form method="get" action="/admin/subscribers" className="filters">
        <div className="field">
          <label htmlFor="status">Status</label>
          <select id="status" name="status" defaultValue={filter.status ?? ''}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="topic">Topic</label>
          <select id="topic" name="topic" defaultValue={filter.topic ?? ''}>
            <option value="">any</option>
            {TOPICS.map((t) => (
              <option key={t.id} value={t.id}>
                {t.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="step">Series step (next email)</label>
          <select id="step" name="step" defaultValue={filter.step ?? ''}>
            <option value="">any</option>
            {SEQUENCE_IDS.flatMap((id) =>
              SEQUENCES[id].steps.map((s, i) => (
                <option key={`${id}/${s.id}`} value={`${id}/${s.id}`}>
                  {`${i + 1}. ${s.subject}`}
                </option>
              )),
            )}
          </select>
        </div>
        <button type="submit" className="secondary">
          Filter
        </button>
      </form>
      {props.searched && props.rows.length === 0 ? <p className="notice info">No subscriber has that address (compared in its canonical form).</p> : null}
      {!props.searched && props.rows.length === 0 ? <p className="notice info">No subscribers match.</p> : null}
      {props.rows.length > 0 ? (
        <div className="table-wrap">
          <table className="data subscribers">
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Status</th>
                <th scope="col">Topics</th>
                <th scope="col">Next step</th>
                <th scope="col">Signed up</th>
              </tr>
            </thead>
            <tbody>
              {props.rows.map((s) => (
                <tr key={s.id}>
                  <td>
                    <a href={`/admin/subscribers/${s.id}`}>{s.email}</a>
                  </td>
                  <td>
                    <StatusBadge status={s.status} />
                  </td>
                  <td>{s.topics.join(', ') || '–'}</td>
                  <td>{s.step ?? '–'}</td>
                  <td>{when(s.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <nav className="pager" aria-label="Pages">
        {props.next ? (
          <a className="button secondary compact" href={`/admin/subscribers?${props.queryString(props.next)}`} rel="next">
            Next page →
          </a>
        ) : (
          <span />
        )}
      </nav>
    </>
  );
}
