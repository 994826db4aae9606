#!/usr/bin/env node
/** The pagewise executable: runs main() and sets the exit status; nothing else. */
import { main } from './main.js';

// A reader that goes away (pagewise show | head) is not an error.
for (const s of [process.stdout, process.stderr]) {
  s.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

process.exitCode = await main(process.argv.slice(2));
