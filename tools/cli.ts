/**
 * What the command-line tools share: which errors are the user's to fix (one message,
 * exit 2, no stack trace) and how a tool's main() becomes the process.
 */
import { ConfigError } from "../lib/config";
import { PlanInputError } from "./plan/run";
import { UsageError } from "./plan/stackFile";
import { PolicyConfigError } from "./policy/evaluate";

/** Bad usage, config or policy config: the message says what to change. */
export function isUserError(e: unknown): e is Error {
    return (
        e instanceof UsageError ||
        e instanceof ConfigError ||
        e instanceof PlanInputError ||
        e instanceof PolicyConfigError ||
        (e instanceof TypeError && (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS") === true)
    );
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
