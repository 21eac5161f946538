// Entry point of both the Bun-compiled `tsrunc` and `node dist/tsrunc.js`. Nothing runs at import
// time; each command's module is imported only when that command runs.
import { TsruncError, UsageError, formatError } from './errors';
import { configureLog, logDebug, logError } from './log';
import { parseArgv } from './cli/parse';

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgv(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`tsrunc: ${e.message}\n`);
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
    process.stdout.write(versionText());
    return 0;
  }
  if (parsed.help || !parsed.command) {
    if (parsed.commandName && !parsed.command) {
      process.stderr.write(`tsrunc: No help topic for '${parsed.commandName}'\n`);
      return 1;
    }
    const { showHelp } = await import('./cli/help');
    await showHelp(parsed.command);
    return 0;
  }
  try {
    logDebug(() => `command ${parsed.command!.name} ${JSON.stringify(parsed.args)}`);
    const mod = await parsed.command.load();
    return await mod.run({ globals: parsed.globals, flags: parsed.flags, args: parsed.args, rest: parsed.rest });
  } catch (e) {
    logError(formatError(e));
    if (parsed.globals.debug && e instanceof Error && !(e instanceof TsruncError)) logDebug(e.stack ?? '');
    return e instanceof TsruncError ? e.exitCode : 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    logError(formatError(e));
    process.exit(1);
  },
);
