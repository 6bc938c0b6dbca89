// The console's page frame: navigation built from src/admin/sections.ts, the
// signed-in admin and a sign-out form. Sections render their pages inside it
// through adminPage() (src/admin/respond.tsx), which fills these props.
import type { ReactNode } from 'react';
import { Document } from '../../web/pages/document';

export interface NavItem {
  href: string;
  title: string;
}

export interface AdminLayoutProps {
  clinicName: string;
  title: string;
  /** The signed-in admin; null on the sign-in page. */
  user: string | null;
  csrfToken: string;
  nav: readonly NavItem[];
  /** The href of the nav item to mark as current. */
  current?: string;
  /** Extra scripts served by Meridian itself (CSP: script-src 'self'). */
  scripts?: readonly string[];
  children: ReactNode;
}

export function CsrfField(props: { token: string }) {
  return <input type="hidden" name="_csrf" value={props.token} />;
}

export function AdminLayout(props: AdminLayoutProps) {
  return (
    <Document
      title={`${props.title} · Console · ${props.clinicName}`}
      meta={<meta name="csrf-token" content={props.csrfToken} />}
      stylesheets={['/static/app.css', '/admin/static/admin.css']}
      scripts={props.scripts}
      bodyClassName="admin"
    >
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="admin-bar">
        <a href="/admin" className="admin-brand">
          {props.clinicName} <span>console</span>
        </a>
        {props.user ? (
          <form method="post" action="/admin/logout" className="admin-user">
            <CsrfField token={props.csrfToken} />
            <span className="small">{props.user}</span>
            <button type="submit" className="secondary compact">
              Sign out
            </button>
          </form>
        ) : null}
      </header>
      {props.nav.length > 0 ? (
        <nav className="admin-nav" aria-label="Console">
          <ul>
            {props.nav.map((item) => (
              <li key={item.href}>
                <a href={item.href} aria-current={item.href === props.current ? 'page' : undefined}>
                  {item.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      ) : null}
      <main id="main" className="admin-main">
        {props.children}
      </main>
    </Document>
  );
}
