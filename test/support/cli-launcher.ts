/** `node --import tsx test/support/cli-launcher.ts <args>`: the CLI from source, for tests that need it as a child process. */
import { main } from '../../src/adapters/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
