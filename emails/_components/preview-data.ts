// Sample values for the templates' PreviewProps: a sample reader (Maria) and
// sample link tokens, on the clinic's configured brand. The one place both
// `npm run preview` (React Email's dev server, which runs no Meridian
// entrypoint) and `npm run emails:export` / the console's template pages get
// their brand from. Never used for real sends.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadBrandSettings } from '../../src/config';
import type { BaseEmailProps, Brand } from '../../src/render/types';

/** The folder holding package.json (and .env): the preview server bundles this file, so its own path varies. */
function projectDir(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** The configured brand: .env in the project folder under the real environment (src/config.ts). */
export const previewBrand: Brand = loadBrandSettings(projectDir(import.meta.dirname));

const sampleToken = 'v1.manage.sub_7Hq2kLm9.Xy3fQ0aZr8T1bW4e.0.pR5sV2nK8dL0cJ7wQ9eH3tY6uI1oA4zX2gF5bN8mC0s';

/** The sample reader's props on a brand (its links start at the brand's public URL). */
export function sampleBase(brand: Brand): BaseEmailProps {
  return {
    firstName: 'Maria',
    brand,
    unsubscribeUrl: `${brand.publicUrl}/unsubscribe/${sampleToken}`,
    preferencesUrl: `${brand.publicUrl}/preferences/${sampleToken}`,
  };
}

export function sampleConfirmUrl(brand: Brand): string {
  return `${brand.publicUrl}/confirm/v1.confirm.sub_7Hq2kLm9.Xy3fQ0aZr8T1bW4e.mc1k2z3a.Zt8vQ1wE4rT7yU0iO3pA6sD9fG2hJ5kL8zX1cV4bN7m`;
}

export const previewBase = sampleBase(previewBrand);
