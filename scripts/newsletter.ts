// npm run newsletter -- <command> [options]: the marketer's command line for
// newsletter issues (src/newsletters/cli.ts does the work).
import { runNewsletterCli } from '../src/newsletters/cli';

const code = await runNewsletterCli(process.argv.slice(2), {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  env: process.env,
  cwd: process.cwd(),
});
process.exit(code);
