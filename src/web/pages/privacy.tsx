import { Layout, type PageBrand } from './layout';

/** "Your data" on the preferences page: download everything held, or delete it. POST only, with the manage token in the URL. */
export function YourData(props: { action: string }) {
  return (
    <section aria-labelledby="your-data">
      <h2 id="your-data">Your data</h2>
      <p className="small">
        Download everything we hold about you (your details, your consent record and what we sent you) as a JSON file, or
        delete it all.
      </p>
      <form method="post" action={props.action} className="inline-actions">
        <button type="submit" name="action" value="download" className="secondary">
          Download my data
        </button>{' '}
        <button type="submit" name="action" value="delete" className="danger">
          Delete my data
        </button>
      </form>
    </section>
  );
}

/** The confirm step before erasure: nothing is deleted until this page's button is pressed. */
export function DeleteDataPage(props: { brand: PageBrand; action: string; email: string; preferencesUrl: string }) {
  return (
    <Layout brand={props.brand} title="Delete my data">
      <h1>Delete your data?</h1>
      <p>
        This deletes everything we hold about <strong>{props.email}</strong>: your details, your consent record and the list of
        emails we sent you. You will receive no more emails. It cannot be undone.
      </p>
      <p className="small">
        We keep only a one-way fingerprint of the address, so it is never added back to our list by mistake. You can still sign
        up again yourself.
      </p>
      <form method="post" action={props.action}>
        <button type="submit" name="action" value="delete-confirmed" className="danger">
          Yes, delete my data
        </button>
      </form>
      <p>
        <a href={props.preferencesUrl}>No, keep my data and go back</a>
      </p>
    </Layout>
  );
}
