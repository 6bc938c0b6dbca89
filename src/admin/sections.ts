// The console's one registration point. Each entry is mounted at
// /admin<path> inside the authenticated scope and listed in the navigation in
// this order. Render pages with adminPage() from ./respond.
import type { AdminSection } from './context';
import { overviewSection } from './routes/overview';

export const SECTIONS: readonly AdminSection[] = [overviewSection];
