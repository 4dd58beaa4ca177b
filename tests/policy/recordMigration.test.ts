/**
 * The one-time upgrade of a stack deployed before `deployedState` existed (docs/policies.md): which
 * policies refuse it, and what the override it prints lets through. The override and the
 * `--target` URNs are read from the docs, so the documented step is the tested one.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import { PlanRun } from "../../tools/plan/run";
import { plan } from "../planCache";
import { FIXTURES, ROOT } from "../helpers";
import { T, mutated, setProp, violations } from "./harness";

const POLICIES = fs.readFileSync(path.join(ROOT, "docs", "policies.md"), "utf8");
const START = POLICIES.indexOf("## Upgrading a stack deployed before `deployedState` existed\n");
const SECTION = POLICIES.slice(START, POLICIES.indexOf("\n## ", START + 1));

/** The override file the documented command writes for `stack` (run as printed, in the fixtures' project directory). */
const overrides = new Map<string, Record<string, unknown>>();
function readmeOverride(stack: string): Record<string, unknown> {
    if (overrides.has(stack)) return overrides.get(stack)!;
    const command = /```bash\n\s*(node -e '.*') > \/tmp\/record-migration\.json\n\s*```/.exec(SECTION);
    assert.ok(command, "the upgrade section of docs/policies.md prints the command that writes the override");
    const script = /^node -e '(.*)'$/.exec(command[1])![1].replaceAll("<s>", stack);
    overrides.set(stack, JSON.parse(execFileSync(process.execPath, ["-e", script], { cwd: FIXTURES, encoding: "utf8" })));
    return overrides.get(stack)!;
}

/** The stack as an earlier version deployed it: the same config, outputs without deployedState. */
function deployedWithoutRecord(p: PlanRun): PlanRun {
    const outputs: Record<string, unknown> = { ...(p.outputs as Record<string, unknown>) };
    delete outputs.deployedState;
    return mutated(p, (_f, states) =>
        setProp(
            states.find((s) => s.type === "pulumi:pulumi:StackReference")!,
            "outputs",
            outputs,
        ),
    );
}

const mandatory = async (p: PlanRun, file?: Record<string, unknown>) => (await violations(p, undefined, file)).filter((v) => v.level === "mandatory");

describe("upgrading a stack deployed before deployedState (docs/policies.md)", () => {
    it("exactly the four policies the docs name refuse the unchanged update, each saying it cannot judge", async () => {
        const refusing = await mandatory(deployedWithoutRecord(await plan("production")));
        assert.ok(
            refusing.every((v) => /cannot (judge|tell|be read)/.test(v.message)),
            JSON.stringify(refusing, null, 1),
        );
        const file = JSON.parse(fs.readFileSync(path.join(FIXTURES, "policy-config.production.json"), "utf8"));
        const relaxed = Object.entries(readmeOverride("production"))
            .filter(([k, level]) => level === "advisory" && file[k] !== "advisory")
            .map(([k]) => k);
        assert.deepEqual([...new Set(refusing.map((v) => v.policy))].sort(), relaxed.sort());
    });

    it("with the documented override the unchanged update passes on both fixture stacks", async () => {
        for (const stack of ["production", "staging"]) {
            assert.deepEqual(await mandatory(deployedWithoutRecord(await plan(stack)), readmeOverride(stack)), [], stack);
        }
    });

    it("the override changes only those four: open ingress is still refused", async () => {
        const p = deployedWithoutRecord(await plan("production"));
        const open = mutated(p, (find) =>
            setProp(find(T.sg, "alb-sg"), "ingress", [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }]),
        );
        const policies = (await mandatory(open, readmeOverride("production"))).map((v) => v.policy);
        assert.ok(policies.includes("no-open-ingress"), policies.join(", "));
        for (const stack of ["production", "staging"]) {
            const file = JSON.parse(fs.readFileSync(path.join(FIXTURES, `policy-config.${stack}.json`), "utf8"));
            const changed = Object.keys(readmeOverride(stack)).filter((k) => readmeOverride(stack)[k] !== file[k]);
            assert.ok(changed.length <= 4 && changed.every((k) => readmeOverride(stack)[k] === "advisory"), `${stack}: ${changed.join(", ")}`);
        }
    });

    it("the --target URNs are the stack's root, its deployed-state reference and its record", async () => {
        const p = await plan("production");
        const urns = [...SECTION.matchAll(/--target '([^']+)'/g)].map((m) => m[1].replaceAll("<s>", "production"));
        const root = p.states.find((s) => s.type === "pulumi:pulumi:Stack")!;
        const ref = p.states.find((s) => s.type === "pulumi:pulumi:StackReference")!;
        const record = p.states.find((s) => s.type === "payments:migration:DeployedState")!;
        assert.deepEqual(urns, [root.urn, ref.urn, record.urn]);
    });
});
