// Which methods a path answers to, so a wrong method gets 405 with Allow
// (RFC 9110 §15.5.6) instead of a misleading 404. Fastify's router only says
// "no route"; this keeps a small index of the registered route patterns.
import type { FastifyInstance } from 'fastify';

interface Pattern {
  test: RegExp;
  methods: Set<string>;
}

export class MethodIndex {
  private readonly patterns = new Map<string, Pattern>();

  /** Records every route registered on `app` (and its child scopes) from now on. */
  watch(app: FastifyInstance): void {
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      this.add(route.url ?? route.path, methods);
    });
  }

  add(url: string, methods: readonly string[]): void {
    // A bare catch-all (the CORS preflight's OPTIONS *) says nothing about a path.
    if (url === '*' || url === '/*') return;
    let entry = this.patterns.get(url);
    if (!entry) {
      entry = { test: toRegExp(url), methods: new Set() };
      this.patterns.set(url, entry);
    }
    for (const m of methods) entry.methods.add(m.toUpperCase());
    if (entry.methods.has('GET')) entry.methods.add('HEAD');
  }

  /** The methods some route answers for this path, sorted; empty when none does. */
  allowed(path: string): string[] {
    const found = new Set<string>();
    for (const { test, methods } of this.patterns.values()) {
      if (test.test(path)) for (const m of methods) found.add(m);
    }
    found.delete('OPTIONS');
    return [...found].sort();
  }
}

function toRegExp(url: string): RegExp {
  const source = url
    .split('/')
    .map((part) => {
      if (part === '*') return '.*';
      if (part.startsWith(':')) return '[^/]+';
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return new RegExp(`^${source}/?$`);
}
