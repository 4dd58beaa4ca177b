import { strict as assert } from "node:assert";
import { readPosition } from "../../lib/position";
import { PlanRun, runPlan } from "../../tools/plan/run";
import { checkPlan } from "../../tools/policy/check";
import { FIXTURES } from "../helpers";

const SERVICE = "aws:ecs/service:Service";
const RULE = "aws:lb/listenerRule:ListenerRule";

const urnOf = (p: PlanRun, type: string, name: string) => {
    const r = p.states.find((s) => s.type === type && s.name === name);
    if (!r) throw new Error(`no ${type} ${name}`);
    return r.urn;
};
const mandatory = async (p: PlanRun) =>
    (await checkPlan(p, { dir: FIXTURES })).violations.filter((v) => v.level === "mandatory").map((v) => `${v.policy}: ${v.message}`);

describe("offline plan of a targeted update (pulumi up --target)", () => {
    // The file holds a traffic step (1 % → 5 %) and a pending capacity change nobody deployed (green to 0 tasks).
    const sets = ["canary.weight=5", "spring.green.desiredCount=0"];
    let whole: PlanRun;
    let targeted: PlanRun;
    before(async () => {
        whole = await runPlan({ stack: "production", dir: FIXTURES, sets });
        const targets = [
            urnOf(whole, "pulumi:pulumi:Stack", "payments-migration-production"),
            urnOf(whole, "payments:migration:PositionRecord", "position"),
            urnOf(whole, RULE, "alb-canary-default"),
        ];
        targeted = await runPlan({ stack: "production", dir: FIXTURES, sets, targets });
    });

    it("keeps every resource it does not target at its deployed inputs and outputs, as the engine's SameStep does", () => {
        const green = (p: PlanRun) => p.states.find((s) => s.type === SERVICE && s.name === "spring-green")!;
        assert.equal(green(whole).inputs.desiredCount, 0, "the whole update deploys the pending change");
        assert.equal(green(targeted).inputs.desiredCount, 2, "the targeted update leaves it as deployed");
        assert.equal(green(targeted).outputs.desiredCount, 2);
        const rule = (p: PlanRun) => JSON.stringify(p.states.find((s) => s.type === RULE && s.name === "alb-canary-default")!.inputs.actions);
        assert.equal(rule(targeted), rule(whole), "the targeted rule takes the step");
    });

    it("exports the position the engine will have: the program gets the deployed outputs of what it does not target", () => {
        const position = readPosition(targeted.outputs.position);
        assert.ok(typeof position !== "string", String(position));
        assert.deepEqual(position.capacity.spring, { blue: 3, green: 2 });
        assert.equal(position.traffic.find((e) => e.rule === "canary-default")?.shares?.["spring-blue"], 5);
    });

    it("a pending change in the file never makes the targeted traffic step refused; the whole update is", async () => {
        assert.deepEqual(await mandatory(targeted), []);
        assert.ok(
            (await mandatory(whole)).some((v) => v.startsWith("idle-color-warm: [capacity-short]")),
            (await mandatory(whole)).join("\n"),
        );
    });
});
