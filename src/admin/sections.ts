// The console's one registration point. Each entry is mounted at
// /admin<path> inside the authenticated scope and listed in the navigation in
// this order. Render pages with adminPage() from ./respond.
import type { AdminSection } from './context';
import { newsletterSection } from '../newsletters/admin/routes';
import { overviewSection } from './routes/overview';
import { exportSection } from './routes/export';
import { importSection } from './routes/import';
import { queuesSection } from './routes/queues';
import { subscribersSection } from './routes/subscribers';
import { templatesSection } from './routes/templates';

export const SECTIONS: readonly AdminSection[] = [overviewSection, subscribersSection, templatesSection, newsletterSection, queuesSection, importSection, exportSection];
