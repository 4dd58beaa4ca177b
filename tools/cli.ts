/**
 * What the command-line tools share: which errors are the user's to fix (one message,
 * exit 2, no stack trace) and how a tool's main() becomes the process.
 */
import { UsageError, UserError } from "../lib/errors";

/** Bad usage, config or policy config: the message says what to change. */
export function isUserError(e: unknown): e is Error {
    return e instanceof UserError || isParseArgsError(e);
}

/** node:util parseArgs rejects unknown flags, missing values and positionals with a TypeError carrying an ERR_PARSE_ARGS_* code. */
function isParseArgsError(e: unknown): e is TypeError {
    return e instanceof TypeError && (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS") === true;
}

/** Whether the tool's usage text belongs after the message: for a command line it could not read, not for bad config. */
export function isUsageError(e: unknown): boolean {
    return e instanceof UsageError || isParseArgsError(e);
}

/** Run a tool's main() as the process; an unexpected error prints its stack and exits 1. */
export function runAsProcess(main: (argv: string[]) => Promise<number>): void {
    main(process.argv.slice(2)).then(
        // Flush stdout before exiting: process.exit() would cut a large --json document short on a pipe.
        (code) => process.stdout.write("", () => process.exit(code)),
        (err) => {
            process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
            process.exit(1);
        },
    );
}
