import { Layout, type PageBrand } from './layout';

/** Where the emails' "book a visit" button lands when the clinic has no booking site of its own. */
export function BookPage(props: { brand: PageBrand; contactEmail: string }) {
  return (
    <Layout brand={props.brand} title="Book a visit">
      <h1>Book a visit</h1>
      <p>To book a first consultation, write to us and tell us a little about your symptoms and the times that suit you.</p>
      <p>
        <a className="button" href={`mailto:${props.contactEmail}?subject=${encodeURIComponent('Booking request')}`}>
          Email {props.contactEmail}
        </a>
      </p>
      <p>
        Or visit us at: <br />
        {props.brand.clinicName}, {props.brand.postalAddress}
      </p>
      <p className="small">If your pain is severe, getting worse, or comes with weakness, numbness in the groin area or loss of bladder or bowel control, seek urgent medical care.</p>
    </Layout>
  );
}
