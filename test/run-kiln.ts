/** The kiln command as its bin runs it, on the TypeScript sources: `node --conditions=kiln-source --import tsx test/run-kiln.ts run`. */
import { main } from '@kiln/cli';

process.exitCode = await main(process.argv.slice(2));
