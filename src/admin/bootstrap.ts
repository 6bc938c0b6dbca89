// `npm start` in development with no admin account: create one and print its
// password once, on the terminal only (never into the structured logs).
import type { Core } from '../runtime/compose';
import { AdminAccounts } from './accounts';
import { generatePassword } from './password';

export const DEV_ADMIN_EMAIL = 'admin@localhost.localdomain';

export async function ensureDevelopmentAdmin(core: Core, print: (text: string) => void = (t) => process.stdout.write(t)): Promise<boolean> {
  if (core.config.env !== 'development') return false;
  const accounts = new AdminAccounts(core.redis, core.keys, core.config.admin.passwordCost);
  if ((await accounts.count()) > 0) return false;
  const password = generatePassword();
  await accounts.add(DEV_ADMIN_EMAIL, password, true);
  print(
    [
      '',
      'No admin account existed, so one was created for development:',
      `  console:  ${core.config.publicUrl}/admin`,
      `  email:    ${DEV_ADMIN_EMAIL}`,
      `  password: ${password}`,
      'This password is shown once. Add your own account with: npm run admin -- add-user you@clinic.example',
      '',
      '',
    ].join('\n'),
  );
  return true;
}
