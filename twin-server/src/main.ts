#!/usr/bin/env node
/** The `twin` CLI: serve | seed | import | tiles | simulate | audit | migrate | bench. */
import { ConfigError } from './config.ts';
import { parseArgs, UsageError } from './cli/args.ts';
import { COMMANDS } from './cli/commands.ts';

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const load = name ? COMMANDS[name] : undefined;
  if (!name || name === 'help' || name === '--help' || !load) {
    if (name && !load && name !== 'help' && name !== '--help') console.error(`unknown command: ${name}\n`);
    console.error('usage: twin <command> [options]\n');
    for (const [n, l] of Object.entries(COMMANDS)) console.error(`  ${n.padEnd(10)} ${(await l()).summary}`);
    return name && name !== 'help' && name !== '--help' ? 2 : 0;
  }
  const cmd = await load();
  const args = parseArgs(rest);
  if (args.flags.help) {
    console.log(`usage: ${cmd.usage}`);
    return 0;
  }
  try {
    return (await cmd.run(args)) ?? 0;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${err.message}\nusage: ${cmd.usage}`);
      return 2;
    }
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exitCode = 1;
  },
);
