/**
 * The canary tool works from what is deployed (issue 18 item 1, issue 17 item 2): one read of the
 * deployed position per command; a command that writes refuses while the stack file and the
 * deployment disagree on traffic, live colors or releases (--from-deployed rewrites the file);
 * `release` writes to the color idle in the deployment; `confirm` moves the known-good pointer to
 * the deployed position; `rollback` goes back to it; a targeted step is judged as it deploys.
 * Against the fake engine (harness.ts) whose deployment differs from the stack file.
 */
import { strict as assert } from "node:assert";
import { parse } from "yaml";
import { UserError } from "../../../lib/errors";
import { Position, positionDigest, readPosition } from "../../../lib/position";
import { deployedStatesFor, edgeAhead, edgeRows, withPlaceholders } from "../../../tools/canary/deployed";
import { runPlan } from "../../../tools/plan/run";
import { stackConfigFromText } from "../../../tools/plan/stackFile";
import { checkPlan } from "../../../tools/policy/check";
import { mandatoryViolations } from "../../../tools/policy/evaluate";
import { PROJECT } from "../../helpers";
import { FakeAlarms, FakeEngine, canary, edited, stackText, tempProject, writeEdits } from "./harness";

const IMAGE = "111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api:1.5.0";
const config = (dir: string) => parse(stackText(dir, "production")).config;
const canaryOf = (dir: string) => config(dir)["payments-migration:canary"];
const springOf = (dir: string) => config(dir)["payments-migration:spring"];
const digestOf = (outputs: Record<string, unknown>, key = "position") => {
    const p = readPosition(outputs[key], key);
    if (typeof p === "string") throw new Error(p);
    return positionDigest(p);
};
const REFUSED = /^Refused: Pulumi\.production\.yaml and the deployment of stack production disagree on what moves traffic; nothing was written\.$/m;

/**
 * Issue 18's case: the file at Spring 5 %, blue live; the deployment at 50 %, green live (a step
 * deployed and not merged). Both with green at 3 tasks, so only traffic and colors differ.
 */
async function drifted(): Promise<{ dir: string; engine: FakeEngine }> {
    const dir = tempProject();
    const engine = new FakeEngine(dir);
    writeEdits(dir, "production", { "canary.weight": 5, "spring.green.desiredCount": 3 });
    await engine.deploy("production", edited(dir, "production", { "canary.weight": 50, "spring.liveColor": "green" }));
    return { dir, engine };
}

describe("canary tool and the deployment: drift", () => {
    it("release with the file at 5 % blue-live and the deployment at 50 % green-live: refused with the table; --from-deployed writes to blue, idle in the deployment", async () => {
        const { dir, engine } = await drifted();
        const before = stackText(dir, "production");
        const r = await canary(dir, ["release", "spring", IMAGE, "--stack", "production"], { engine });
        assert.equal(r.code, 2, r.out);
        assert.match(r.out, REFUSED);
        assert.match(r.out, /^ {2}traffic canary-default +legacy-green 95%, spring-blue 5% +legacy-green 50%, spring-green 50%$/m);
        assert.match(r.out, /^ {2}traffic route-payment-status +legacy-green 95%, spring-blue 5% +legacy-green 95%, spring-green 5%$/m);
        assert.match(r.out, /^ {2}live color spring +blue +green$/m);
        // The two ways to reconcile, each a command to paste.
        assert.match(r.out, /^ {4}pulumi up --stack production --policy-pack policy --policy-pack-config policy-config\.production\.json$/m);
        assert.match(r.out, /^ {4}npm run canary -- release spring .*payments-api:1\.5\.0 --stack production --from-deployed$/m);
        assert.equal(stackText(dir, "production"), before);

        const fixed = await canary(dir, ["release", "spring", IMAGE, "--stack", "production", "--from-deployed"], { engine });
        assert.equal(fixed.code, 0, fixed.out);
        assert.match(fixed.out, /--from-deployed rewrites the file from the deployment/);
        assert.equal(canaryOf(dir).weight, 50);
        assert.equal(springOf(dir).liveColor, "green");
        assert.equal(springOf(dir).blue.image, IMAGE, "the color idle in the deployment");
        assert.notEqual(springOf(dir).green.image, IMAGE, "never the color carrying half the traffic");
    });

    it("every command that writes refuses on drift it does not cover (exit 2, nothing written); status shows the same table; confirm is not held back", async () => {
        const { dir, engine } = await drifted();
        const before = stackText(dir, "production");
        for (const argv of [
            ["next"],
            ["set", "0"],
            ["flip", "spring", "green"],
            ["release", "legacy", "rails-2027.01.1"],
            ["rotate-origin-verify"],
            ["decommission"],
            // cutin next: this stack has no cut-in (a config error first); drift at the edge is operations.test.ts C4.
        ]) {
            const r = await canary(dir, [...argv, "--stack", "production"], { engine });
            assert.equal(r.code, 2, `${argv.join(" ")}: ${r.out}${r.err}`);
            assert.match(r.out, REFUSED, argv.join(" "));
            assert.equal(stackText(dir, "production"), before, argv.join(" "));
        }
        assert.deepEqual(engine.ups, []);
        const status = await canary(dir, ["status", "--stack", "production"], { engine, alarms: new FakeAlarms(() => "OK") });
        assert.equal(status.code, 0, status.out);
        assert.match(status.out, /Pulumi\.production\.yaml and the deployment disagree/);
        assert.match(status.out, /^ {2}live color spring +blue +green$/m);
        // confirm records the deployed position, whatever the file says.
        await engine.deploy("production", stackText(dir, "production").replace("weight: 5", "weight: 10"), before);
        const confirm = await canary(dir, ["confirm", "--stack", "production"], { engine, alarms: new FakeAlarms(() => "OK") });
        assert.equal(confirm.code, 0, confirm.out);
        assert.match(canaryOf(dir).confirm, /^[0-9a-f]{12}$/);
    });

    it("rollback is never refused for drift: it plans from the deployment, takes the file to where the deployment is, and never raises a share the file lowered", async () => {
        const { dir, engine } = await drifted();
        // Known-good: the deployment itself (50 %, green live). The file's blue is not where rollback goes; its 5 % is lower.
        const r = await canary(dir, ["rollback", "--stack", "production", "--apply"], { engine });
        assert.equal(r.code, 0, `${r.out}\n${r.err}`);
        assert.doesNotMatch(r.out, REFUSED);
        assert.equal(springOf(dir).liveColor, "green", "the known-good color, which the deployment has");
        assert.equal(canaryOf(dir).weight, 5, "a share lowered in the file stays lowered");
        assert.deepEqual(
            engine.ups.map((t) => [parse(t).config["payments-migration:canary"].weight, parse(t).config["payments-migration:spring"].liveColor]),
            [[5, "green"]],
            "the pending move down is deployed, targeted, with green live",
        );
        assert.ok(engine.targets[0], "a targeted update");
    });

    it("a relative step re-run over its own failed update (the file one rung above the deployment) continues it; a rung elsewhere is refused", async () => {
        const dir = tempProject();
        const engine = new FakeEngine(dir);
        await engine.outputs("production");
        writeEdits(dir, "production", { "canary.weight": 5 }); // what the failed `next` wrote
        const r = await canary(dir, ["next", "--stack", "production", "--apply"], { engine });
        assert.equal(r.code, 0, r.out);
        assert.deepEqual(
            engine.ups.map((t) => parse(t).config["payments-migration:canary"].weight),
            [5],
        );
        // The deployment one rung ahead of the file (a step deployed from another checkout): next refuses.
        await engine.deploy("production", edited(dir, "production", { "canary.weight": 10 }));
        const ahead = await canary(dir, ["next", "--stack", "production"], { engine });
        assert.equal(ahead.code, 2, ahead.out);
        assert.match(ahead.out, REFUSED);
    });

    it("--from-deployed with no drift changes nothing but the step; without a Pulumi CLI it is a usage error", async () => {
        const dir = tempProject();
        const before = stackText(dir, "production");
        const r = await canary(dir, ["set", "0.5", "--stack", "production", "--from-deployed"], { engine: new FakeEngine(dir) });
        assert.equal(r.code, 0, r.out);
        assert.doesNotMatch(r.out, /rewrites the file/);
        assert.equal(stackText(dir, "production"), before.replace("    weight: 1\n", "    weight: 0.5\n"));
        const offline = await canary(dir, ["set", "0", "--stack", "production", "--from-deployed"]);
        assert.equal(offline.code, 2);
        assert.match(offline.err, /^--from-deployed reads the deployment: it needs the Pulumi CLI on the PATH/);
    });

    it("--from-deployed does not invent routes: a rule one side has and the other does not is refused, nothing written", async () => {
        const dir = tempProject();
        const engine = new FakeEngine(dir);
        await engine.deploy("production", edited(dir, "production", { "canary.routes": [] }));
        const before = stackText(dir, "production");
        const r = await canary(dir, ["next", "--stack", "production", "--from-deployed"], { engine });
        assert.equal(r.code, 2, r.out);
        assert.match(r.out, /^ {2}traffic route-payment-status +legacy-green 95%, spring-blue 5% +no such rule$/m);
        assert.match(r.out, /rule route-payment-status is in the stack file but not deployed: change canary\.routes by hand/);
        assert.equal(stackText(dir, "production"), before);
    });
});

describe("canary tool and the deployment: confirm", () => {
    /** Deployed at 5 %, the known-good position at 1 %. */
    async function atFive(): Promise<{ dir: string; engine: FakeEngine }> {
        const dir = tempProject();
        const engine = new FakeEngine(dir);
        const good = stackText(dir, "production");
        writeEdits(dir, "production", { "canary.weight": 5 });
        await engine.deploy("production", stackText(dir, "production"), good);
        return { dir, engine };
    }

    it("needs a Pulumi CLI: offline, exit 2 with the reason, nothing written", async () => {
        const dir = tempProject();
        const before = stackText(dir, "production");
        const r = await canary(dir, ["confirm", "--stack", "production"]);
        assert.equal(r.code, 2);
        assert.match(r.err, /^confirm records the deployed position of stack production as known-good: it needs the Pulumi CLI on the PATH/);
        assert.equal(stackText(dir, "production"), before);
    });

    it("refuses while an alarm fires or has no data (exit 1, nothing written)", async () => {
        const { dir, engine } = await atFive();
        const before = stackText(dir, "production");
        for (const [state, says] of [
            ["ALARM", /an alarm is firing \(production-spring-canary-unhealthy ALARM, sb-5xx ALARM/],
            ["INSUFFICIENT_DATA", /no evidence is not good evidence/],
        ] as const) {
            const r = await canary(dir, ["confirm", "--stack", "production"], { engine, alarms: new FakeAlarms(() => state) });
            assert.equal(r.code, 1, r.out);
            assert.match(r.out, /^Refused: the deployed position [0-9a-f]{12} cannot be confirmed: /m);
            assert.match(r.out, says);
            assert.equal(stackText(dir, "production"), before);
        }
    });

    it("with the alarms OK: canary.confirm = the deployed position's digest, a targeted update of the stack and its record only; re-run: nothing changed", async () => {
        const { dir, engine } = await atFive();
        const deployed = await engine.outputs("production");
        const r = await canary(dir, ["confirm", "--stack", "production", "--apply"], { engine, alarms: new FakeAlarms(() => "OK") });
        assert.equal(r.code, 0, r.out);
        assert.equal(canaryOf(dir).confirm, digestOf(deployed));
        assert.match(r.out, /Resource diff: 0 to add, 0 to remove, 0 to change, 0 to replace/);
        assert.match(r.out, /Direction against the known-good position \(as the targeted update deploys it\): same\n/);
        assert.deepEqual(engine.targets, [
            [
                "urn:pulumi:production::payments-migration::pulumi:pulumi:Stack::payments-migration-production",
                "urn:pulumi:production::payments-migration::payments:migration:PositionRecord::position",
            ],
        ]);
        // Deployed: the known-good pointer is the position that was deployed.
        const after = await engine.outputs("production");
        assert.equal(digestOf(after, "knownGood"), digestOf(deployed));
        const again = await canary(dir, ["confirm", "--stack", "production"], { engine, alarms: new FakeAlarms(() => "ALARM") });
        assert.equal(again.code, 0, again.out);
        assert.match(again.out, /^Nothing changed: the deployed position [0-9a-f]{12} is the known-good position already/);
        assert.equal(again.out.split("\n").length, 1);
    });

    it("with nothing serving Spring there is no Spring alarm to wait for", async () => {
        const dir = tempProject();
        const engine = new FakeEngine(dir);
        writeEdits(dir, "production", { "canary.weight": 0, "canary.routes[0].weight": 0 });
        await engine.deploy("production", stackText(dir, "production"), null);
        const r = await canary(dir, ["confirm", "--stack", "production"], { engine, alarms: new FakeAlarms(() => "INSUFFICIENT_DATA") });
        assert.equal(r.code, 0, r.out);
        assert.match(r.out, /Nothing serves Spring in the deployed position/);
        assert.equal(canaryOf(dir).confirm, digestOf(await engine.outputs("production")));
        // Written, not deployed yet: status says what deploying it does.
        const status = await canary(dir, ["status", "--stack", "production"], { engine, alarms: new FakeAlarms(() => "OK") });
        assert.match(
            status.out,
            /^canary\.confirm [0-9a-f]{12} names the deployed position and is not deployed yet: npm run canary -- confirm --stack production --apply/m,
        );
        assert.match(status.out, /^Known-good position: none confirmed yet/m);
    });
});

describe("canary tool and the deployment: rollback", () => {
    it("needs a Pulumi CLI: offline, exit 2 and the emergency lever by hand (set 0 per rule), nothing written", async () => {
        const dir = tempProject();
        const before = stackText(dir, "production");
        const r = await canary(dir, ["rollback", "--stack", "production"]);
        assert.equal(r.code, 2);
        const lines = r.err.split("\n");
        assert.match(
            lines[0],
            /^rollback goes back to the known-good position, which lives in the deployed state of stack production: it needs the Pulumi CLI/,
        );
        assert.deepEqual(lines.slice(2), [
            "  npm run canary -- set 0 --stack production",
            "  npm run canary -- set 0 --route payment-status --stack production",
        ]);
        assert.equal(stackText(dir, "production"), before);
        // Each of them is a decrease the pack passes, offline too.
        const lever = await canary(dir, ["set", "0", "--route", "payment-status", "--stack", "production"]);
        assert.equal(lever.code, 0, lever.out);
    });

    it("a deployment it cannot read (a position of another version): every command says why and ends with the lever; only the lever goes on, saying what it did not check", async () => {
        const dir = tempProject();
        const engine = new FakeEngine(dir);
        const outputs = engine.outputs.bind(engine);
        engine.outputs = async (stack: string) => ({ ...(await outputs(stack)), position: { version: 1, traffic: [] } });
        const before = stackText(dir, "production");
        for (const argv of [["rollback"], ["next"], ["flip", "spring", "green"], ["release", "spring", IMAGE]]) {
            const r = await canary(dir, [...argv, "--stack", "production"], { engine });
            assert.equal(r.code, 2, `${argv.join(" ")}: ${r.out}`);
            assert.match(
                r.err,
                /^the deployment of stack production cannot be read \(position version 1 is not 2\): the policy pack refuses every update/,
                argv.join(" "),
            );
            assert.match(r.err, /\n {2}npm run canary -- set 0 --route payment-status --stack production$/, argv.join(" "));
            assert.equal(stackText(dir, "production"), before, argv.join(" "));
        }
        const lever = await canary(dir, ["set", "0", "--stack", "production"], { engine });
        assert.equal(lever.code, 0, lever.out);
        assert.match(lever.out, /^Not checked: the deployment of stack production cannot be read/m);
        assert.equal(canaryOf(dir).weight, 0);
    });

    it("with no known-good position confirmed: says so and offers set 0", async () => {
        const dir = tempProject();
        const engine = new FakeEngine(dir);
        await engine.deploy("production", stackText(dir, "production"), null);
        const r = await canary(dir, ["rollback", "--stack", "production"], { engine });
        assert.equal(r.code, 2);
        assert.match(r.err, /^stack production has no known-good position confirmed yet \(npm run canary -- confirm --stack production, after a bake\)/);
        assert.match(r.err, /\n {2}npm run canary -- set 0 --stack production\n/);
    });

    it("a capacity change written but not deployed never refuses a rollback: its targeted update keeps it as deployed; the same as a whole update is refused", async () => {
        const dir = tempProject();
        const engine = new FakeEngine(dir);
        const good = stackText(dir, "production");
        await engine.deploy("production", edited(dir, "production", { "canary.weight": 5 }), good);
        writeEdits(dir, "production", { "canary.weight": 5, "spring.green.desiredCount": 0 }); // pending, not traffic: no drift
        const r = await canary(dir, ["rollback", "--stack", "production"], { engine });
        assert.equal(r.code, 0, r.out);
        assert.match(r.out, /Direction against the known-good position \(as the targeted update deploys it\): back\n/);
        assert.match(r.out, /Policy pack: 0 mandatory/);
        assert.match(r.out, /Pending capacity this targeted update does not deploy \(spring-green desiredCount 2 → 0\)/);
        assert.match(
            r.out,
            /^Next: pulumi up --stack production [^\n]*\\\n {4}--target '[^']+pulumi:pulumi:Stack[^']*' \\\n {4}--target '[^']+PositionRecord::position'/m,
        );
        assert.equal(canaryOf(dir).weight, 1);
        // The same change as a whole update deploys the pending capacity with it: refused.
        const whole = await runPlan({
            stack: "production",
            dir,
            loaded: stackConfigFromText(stackText(dir, "production"), PROJECT, "production"),
            deployed: await engine.outputs("production"),
        });
        const refused = mandatoryViolations(await checkPlan(whole, { dir })).map((v) => `${v.policy}: ${v.message}`);
        assert.ok(
            refused.some((v) => v.startsWith("idle-color-warm: [capacity-short]")),
            refused.join("\n"),
        );
    });
});

describe("canary tool and the deployment: direction is the pack's", () => {
    it("each step prints compare()'s verdict against the known-good position, with the coordinates that move", async () => {
        const dir = tempProject();
        const engine = new FakeEngine(dir);
        const r = await canary(dir, ["next", "--stack", "production"], { engine });
        assert.equal(r.code, 0, r.out);
        assert.match(r.out, /Direction against the known-good position \(as the targeted update deploys it\): forward\n/);
        assert.match(r.out, /^ {2}traffic \/ #0 spring-blue: 1 → 5 \(known-good 1\): away$/m);
        await engine.deploy("production", edited(dir, "production", { "canary.weight": 1 }), null);
        writeEdits(dir, "production", { "canary.weight": 1 });
        const none = await canary(dir, ["set", "0", "--stack", "production"], { engine });
        assert.match(none.out, /: forward \(no known-good position confirmed: every change is forward\)\n/);
    });
});

describe("drift at the edge", () => {
    /** Only the edge of a position: what edgeRows and edgeAhead read. */
    const at = (
        phase: Position["edge"]["phase"],
        weight = 0,
        oldOrigin: string | null = "payments-prod.eu-west-1.elasticbeanstalk.com",
        primary = "edge::primary",
    ) => ({ edge: { phase, weight, oldOrigin, primary, webAcl: null } }) as unknown as Position;

    it("names the phase, the edge weight, the old origin and the viewer distribution where they differ", () => {
        assert.deepEqual(edgeRows(at("weight", 5), at("weight", 5)), []);
        assert.deepEqual(
            edgeRows(at("header"), at("weight", 5)).map((r) => [r.what, r.file, r.deployed]),
            [
                ["cut-in phase", "header", "weight"],
                ["cut-in edge weight", "0%", "5%"],
            ],
        );
        assert.deepEqual(
            edgeRows(at("promoted", 0, null, "edge::other"), at("promoted")).map((r) => r.what),
            ["cut-in old origin", "viewer distribution"],
        );
    });

    it("a file one cut-in step ahead of the deployment is ahead (a step written, not deployed); behind it or elsewhere is not (red team D, C4)", () => {
        assert.equal(edgeAhead(at("weight", 15), at("weight", 10)), true);
        assert.equal(edgeAhead(at("promoted"), at("detached", 5)), true);
        assert.equal(edgeAhead(at("promoted", 0, null), at("promoted")), true, "the old origin retired in the file");
        assert.equal(edgeAhead(at("header"), at("weight", 5)), false);
        assert.equal(edgeAhead(at("weight", 1), at("weight", 5)), false);
        assert.equal(edgeAhead(at("promoted"), at("promoted", 0, null)), false, "retired in the deployment, not in the file");
        assert.equal(edgeAhead(at("promoted", 0, null, "edge::other"), at("promoted")), false, "another viewer distribution");
        assert.equal(edgeAhead(at(null), at("weight", 5)), false);
    });
});

describe("deployed resources a targeted plan keeps", () => {
    it("a secret the export masks takes the plan's placeholder at the same path; elsewhere it stays masked", () => {
        assert.deepEqual(
            withPlaceholders(
                { a: "[secret]", b: { c: "[secret]" }, d: ["x", "[secret]"], e: 1 },
                { a: "[secret:origin-verify-a]", b: { c: "plain" }, d: ["x", "y [secret:qa-token] z"], e: 2 },
            ),
            { a: "[secret:origin-verify-a]", b: { c: "[secret]" }, d: ["x", "y [secret:qa-token] z"], e: 1 },
        );
    });

    it("a state without resources is not a deployment to keep anything of: one line, exit 2", async () => {
        const dir = tempProject();
        const plan = await runPlan({ stack: "production", dir });
        assert.throws(
            () => deployedStatesFor("production", [], plan),
            (e: Error) => e instanceof UserError && /holds no resources/.test(e.message),
        );
    });
});
