import { strict as assert } from "node:assert";
import * as path from "node:path";
import { PlanRun } from "../../tools/plan/run";
import { checkPlan } from "../../tools/policy/check";
import { FIXTURES } from "../helpers";
import { plan } from "../planCache";
import { mutated, setProp } from "./harness";
import { minuteOf } from "../../lib/cutin";

const DIR = path.join(FIXTURES, "cutin");
const CDP = "aws:cloudfront/continuousDeploymentPolicy:ContinuousDeploymentPolicy";
const DIST = "aws:cloudfront/distribution:Distribution";

async function violations(p: PlanRun, policy: string): Promise<string[]> {
    const report = await checkPlan(p, { dir: DIR });
    return report.violations.filter((v) => v.policy === policy && v.level === "mandatory").map((v) => v.message);
}
const cut = (phase: string, weight?: number) => [`cutin.phase=${phase}`, ...(weight === undefined ? [] : [`cutin.edgeWeight=${weight}`])];

describe("cut-in policies (policy/cutin.ts)", () => {
    it("cutin-phase-order: one phase forward, judged against the deployed phase; any move back passes", async () => {
        assert.deepEqual(await violations(await plan("production", cut("staged"), cut("adopted"), DIR), "cutin-phase-order"), []);
        assert.match((await violations(await plan("production", cut("header"), cut("adopted"), DIR), "cutin-phase-order"))[0], /adopted → header skips staged/);
        // Promotion before the weight phase ran: refused.
        assert.match(
            (await violations(await plan("production", cut("promoting", 5), cut("header"), DIR), "cutin-phase-order"))[0],
            /header → promoting skips weight/,
        );
        assert.match(
            (await violations(await plan("production", cut("weight", 15), cut("weight", 5), DIR), "cutin-phase-order"))[0],
            /edge weight 5% → 15% skips rungs/,
        );
        // Back, even several phases at once (promoted → adopted, weight → staged): never refused.
        assert.deepEqual(await violations(await plan("production", cut("adopted"), cut("promoted"), DIR), "cutin-phase-order"), []);
        assert.deepEqual(await violations(await plan("production", cut("staged", 15), cut("weight", 15), DIR), "cutin-phase-order"), []);
    });

    it("cutin-phase-order: the edge moves forward only while both origins serve the same Rails version; back always", async () => {
        const newer = "legacy.blue.versionLabel=rails-2026.12.1";
        assert.match(
            (await violations(await plan("production", [...cut("staged"), newer], cut("adopted"), DIR), "cutin-phase-order"))[0],
            /runs rails-2026\.12\.1, the old live environment rails-2026\.11\.2/,
        );
        assert.deepEqual(await violations(await plan("production", [...cut("adopted"), newer], cut("staged"), DIR), "cutin-phase-order"), []);
    });

    it("cutin-phase-order fails closed: an unreadable deployed state or a removed cut-in is refused", async () => {
        const p = await plan("production", cut("staged"), cut("adopted"), DIR);
        const noRef = mutated(p, (_find, states) =>
            states.splice(
                states.findIndex((s) => s.type === "pulumi:pulumi:StackReference"),
                1,
            ),
        );
        assert.match((await violations(noRef, "cutin-phase-order"))[0], /cannot be read/);
        const noCutin = mutated(p, (_find, states) =>
            states.splice(
                states.findIndex((s) => s.type === "payments:migration:CutinEdge"),
                1,
            ),
        );
        assert.match((await violations(noCutin, "cutin-phase-order"))[0], /removed before the old origin was retired/);
    });

    it("cutin-continuous-deployment-limits: weight above 15 %, bad stickiness, header prefix, HTTP/3, WAF change while attached", async () => {
        const p = await plan("production", cut("weight", 5), cut("weight", 5), DIR);
        assert.deepEqual(await violations(p, "cutin-continuous-deployment-limits"), []);
        const heavy = mutated(p, (find) => setProp(find(CDP, "cutin-policy"), "trafficConfig.singleWeightConfig.weight", 0.2));
        assert.match((await violations(heavy, "cutin-continuous-deployment-limits"))[0], /weight 20% is outside CloudFront's 0–15 %/);
        const sticky = mutated(p, (find) => setProp(find(CDP, "cutin-policy"), "trafficConfig.singleWeightConfig.sessionStickinessConfig.idleTtl", 60));
        assert.match((await violations(sticky, "cutin-continuous-deployment-limits"))[0], /stickiness/);
        const h3 = mutated(p, (find) => setProp(find(DIST, "cutin-primary"), "httpVersion", "http2and3"));
        assert.match((await violations(h3, "cutin-continuous-deployment-limits"))[0], /HTTP\/3/);
        const waf = mutated(p, (find) => setProp(find(DIST, "cutin-primary"), "webAclId", "arn:aws:wafv2:us-east-1:111111111111:global/webacl/x/1"));
        assert.match((await violations(waf, "cutin-continuous-deployment-limits"))[0], /web ACL changes .* while a continuous deployment policy is attached/);
        const header = mutated(await plan("production", cut("header"), cut("header"), DIR), (find) =>
            setProp(find(CDP, "cutin-policy"), "trafficConfig.singleHeaderConfig.header", "x-cutin"),
        );
        assert.match((await violations(header, "cutin-continuous-deployment-limits"))[0], /must start with aws-cf-cd-/);
    });

    it("cutin-one-risk-at-a-time: the Spring canary stays at 0 % until the promoted cut-in is deployed; lowering passes", async () => {
        assert.match(
            (await violations(await plan("production", ["canary.weight=1"], [], DIR), "cutin-one-risk-at-a-time"))[0],
            /Spring 0% → 1% while the cut-in is at phase adopted/,
        );
        // Promoting and starting the canary in one update: refused (the deployed phase is not promoted yet).
        assert.equal(
            (await violations(await plan("production", [...cut("promoted"), "canary.weight=1"], cut("detached", 5), DIR), "cutin-one-risk-at-a-time")).length,
            1,
        );
        assert.deepEqual(
            await violations(await plan("production", [...cut("promoted"), "canary.weight=1"], cut("promoted"), DIR), "cutin-one-risk-at-a-time"),
            [],
        );
        // Already above 0 (deployed), going down during a cut-in rollback: allowed.
        assert.deepEqual(
            await violations(
                await plan("production", [...cut("adopted"), "canary.weight=1"], [...cut("promoted"), "canary.weight=5"], DIR),
                "cutin-one-risk-at-a-time",
            ),
            [],
        );
    });

    it("cutin-old-origin-retained: retiring the old origin waits for the deployed promotion, its deployed date and the bake", async () => {
        const today = new Date().toISOString().slice(0, 10);
        const promotedOn = (date: string) => [...cut("promoted"), `cutin.cutinDate=${date}`];
        const retire = (date: string) => [...promotedOn(date), "cutin.retired=true"];
        const recent = await plan("production", retire(today), promotedOn(today), DIR);
        assert.match((await violations(recent, "cutin-old-origin-retained"))[0], /old origin would be forgotten while the cut-in of .* has baked 0 of 14 days/);
        assert.deepEqual(await violations(await plan("production", retire("2020-01-01"), promotedOn("2020-01-01"), DIR), "cutin-old-origin-retained"), []);
        // A date back-dated in the retiring update itself: the bake counts from the deployed date, and a new date must be today's.
        const backDated = await violations(await plan("production", retire("2020-01-01"), cut("promoted"), DIR), "cutin-old-origin-retained");
        assert.match(backDated.join("\n"), /cutin\.cutinDate 2020-01-01 lies before today/);
        assert.match(backDated.join("\n"), /forgotten while cutin\.cutinDate is not recorded/);
        assert.deepEqual(await violations(await plan("production", cut("promoted"), cut("promoted"), DIR), "cutin-old-origin-retained"), []);
    });

    it("cutin-phase-order: promotion only from the deployed top rung after its bake; its time is recorded with the climb, never back-dated", async () => {
        const minutesAgo = (m: number) => minuteOf(Date.now() - m * 60_000);
        const top = (at?: string) => [...cut("weight", 15), ...(at ? [`cutin.topRungAt=${at}`] : [])];
        const promoting = (at?: string) => [...cut("promoting", 15), ...(at ? [`cutin.topRungAt=${at}`] : [])];
        const order = async (sets: string[], deployed: string[]) => violations(await plan("production", sets, deployed, DIR), "cutin-phase-order");
        // From the first rung: every viewer would move onto the routed ALB in one update.
        assert.match(
            (await order(cut("promoting", 1), cut("weight", 1))).join("\n"),
            /promotion starts from the top edge rung \(15%\), baked; the deployed edge weight is 1%/,
        );
        // At the top, before the bake ends; without a recorded time; after it: passes.
        const recent = minutesAgo(20);
        assert.match(
            (await order(promoting(recent), top(recent))).join("\n"),
            /the top edge rung \(15%, since \S+\) has baked 20 of 60 minutes: promote from /,
        );
        assert.match((await order(promoting(), top())).join("\n"), /cutin\.topRungAt\) is not recorded, so its bake cannot be judged/);
        const baked = minutesAgo(61);
        assert.deepEqual(await order(promoting(baked), top(baked)), []);
        // A bake lowered in the promoting update itself counts only once deployed.
        assert.match(
            (await order([...promoting(baked), "cutin.topRungBakeMinutes=0"], [...top(baked), "cutin.topRungBakeMinutes=120"])).join("\n"),
            /baked 61 of 120 minutes/,
        );
        // The climb onto the top rung records a new time: missing, left from an earlier stay, back-dated or in the future, refused.
        assert.match((await order(top(), cut("weight", 10))).join("\n"), /reaches the top rung \(15%\) without a new cutin\.topRungAt/);
        assert.match((await order(top(baked), [...cut("weight", 10), `cutin.topRungAt=${baked}`])).join("\n"), /is from an earlier stay at the top/);
        assert.match((await order(top(minutesAgo(180)), cut("weight", 10))).join("\n"), /lies 180 minutes before this update \(at most 30\)/);
        assert.match((await order(top(minutesAgo(-60)), cut("weight", 10))).join("\n"), /lies after now/);
        assert.match((await order([...cut("weight", 10), `cutin.topRungAt=${minutesAgo(1)}`], cut("weight", 5))).join("\n"), /is recorded at phase weight 10%/);
        assert.deepEqual(await order(top(minutesAgo(1)), cut("weight", 10)), []);
        // A move back keeps whatever time is recorded: never refused for it.
        assert.deepEqual(await order([...cut("staged"), `cutin.topRungAt=${baked}`], top(baked)), []);
        assert.deepEqual(await order([...cut("weight", 5), `cutin.topRungAt=${baked}`], top(baked)), []);
    });

    it("the end: cutin.ended once the retirement is deployed, in an update of its own; the cutin section never goes", async () => {
        const promoted = [...cut("promoted"), "cutin.cutinDate=2020-01-01"];
        const retired = [...promoted, "cutin.retired=true"];
        const ended = [...retired, "cutin.ended=true", "cutin.adoption=managed"];
        const order = async (sets: string[], deployed: string[]) => violations(await plan("production", sets, deployed, DIR), "cutin-phase-order");
        assert.deepEqual(await order(ended, retired), []);
        assert.deepEqual(await order(ended, ended), []);
        assert.match(
            (await order(ended, promoted)).join("\n"),
            /cutin\.ended is set while the deployed cut-in is at phase promoted with the old origin not retired: end it in an update of its own/,
        );
        // Removing the section: refused before the retirement (as before), after it and once ended.
        const removed = (p: PlanRun) =>
            mutated(p, (_find, states) =>
                states.splice(
                    states.findIndex((s) => s.type === "payments:migration:CutinEdge"),
                    1,
                ),
            );
        assert.match(
            (await violations(removed(await plan("production", retired, retired, DIR)), "cutin-phase-order"))[0],
            /the cut-in \(deployed, retired\) was removed: that deletes the adopted distribution and its hostname records, which carry every viewer[^;]*; keep cutin as the stack's permanent edge and end it instead: npm run canary -- cutin end$/,
        );
        assert.match(
            (await violations(removed(await plan("production", ended, ended, DIR)), "cutin-phase-order"))[0],
            /the cut-in \(deployed, ended\) was removed/,
        );
    });
});
