/**
 * npm run plan -- --stack <name> [--set <path>=<value>]... [--deployed <path>=<value>]... [--deployed-file <stack file>]
 *                 [--policy-config <file>] [--diff <otherStack|stack file>] [--first-deploy] [--json]
 *
 * Runs index.ts under Pulumi's mocks with the stack file's config, prints the resource
 * tree, the routing table and a Mermaid diagram (or one JSON document), and runs the
 * policy pack against the result. `--deployed` describes the deployed state where it
 * differs from the stack file (what the canary-step-limit policy compares against);
 * `--deployed-file` takes the deployed state from another stack file of this stack (CI: the base
 * branch's, so a pull request is judged as the move from what is deployed, not from itself).
 * `--diff` adds the resource diff from another stack, or from another stack file of this
 * stack, to this plan: every resource and property path that differs. `--first-deploy`
 * plans the first `pulumi preview` of a new stack: nothing deployed, every computed value
 * unknown (policies that need one report "can't run … during preview").
 * Exit codes: 0 success, 1 a mandatory policy violation, 2 invalid config or usage.
 */
import { parseArgs } from "node:util";
import { renderPlan } from "./plan/render";
import * as fs from "node:fs";
import * as path from "node:path";
import { diffPlans, renderDiff } from "./plan/diff";
import { isUserError, runAsProcess } from "./cli";
import { runPlan } from "./plan/run";
import { PROJECT_DIR } from "./projectDir";
import { UsageError, readProjectName, stackConfigFromText } from "./plan/stackFile";
import { checkPlan, renderViolations } from "./policy/check";
import { mandatoryViolations } from "./policy/evaluate";

const USAGE =
    "usage: npm run plan -- --stack <name> [--set <path>=<value>]... [--deployed <path>=<value>]... [--deployed-file <stack file>] [--policy-config <file>] [--diff <otherStack|stack file>] [--first-deploy] [--json]";

interface PlanArgs {
    stack?: string;
    set?: string[];
    deployed?: string[];
    "deployed-file"?: string;
    "policy-config"?: string;
    diff?: string;
    "first-deploy"?: boolean;
    json?: boolean;
    help?: boolean;
}

const OPTIONS = {
    stack: { type: "string", short: "s" },
    set: { type: "string", multiple: true },
    deployed: { type: "string", multiple: true },
    "deployed-file": { type: "string" },
    "policy-config": { type: "string" },
    diff: { type: "string" },
    "first-deploy": { type: "boolean" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
} as const;

/** The command line read and checked, or the usage error's message. */
function parsePlanArgs(argv: string[]): PlanArgs | { error: string } {
    try {
        const { values, tokens } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false, tokens: true });
        // parseArgs keeps the last of a repeated single-valued flag silently (`--stack a --stack b`).
        const seen = new Set<string>();
        for (const t of tokens) {
            if (t.kind !== "option" || t.name === "set" || t.name === "deployed") continue;
            if (seen.has(t.name)) return { error: `--${t.name} is given more than once` };
            seen.add(t.name);
        }
        if (values.help) return values;
        if (!values.stack) return { error: "--stack is required" };
        if (values["first-deploy"] && (values.deployed?.length || values["deployed-file"]))
            return { error: "--deployed and --deployed-file mean nothing with --first-deploy: a first deploy has nothing deployed" };
        return values;
    } catch (err) {
        return { error: (err as Error).message };
    }
}

/** `dir`: the directory with Pulumi.yaml, the stack files and policy configs (tests pass their fixtures). */
export async function main(argv: string[], { dir = PROJECT_DIR }: { dir?: string } = {}): Promise<number> {
    const values = parsePlanArgs(argv);
    if ("error" in values) {
        process.stderr.write(`${values.error}\n${USAGE}\n`);
        return 2;
    }
    if (values.help) {
        process.stdout.write(`${USAGE}\n`);
        return 0;
    }
    try {
        return await planAndReport({ ...values, stack: values.stack! }, dir);
    } catch (err) {
        if (isUserError(err)) {
            process.stderr.write(`${err.message}\n`);
            return 2;
        }
        throw err;
    }
}

/** The plan, the pack's report and the diff, printed (text or --json). Exit code: 1 with a mandatory violation. */
async function planAndReport(values: PlanArgs & { stack: string }, dir: string): Promise<number> {
    const run = await runPlan({
        stack: values.stack,
        dir,
        sets: values.set ?? [],
        deployedSets: values.deployed ?? [],
        deployedLoaded: values["deployed-file"] === undefined ? undefined : stackFileAt(values["deployed-file"], values.stack, dir, values.deployed ?? []),
        firstDeploy: values["first-deploy"] === true,
    });
    const policy = await checkPlan(run, { dir, policyConfigFile: values["policy-config"] });
    const diff = values.diff === undefined ? undefined : diffPlans(await planOther(values.diff, values.stack, dir), run);
    const { states: _states, deployed: _deployed, ...plan } = run;
    if (values.json) {
        process.stdout.write(`${JSON.stringify({ ...plan, policy: { violations: policy.violations }, ...(diff ? { diff } : {}) }, null, 2)}\n`);
    } else {
        const diffText = diff ? `\n\nCompared with ${values.diff}:\n${renderDiff(diff)}` : "";
        process.stdout.write(`${renderPlan(plan)}\n\n${renderViolations(policy)}${diffText}\n`);
    }
    return mandatoryViolations(policy).length > 0 ? 1 : 0;
}

/** Another stack file of this stack (with --deployed sets applied), read as the stack file is. */
function stackFileAt(file: string, stack: string, dir: string, sets: readonly string[]) {
    if (!fs.existsSync(file)) throw new UsageError(`--deployed-file: no file ${file}`);
    return stackConfigFromText(fs.readFileSync(file, "utf8"), readProjectName(dir), stack, sets, file);
}

/** The plan to compare with: another stack by name, or a stack file of this stack. */
async function planOther(other: string, stack: string, dir: string) {
    if (other.endsWith(".yaml") || other.includes(path.sep)) {
        if (!fs.existsSync(other)) throw new UsageError(`--diff: no file ${other}`);
        const loaded = stackConfigFromText(fs.readFileSync(other, "utf8"), readProjectName(dir), stack, [], other);
        return runPlan({ stack, dir, loaded });
    }
    return runPlan({ stack: other, dir });
}

if (require.main === module) {
    runAsProcess(main);
}
