/**
 * npm run protocol -- --stack <name> [--set <path>=<value>]... [--deployed <path>=<value>]... [--type-check]
 *
 * Previews a stack the way the Pulumi CLI runs it, without the CLI: the program starts through
 * `@pulumi/pulumi/cmd/run` under ts-node and the policy pack through `cmd/run-policy-pack` from
 * policy/ with its own node_modules, both talking gRPC to the in-repo engine stand-in
 * (tools/engine). Prints what was registered and the pack's violations over the Analyzer
 * protocol; `npm run plan` must agree (tests/protocol checks it). `--type-check` lets ts-node
 * type-check the program as `pulumi up` does by default (slower; CI type-checks with tsc).
 * Exit codes: 0 success, 1 a mandatory violation or a failed program, 2 invalid usage.
 */
import { parseArgs } from "node:util";
import { isUserError, runAsProcess } from "./cli";
import { ProgramFailedError, protocolRun } from "./engine/run";
import { UsageError } from "./plan/stackFile";
import { renderViolations } from "./policy/check";
import { mandatoryViolations } from "./policy/evaluate";

const USAGE = "usage: npm run protocol -- --stack <name> [--set <path>=<value>]... [--deployed <path>=<value>]... [--type-check]";

export async function main(argv: string[]): Promise<number> {
    try {
        const { values } = parseArgs({
            args: argv,
            options: {
                stack: { type: "string" },
                set: { type: "string", multiple: true },
                deployed: { type: "string", multiple: true },
                "type-check": { type: "boolean" },
            },
        });
        if (!values.stack) throw new UsageError(`--stack is required\n${USAGE}`);
        const run = await protocolRun({ stack: values.stack, sets: values.set, deployedSets: values.deployed, transpileOnly: !values["type-check"] });
        const types = new Map<string, number>();
        for (const r of run.resources) types.set(r.type, (types.get(r.type) ?? 0) + 1);
        process.stdout.write(`Protocol run of stack ${values.stack}: program exited ${run.exitCode}, ${run.resources.length} resources\n`);
        for (const [type, n] of [...types].sort()) process.stdout.write(`  ${String(n).padStart(3)}  ${type}\n`);
        process.stdout.write(
            `Pack ${run.analysis.packName}@${run.analysis.packVersion}, ${run.analysis.served.length} policies. ${renderViolations(run.analysis)}\n`,
        );
        return mandatoryViolations(run.analysis).length > 0 ? 1 : 0;
    } catch (err) {
        if (err instanceof ProgramFailedError) {
            process.stderr.write(`${err.message}\n`);
            return 1;
        }
        if (isUserError(err)) {
            process.stderr.write(`${err.message}\n`);
            return 2;
        }
        throw err;
    }
}

if (require.main === module) runAsProcess(main);
