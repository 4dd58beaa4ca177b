/** Issue 8.9: decommissioning in the order the engine needs — unprotect only the pair, then remove it. */
import { strict as assert } from "node:assert";
import { parseStackConfig } from "../../../lib/config";
import { legacyProtectedIn, proposeDecommission } from "../../../tools/canary/decommission";
import { PROJECT, stackRaw, withValue } from "../../helpers";
import { plan, resources } from "../../planCache";

const at100 = (changes: [string, unknown][] = []) =>
    parseStackConfig(
        [["canary.weight", 100], ["canary.routes.0.weight", 100], ...changes].reduce((raw, [k, v]) => withValue(raw, k as string, v), stackRaw("production")),
        PROJECT,
        "production",
    );
const edits = (p: ReturnType<typeof proposeDecommission>) => p.steps.map((s) => [s.kind, s.edits.map((e) => `${e.path}=${JSON.stringify(e.value)}`)]);

describe("canary decommission", () => {
    it("two updates: unprotect the pair only, then remove it; each re-run continues", () => {
        const m = at100();
        assert.equal(m.protectRollbackTargets, true, "the production fixture protects its rollback targets");
        assert.deepEqual(edits(proposeDecommission(m)), [
            ["protect", ["legacy.protect=false"]],
            ["decommission", ["legacy.decommissioned=true"]],
        ]);
        // Step 1 written and deployed (or not known): the removal is what is left.
        const unprotected = at100([["legacy.protect", false]]);
        assert.deepEqual(edits(proposeDecommission(unprotected, false)), [["decommission", ["legacy.decommissioned=true"]]]);
        assert.deepEqual(edits(proposeDecommission(unprotected)), [["decommission", ["legacy.decommissioned=true"]]]);
        // Step 1 written but the state still protects the pair: the removal would fail, so it waits.
        const waiting = proposeDecommission(unprotected, true);
        assert.deepEqual(waiting.steps, []);
        assert.match(waiting.unchanged ?? "", /still protected: run pulumi up for that step first/);
        const gone = at100([["legacy.decommissioned", true]]);
        assert.match(proposeDecommission(gone).unchanged ?? "", /already decommissioned/);
    });

    it("reads the protect flag the engine stored, only on the Beanstalk environments", () => {
        const env = "aws:elasticbeanstalk/environment:Environment";
        assert.equal(
            legacyProtectedIn([
                { type: env, protect: true },
                { type: "aws:ecs/service:Service", protect: true },
            ]),
            true,
        );
        assert.equal(
            legacyProtectedIn([
                { type: env, protect: false },
                { type: "aws:ecs/service:Service", protect: true },
            ]),
            false,
        );
    });

    it("legacy.protect: false unprotects the Beanstalk pair and nothing else", async () => {
        const p = await plan("production", ["canary.weight=100", "canary.routes[0].weight=100", "legacy.protect=false"]);
        const envs = resources(p, "aws:elasticbeanstalk/environment:Environment");
        assert.equal(envs.length, 2);
        assert.ok(
            envs.every((e) => e.options.protect === false),
            "the pair is unprotected",
        );
        for (const type of ["aws:ecs/service:Service", "aws:lb/loadBalancer:LoadBalancer"] as const) {
            const rs = resources(p, type);
            assert.ok(rs.length > 0 && rs.every((r) => r.options.protect === true), `${type} stays protected`);
        }
    });
});
