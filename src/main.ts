// Entry point of both the Bun-compiled `tsrunc` and `node dist/tsrunc.js`. Nothing runs at import
// time; each command's module is imported only when that command runs.
import { TsruncError, UsageError, formatError } from './errors';
import { configureLog, logDebug, logFatal, logPhase } from './log';
import { parseArgv } from './cli/parse';
import { writeAll } from './cli/output';

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgv(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      writeAll(2, `tsrunc: ${e.message}\n`);
      const { findCommand } = await import('./cli/table');
      const { showHelp } = await import('./cli/help');
      await showHelp(e.command ? findCommand(e.command) : undefined, 'stderr');
      return 1;
    }
    throw e;
  }
  configureLog({ file: parsed.globals.log, format: parsed.globals.logFormat, debug: parsed.globals.debug });
  if (parsed.version) {
    const { versionText } = await import('./cli/version');
    // fs.writeSync, not process.stdout: Bun builds a stream for process.stdout on first use, ~660 page
    // faults (~13 ms here) that --version has no need for.
    writeAll(1, versionText());
    return 0;
  }
  if (parsed.help || !parsed.command) {
    if (parsed.commandName && !parsed.command) {
      writeAll(2, `tsrunc: No help topic for '${parsed.commandName}'\n`);
      return 1;
    }
    const { showHelp } = await import('./cli/help');
    await showHelp(parsed.command);
    return 0;
  }
  try {
    logDebug(() => `command ${parsed.command!.name} ${JSON.stringify(parsed.args)}`);
    const mod = await parsed.command.load();
    logPhase('command loaded');
    return await mod.run({ globals: parsed.globals, flags: parsed.flags, args: parsed.args, rest: parsed.rest });
  } catch (e) {
    logFatal(formatError(e));
    if (parsed.globals.debug && e instanceof Error && !(e instanceof TsruncError)) logDebug(e.stack ?? '');
    return e instanceof TsruncError ? e.exitCode : 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    logFatal(formatError(e));
    process.exit(1);
  },
);
