import { strict as assert } from "node:assert";
import * as path from "node:path";
import { CUTIN_PHASES, CutinPhase, edgeShape } from "../../lib/cutin";
import { UNKNOWN } from "../../tools/plan/mocks";
import { PlanRun, runPlan } from "../../tools/plan/run";
import { checkPlan } from "../../tools/policy/check";
import { FIXTURES } from "../helpers";
import { plan } from "../planCache";
import { T, mutated, setProp } from "./harness";

/** Attacks on the cut-in policies (policy/cutin.ts) an adversarial review found let through, each with its compliant twin. */
const CUT = path.join(FIXTURES, "cutin");
const CDP = "aws:cloudfront/continuousDeploymentPolicy:ContinuousDeploymentPolicy";
const mandatory = async (p: PlanRun) => (await checkPlan(p, { dir: CUT })).violations.filter((v) => v.level === "mandatory");
const messages = async (p: PlanRun, policy: string) => (await mandatory(p)).filter((v) => v.policy === policy).map((v) => v.message);
const at = (phase: CutinPhase, weight = 5) => [
    `cutin.phase=${phase}`,
    ...(edgeShape(phase).policy?.traffic === "weight" ? [`cutin.edgeWeight=${weight}`] : []),
];
const TODAY = new Date().toISOString().slice(0, 10);

describe("cut-in attacks (policy/cutin.ts)", () => {
    describe("6: the edge moved by code, the CutinEdge record left as it was", () => {
        it("a promotion at phase header (the staging origin and behavior copied onto the primary) is refused", async () => {
            const hdr = await plan("production", ["cutin.phase=header"], ["cutin.phase=header"], CUT);
            assert.deepEqual(await mandatory(hdr), []);
            const promoted = mutated(hdr, (f) => {
                const prim = f(T.dist, "cutin-primary");
                const stg = f(T.dist, "cutin-staging");
                setProp(prim, "origins", structuredClone((stg.inputs as any).origins));
                setProp(prim, "defaultCacheBehavior", structuredClone((stg.inputs as any).defaultCacheBehavior));
            });
            assert.match(
                (await messages(promoted, "cutin-phase-order"))[0],
                /do not match cutin\.phase header: the primary distribution sends viewers to the routed ALB, phase header to the old origin/,
            );
        });

        it("a cache behavior of the primary sending some paths to the routed ALB before promotion is refused", async () => {
            const hdr = await plan("production", ["cutin.phase=header"], ["cutin.phase=header"], CUT);
            const partial = mutated(hdr, (f) => {
                const prim = f(T.dist, "cutin-primary");
                const stg = f(T.dist, "cutin-staging");
                setProp(prim, "origins", [...(prim.inputs as any).origins, ...structuredClone((stg.inputs as any).origins)]);
                setProp(prim, "orderedCacheBehaviors", [{ ...structuredClone((stg.inputs as any).defaultCacheBehavior), pathPattern: "/v1/*" }]);
            });
            assert.match((await messages(partial, "cutin-phase-order"))[0], /cache behavior for \/v1\/\* to the routed ALB and the rest to the old origin/);
        });

        it("an edge weight set on the policy (1 % → 15 %) instead of cutin.edgeWeight is refused", async () => {
            const w1 = await plan("production", ["cutin.phase=weight", "cutin.edgeWeight=1"], ["cutin.phase=weight", "cutin.edgeWeight=1"], CUT);
            assert.deepEqual(await mandatory(w1), []);
            const heavy = mutated(w1, (f) => setProp(f(CDP, "cutin-policy"), "trafficConfig.singleWeightConfig.weight", 0.15));
            assert.match((await messages(heavy, "cutin-phase-order"))[0], /sends 15% to the staging distribution, cutin\.edgeWeight is 1%/);
        });

        it("the header-based policy enabled at phase staged is refused; a policy or staging distribution at adopted too", async () => {
            const st = await plan("production", ["cutin.phase=staged"], ["cutin.phase=staged"], CUT);
            assert.deepEqual(await mandatory(st), []);
            const live = mutated(st, (f) => setProp(f(CDP, "cutin-policy"), "enabled", true));
            assert.match(
                (await messages(live, "cutin-phase-order"))[0],
                /enabled header-based continuous deployment policy, phase staged has disabled header-based/,
            );
            // The record says adopted while the staged resources exist: refused.
            const record = mutated(st, (f) => setProp(f("payments:migration:CutinEdge", "cutin"), "phase", "adopted"));
            assert.match((await messages(record, "cutin-phase-order"))[0], /a staging distribution exists, phase adopted has none/);
        });

        it("a primary naming a continuous deployment policy the stack does not declare cannot be judged: refused", async () => {
            const adopted = await plan("production", at("adopted"), at("adopted"), CUT);
            const foreign = mutated(adopted, (f) => setProp(f(T.dist, "cutin-primary"), "continuousDeploymentPolicyId", "cdp-foreign"));
            assert.match(
                (await messages(foreign, "cutin-phase-order"))[0],
                /names continuous deployment policy cdp-foreign, which this stack does not declare/,
            );
        });

        it("unknown values (a first deployment, a preview creating the policy) refuse nothing", async () => {
            const first = await plan("production", [], [], CUT).then(() => runPlan({ stack: "production", dir: CUT, firstDeploy: true }));
            assert.deepEqual(
                (await mandatory(first)).filter((v) => v.policy.startsWith("cutin-")),
                [],
            );
            // adopted → staged in a preview: the policy's id, and so the primary's reference to it, are not known yet.
            const staged = await plan("production", at("staged"), at("adopted"), CUT);
            const preview = mutated(staged, (f) => {
                setProp(f(CDP, "cutin-policy"), "id", UNKNOWN);
                setProp(f(T.dist, "cutin-primary"), "continuousDeploymentPolicyId", UNKNOWN);
                setProp(f(T.dist, "cutin-staging"), "domainName", UNKNOWN);
            });
            const report = await checkPlan(preview, { dir: CUT });
            assert.deepEqual(
                report.violations.filter((v) => v.policy === "cutin-phase-order"),
                [],
            );
        });
    });

    describe("7: the edge moves forward while Spring already serves a public path", () => {
        it("header → weight 1 % and adopted → staged with Spring at 25 % are refused; with Spring at 0 % they pass", async () => {
            const w1 = at("weight", 1);
            assert.deepEqual(await mandatory(await plan("production", w1, at("header"), CUT)), []);
            const spring = await plan("production", [...w1, "canary.weight=25"], [...at("header"), "canary.weight=25"], CUT);
            assert.match(
                (await messages(spring, "cutin-one-risk-at-a-time"))[0],
                /cut-in moves forward \(header → weight 1%\) while Spring serves up to 25% of a public path/,
            );
            assert.deepEqual(await mandatory(await plan("production", at("staged"), at("adopted"), CUT)), []);
            const staged = await plan("production", [...at("staged"), "canary.weight=25"], [...at("adopted"), "canary.weight=25"], CUT);
            assert.match((await messages(staged, "cutin-one-risk-at-a-time"))[0], /cut-in moves forward \(adopted → staged\) while Spring serves up to 25%/);
            // A rung up inside the weight phase is a forward move too.
            const rung = await plan("production", [...at("weight", 5), "canary.weight=25"], [...at("weight", 1), "canary.weight=25"], CUT);
            assert.match((await messages(rung, "cutin-one-risk-at-a-time"))[0], /weight 1% → weight 5%/);
        });

        it("every cut-in rollback to every earlier phase passes the whole pack, with Spring left at 25 %", async () => {
            for (const [i, from] of CUTIN_PHASES.entries()) {
                const dated = from === "promoted" ? ["cutin.cutinDate=2026-01-01"] : [];
                for (const to of CUTIN_PHASES.slice(0, i)) {
                    const p = await plan("production", [...at(to), ...dated, "canary.weight=25"], [...at(from), ...dated, "canary.weight=25"], CUT);
                    assert.deepEqual(await mandatory(p), [], `${from} → ${to}`);
                }
            }
        });
    });

    describe("8: the bake shortened by a back-dated cutin.cutinDate", () => {
        it("retiring with a date back-dated in the same update is refused: the bake counts from the deployed date", async () => {
            const deployed = [...at("promoted"), `cutin.cutinDate=${TODAY}`];
            const v = await messages(
                await plan("production", [...at("promoted"), "cutin.cutinDate=2026-01-01", "cutin.retired=true"], deployed, CUT),
                "cutin-old-origin-retained",
            );
            assert.match(v.join("\n"), /cutin\.cutinDate 2026-01-01 lies before today/);
            assert.match(v.join("\n"), new RegExp(`forgotten while the cut-in of ${TODAY} has baked 0 of 14 days`));
            // Compliant: promoted on the deployed day, nothing retired.
            assert.deepEqual(await mandatory(await plan("production", deployed, deployed, CUT)), []);
        });

        it("promoting with a back-dated date is refused; promoting with today's date passes", async () => {
            const detached = at("detached", 15);
            const back = await plan("production", [...at("promoted", 15), "cutin.cutinDate=2026-01-01"], detached, CUT);
            assert.match((await messages(back, "cutin-old-origin-retained"))[0], /cutin\.cutinDate 2026-01-01 lies before today/);
            assert.deepEqual(await mandatory(await plan("production", [...at("promoted", 15), `cutin.cutinDate=${TODAY}`], detached, CUT)), []);
        });

        it("a date recorded before the promotion, or in the future, is refused", async () => {
            const early = await plan("production", [...at("weight", 5), `cutin.cutinDate=${TODAY}`], at("weight", 5), CUT);
            assert.match((await messages(early, "cutin-old-origin-retained"))[0], /recorded at phase weight: record it in the update that moves to promoted/);
            const future = await plan("production", [...at("promoted"), "cutin.cutinDate=2999-01-01"], [...at("promoted"), `cutin.cutinDate=${TODAY}`], CUT);
            assert.match((await messages(future, "cutin-old-origin-retained"))[0], /2999-01-01 lies after today/);
        });
    });

    describe("9: the old origin rewritten instead of retired", () => {
        const OTHER = "payments-production-green.eu-west-1.elasticbeanstalk.com";
        const rewrite = (cname: string) => [`cutin.oldPair.green.cname=${cname}`, `cutin.distribution.args.origins[0].domainName=${cname}`];

        it("changing the old origin before the bake is refused; keeping it passes", async () => {
            const deployed = [...at("promoted"), `cutin.cutinDate=${TODAY}`];
            assert.deepEqual(await mandatory(await plan("production", deployed, deployed, CUT)), []);
            const moved = await plan("production", [...deployed, ...rewrite(OTHER)], deployed, CUT);
            assert.match(
                (await messages(moved, "cutin-old-origin-retained"))[0],
                new RegExp(
                    `old origin changes \\(payments-prod\\.eu-west-1\\.elasticbeanstalk\\.com → ${OTHER.replace(/\./g, "\\.")}\\) while the cut-in of ${TODAY} has baked 0 of 14 days`,
                ),
            );
        });

        it("an old origin that is one of this stack's own Beanstalk environments is refused, even after the bake", async () => {
            const baked = [...at("promoted"), "cutin.cutinDate=2020-01-01"];
            const own = String(
                ((await plan("production", baked, baked, CUT)).states.find((s) => s.type === T.env && s.name === "legacy-green")!.outputs as any).cname,
            );
            assert.match(own, /^legacy-green-.*\.elasticbeanstalk\.com$/);
            // After the bake another old environment may be named; the stack's own environment never.
            assert.deepEqual(await mandatory(await plan("production", [...baked, ...rewrite(OTHER)], baked, CUT)), []);
            const mine = await plan("production", [...baked, ...rewrite(own)], baked, CUT);
            assert.match((await messages(mine, "cutin-old-origin-retained"))[0], /is this stack's own Beanstalk environment legacy-green/);
        });
    });
});
