import type { ReactNode } from 'react';
import { Document } from './document';

export interface PageBrand {
  clinicName: string;
  postalAddress: string;
}

/** `error` prefixes the title with "Error:", the first thing a screen reader says about a page. */
export function Layout(props: { brand: PageBrand; title: string; children: ReactNode; wide?: boolean; error?: boolean }) {
  return (
    <Document title={`${props.error ? 'Error: ' : ''}${props.title} · ${props.brand.clinicName}`} stylesheets={['/static/app.css']}>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="brand">
        <a href="/" className="brand-name">
          {props.brand.clinicName}
        </a>
      </header>
      <main id="main" className={props.wide ? 'card wide' : 'card'}>
        {props.children}
      </main>
      <footer className="site-footer">
        <p>
          {props.brand.clinicName} · {props.brand.postalAddress}
        </p>
      </footer>
    </Document>
  );
}
