/**
 * cutin-staging-mirrors-primary (policy/cutinMirror.ts) on the cut-in fixture: the staging
 * distribution the CutinEdge derives passes at every phase that has one; a staging distribution
 * that drops what the primary carries (one change each) is refused.
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { PlanRun, PlannedResourceState } from "../../tools/plan/run";
import { loadPolicyConfig } from "../../tools/policy/check";
import { FIXTURES } from "../helpers";
import { plan } from "../planCache";
import { T, mutated, setProp, violations } from "./harness";

const POLICY = "cutin-staging-mirrors-primary";

/** This policy's violations on a plan (the fixture's policy config, with `file`'s entries over it). */
async function violationsOf(p: PlanRun, file?: Record<string, unknown>) {
    return await violations(p, { config: file, at: { dir: CUTIN }, only: [POLICY] });
}
const CUTIN = path.join(FIXTURES, "cutin");

type Find = (type: string, name: string) => PlannedResourceState;

async function codes(p: PlanRun): Promise<string[]> {
    const v = await violationsOf(p, loadPolicyConfig(CUTIN, p.stack));
    return v.map((x) => `${x.level} ${/^\[([a-z0-9-]+)\]/.exec(x.message)?.[1] ?? x.message}`);
}

const at = (phase: string, ...more: string[]) => {
    const sets = [`cutin.phase=${phase}`, ...more];
    return plan("production", sets, sets, CUTIN);
};

describe("policy cutin-staging-mirrors-primary (policy/cutinMirror.ts)", () => {
    for (const [phase, ...more] of [["adopted"], ["staged"], ["header"], ["weight", "cutin.edgeWeight=5"], ["promoted"]]) {
        it(`passes the edge the CutinEdge declares at phase ${phase}`, async () => {
            const p = await at(phase, ...more);
            assert.equal(p.states.filter((s) => s.type === T.dist).length, ["staged", "header", "weight"].includes(phase) ? 2 : 1);
            assert.deepEqual(await codes(p), []);
        });
    }

    const cases: [string, (find: Find) => void][] = [
        ["without the primary's WAF web ACL", (find) => setProp(find(T.dist, "cutin-staging"), "webAclId", "")],
        [
            "without the primary's geographic restriction",
            (find) => setProp(find(T.dist, "cutin-staging"), "restrictions", { geoRestriction: { restrictionType: "none", locations: [] } }),
        ],
        ["without the primary's logging", (find) => setProp(find(T.dist, "cutin-staging"), "loggingConfig", undefined)],
        ["with error responses of its own", (find) => setProp(find(T.dist, "cutin-staging"), "customErrorResponses", [])],
        ["with a viewer policy of its own", (find) => setProp(find(T.dist, "cutin-staging"), "defaultCacheBehavior.viewerProtocolPolicy", "allow-all")],
    ];
    for (const [what, change] of cases) {
        it(`refuses a staging distribution ${what}: cutin-staging-differs`, async () => {
            assert.deepEqual(await codes(mutated(await at("weight", "cutin.edgeWeight=5"), change)), ["mandatory cutin-staging-differs"]);
        });
    }
});
