import type { ReactNode } from 'react';
import { Layout, type PageBrand } from './layout';

/** A page that says one thing: a result, an error, "already done". */
export function MessagePage(props: { brand: PageBrand; title: string; tone?: 'ok' | 'error' | 'info'; children: ReactNode }) {
  const error = props.tone === 'error';
  return (
    <Layout brand={props.brand} title={props.title} error={error}>
      <h1>{props.title}</h1>
      <div className={`notice ${props.tone ?? 'info'}`} role={error ? 'alert' : 'status'}>
        {props.children}
      </div>
    </Layout>
  );
}
