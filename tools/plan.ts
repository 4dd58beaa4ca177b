/**
 * npm run plan -- --stack <name> [--set <path>=<value>]... [--json]
 *
 * Runs index.ts under Pulumi's mocks with the stack file's config and prints the
 * resource tree, the routing table and a Mermaid diagram (or one JSON document).
 * Exit codes: 0 success, 2 invalid config or usage (one message on stderr).
 */
import { parseArgs } from "node:util";
import { renderPlan } from "./plan/render";
import { PlanInputError, runPlan } from "./plan/run";
import { UsageError } from "./plan/stackFile";

const USAGE = "usage: npm run plan -- --stack <name> [--set <path>=<value>]... [--json]";

export async function main(argv: string[]): Promise<number> {
    let values: { stack?: string; set?: string[]; json?: boolean; help?: boolean };
    try {
        ({ values } = parseArgs({
            args: argv,
            options: {
                stack: { type: "string", short: "s" },
                set: { type: "string", multiple: true },
                json: { type: "boolean" },
                help: { type: "boolean", short: "h" },
            },
            strict: true,
            allowPositionals: false,
        }));
    } catch (err) {
        process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
        return 2;
    }
    if (values.help) {
        process.stdout.write(`${USAGE}\n`);
        return 0;
    }
    if (!values.stack) {
        process.stderr.write(`--stack is required\n${USAGE}\n`);
        return 2;
    }
    try {
        const { states: _states, deployed: _deployed, ...plan } = await runPlan({ stack: values.stack, sets: values.set ?? [] });
        process.stdout.write(values.json ? `${JSON.stringify(plan, null, 2)}\n` : `${renderPlan(plan)}\n`);
        return 0;
    } catch (err) {
        if (err instanceof PlanInputError || err instanceof UsageError) {
            process.stderr.write(`${err.message}\n`);
            return 2;
        }
        throw err;
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (err) => {
            process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
            process.exit(1);
        },
    );
}
