import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { ReactNode } from 'react';
import type { Core } from '../runtime/compose';
import type { AdminAccounts } from './accounts';

/** What every console section gets: the core (config, Redis, stores, service) and the queues. */
export interface AdminContext {
  core: Core;
  accounts: AdminAccounts;
  queues: { send: Queue; scheduler: Queue };
  /** Every mounted section (src/admin/sections.ts). */
  sections: readonly AdminSection[];
}

/**
 * One console section. `plugin` runs inside the authenticated scope with the
 * prefix `/admin${path}`: every route it adds needs a session, and every
 * POST/PUT/PATCH/DELETE a CSRF token (form field `_csrf` or header `x-csrf-token`).
 */
export interface AdminSection {
  /** '' for the overview, else '/name'. */
  path: string;
  /** Shown in the navigation. */
  title: string;
  plugin: (app: FastifyInstance, ctx: AdminContext) => void | Promise<void>;
  /**
   * Optional panel on the overview page (e.g. the newsletter issues and their
   * figures), rendered in section order under its own heading.
   */
  overview?: (ctx: AdminContext, now: number) => Promise<{ heading: string; body: ReactNode }>;
}
