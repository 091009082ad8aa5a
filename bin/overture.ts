/**
 * The `overture` command line; `bin/overture.js` runs it through tsx. Commands: simulate, schema,
 * serve, send-event, launch, status, why (see lib/cli/program.ts).
 */
import { runCli } from '../lib/cli/program';

// Exit once stdout has drained: emulator sockets kept alive must not hold the process open.
runCli(process.argv).then(
  (status) => {
    process.stdout.write('', () => process.exit(status));
  },
  (error: unknown) => {
    process.stderr.write(`overture: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
