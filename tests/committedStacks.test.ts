/**
 * The only tests that read the committed Pulumi.<stack>.yaml and policy-config.<stack>.json
 * (tests/hooks.ts fails any other test that does). Those files are operational data: the
 * canary tool edits them every day and the release workflow commits its edits as a pull
 * request. So nothing here names a weight, an image or a color from them: only what must
 * hold for every stack file that may be deployed, which a canary step or a release keeps.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { modelFromFlatConfig } from "../lib/config";
import { runPlan } from "../tools/plan/run";
import { loadStackConfig } from "../tools/plan/stackFile";
import { checkPlan } from "../tools/policy/check";
import { mandatoryViolations } from "../tools/policy/evaluate";
import { ROOT, tempProject } from "./helpers";
import { canary } from "./tools/canary/harness";

/** The stacks of a project directory, from its Pulumi.<stack>.yaml files. */
function stacksIn(dir: string): string[] {
    return fs
        .readdirSync(dir)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/**
 * What `pulumi up` and CI need from a stack file, whatever its values: the config is valid,
 * the offline plan succeeds (what `npm run plan` exits 0 on) with no mandatory violation
 * under the stack's policy config, no generated secret is in the plan, and every weighted
 * rule sends 100 % of its traffic somewhere.
 */
async function assertDeployable(dir: string, stack: string): Promise<void> {
    const loaded = loadStackConfig(dir, stack);
    assert.doesNotThrow(() => modelFromFlatConfig(loaded.config, loaded.project, stack), `${stack}: config is valid`);
    const run = await runPlan({ stack, dir });
    const report = await checkPlan(run, { dir });
    assert.deepEqual(
        mandatoryViolations(report).map((v) => `${v.policy}: ${v.message}`),
        [],
        `${stack}: no mandatory violation`,
    );
    assert.ok(!/mock-(origin-verify|qa-token)-/.test(JSON.stringify(run)), `${stack}: a generated secret leaked into the plan`);
    assert.ok(run.routing.length > 0, `${stack}: the ALB has listener rules`);
    for (const rule of run.routing.filter((r) => r.targets.length > 0)) {
        const total = rule.targets.reduce((sum, t) => sum + t.percent, 0);
        assert.ok(Math.abs(total - 100) < 1e-9, `${stack} rule ${rule.name}: ${total}%`);
    }
}

/** The idle Spring color's image with another tag: a release as the release workflow makes it. */
function nextImage(dir: string, stack: string): string {
    const spring = parse(fs.readFileSync(path.join(dir, `Pulumi.${stack}.yaml`), "utf8")).config["payments-migration:spring"];
    const live: string = spring[spring.liveColor].image;
    return `${live.replace(/[:@][^:/@]+$/, "")}:99.0.0-test`;
}

describe("the committed stack files (operational data, not fixtures)", () => {
    it("name both stacks, and each is deployable", async () => {
        assert.deepEqual(stacksIn(ROOT), ["production", "staging"]);
        for (const stack of stacksIn(ROOT)) await assertDeployable(ROOT, stack);
    });

    it("stay deployable after a canary step and a release on a copy (CI stays green on the tool's pull requests)", async () => {
        const dir = tempProject(ROOT, "committed");
        let edited = 0;
        for (const stack of stacksIn(dir)) {
            for (const argv of [["next"], ["release", "spring", nextImage(dir, stack)]]) {
                const before = fs.readFileSync(path.join(dir, `Pulumi.${stack}.yaml`), "utf8");
                const r = await canary(dir, [...argv, "--stack", stack]);
                const after = fs.readFileSync(path.join(dir, `Pulumi.${stack}.yaml`), "utf8");
                // A refused step (the top of the ladder, a policy) must leave the file as it was.
                if (r.code === 0) edited += Number(after !== before);
                else assert.equal(after, before, `${stack} ${argv.join(" ")} exited ${r.code} and changed the file: ${r.err}`);
            }
            await assertDeployable(dir, stack);
        }
        assert.ok(edited >= stacksIn(dir).length, `only ${edited} command(s) edited a stack file: the copy was not exercised`);
    });
});
