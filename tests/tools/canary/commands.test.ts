import { strict as assert } from "node:assert";
import { parse } from "yaml";
import { DEFAULT_LADDER } from "../../../lib/ladder";
import { modelFromFlatConfig } from "../../../lib/config";
import { StackDocument } from "../../../tools/canary/stackDocument";
import type { AlarmState } from "../../../tools/canary/adapters";
import { ConfigChange, applyConfigChange, loadedFromValues } from "../../../tools/plan/stackFile";
import { PROJECT } from "../../helpers";
import { LiveAccessError } from "../../../tools/live/aws";
import { FakeEngine, canary, changedLines, edited, stackText, tempProject, writeEdits } from "./harness";

const config = (dir: string, stack = "production") => parse(stackText(dir, stack)).config;

describe("npm run canary (offline plan on a copy of the stack files)", () => {
    it("next: one rung, exactly one listener rule's weights change, the file changes only at the canary keys", async () => {
        const dir = tempProject();
        const before = stackText(dir, "production");
        const r = await canary(dir, ["next", "--stack", "production"]);
        assert.equal(r.code, 0, r.out + r.err);
        assert.match(
            r.out,
            /Resource diff: 0 to add, 0 to remove, 1 to change, 0 to replace\n~ alb-canary-default \(aws:lb\/listenerRule:ListenerRule\)\n {4}actions\[0\]\.forward\.targetGroups\[1\]\.weight: 990 → 950\n {4}actions\[0\]\.forward\.targetGroups\[2\]\.weight: 10 → 50\n/,
        );
        assert.match(
            r.out,
            /Before:[\s\S]*legacy-green 99% \(w990\), spring-blue 1% \(w10\)[\s\S]*After:[\s\S]*legacy-green 95% \(w950\), spring-blue 5% \(w50\)/,
        );
        assert.match(r.out, /Next: pulumi up --stack production --policy-pack policy --policy-pack-config policy-config.production.json/);
        const after = stackText(dir, "production");
        assert.equal(config(dir)["payments-migration:canary"].weight, 5);
        // Byte for byte outside the changed key: one changed line, nothing inserted.
        const lines = changedLines(before, after);
        assert.equal(lines.length, 1);
        assert.equal(before.split("\n")[lines[0]], "    weight: 1");
    });

    it("refuses a step the policy pack rejects and leaves the file untouched", async () => {
        const dir = tempProject();
        const before = stackText(dir, "production");
        const r = await canary(dir, ["set", "50", "--stack", "production"]);
        assert.equal(r.code, 1);
        assert.match(r.out, /\[mandatory\] canary-step-limit[\s\S]*Refused: the policy pack rejects this step/);
        assert.equal(stackText(dir, "production"), before);
    });

    it("set to a lower percent (the emergency lever) passes the pack, offline too", async () => {
        const dir = tempProject();
        const r = await canary(dir, ["set", "0", "--route", "payment-status", "--stack", "production"]);
        assert.equal(r.code, 0, r.out);
        assert.equal(config(dir)["payments-migration:canary"].routes[0].weight, 0);
    });

    it("flip to a smaller color: capacity first as its own update, then traffic on the next run", async () => {
        const dir = tempProject();
        let r = await canary(dir, ["flip", "spring", "green", "--stack", "production"]);
        assert.equal(r.code, 0, r.out);
        assert.match(r.out, /1\. \[capacity\] spring green: 2 → 3 tasks[\s\S]*2\. \[traffic\] spring: live color blue → green/);
        assert.match(r.out, /~ spring-green \(aws:ecs\/service:Service\)\n {4}desiredCount: 2 → 3\n/);
        assert.match(r.out, /Then run the same command again for: spring: live color blue → green/);
        assert.equal(config(dir)["payments-migration:spring"].liveColor, "blue", "traffic has not moved yet");
        r = await canary(dir, ["flip", "spring", "green", "--stack", "production"]);
        assert.equal(r.code, 0, r.out);
        assert.doesNotMatch(r.out, /\[capacity\]/);
        assert.equal(config(dir)["payments-migration:spring"].liveColor, "green");
        assert.match(r.out, /~ alb-canary-default/);
        assert.doesNotMatch(r.out, /aws:ecs\/service:Service/);
    });

    it("--apply runs each step as its own update, in the safe order, and stops when one fails", async () => {
        const dir = tempProject();
        const engine = new FakeEngine(dir);
        const r = await canary(dir, ["flip", "spring", "green", "--scale-down-old", "1", "--stack", "production", "--apply"], { engine });
        // The old color is what the known-good position serves until the flip is confirmed: it keeps its capacity (known-good-kept).
        assert.equal(r.code, 1, r.out);
        assert.match(r.out, /known-good-capacity/);
        const spring = engine.ups.map((t) => parse(t).config["payments-migration:spring"]);
        assert.deepEqual(
            spring.map((s) => [s.liveColor, s.blue.desiredCount, s.green.desiredCount]),
            [
                ["blue", 3, 3], // capacity up, traffic unchanged
                ["green", 3, 3], // traffic moves; the old color keeps its tasks until the flip is confirmed
            ],
        );
        const failingDir = tempProject();
        const failing = new FakeEngine(failingDir);
        failing.failAt = 0;
        const f = await canary(failingDir, ["flip", "spring", "green", "--stack", "production", "--apply"], { engine: failing });
        assert.equal(f.code, 1);
        assert.match(f.out, /The update failed: update failed: service did not stabilize/);
        assert.equal(failing.ups.length, 0);
    });

    it("release sets the idle color's image or version label and moves no traffic", async () => {
        const dir = tempProject();
        const r = await canary(dir, ["release", "spring", "111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api:1.5.0", "--stack", "staging"]);
        assert.equal(r.code, 0, r.out);
        assert.match(
            r.out,
            /\+- spring-green-task \(aws:ecs\/taskDefinition:TaskDefinition\) replaced\n {4}containerDefinitions\[0\]\.image: "[^"]+" → "111111111111\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/payments-api:1\.5\.0" {2}\(forces replacement\)\n/,
        );
        assert.doesNotMatch(r.out, /listenerRule/);
        assert.match(
            r.out,
            /Then check what ECS runs \(the provider reports success even after a circuit-breaker rollback\): npm run canary -- status --stack staging/,
        );
        const l = await canary(dir, ["release", "legacy", "rails-2026.12.1", "--stack", "staging"]);
        assert.equal(l.code, 0, l.out);
        assert.equal(config(dir, "staging")["payments-migration:legacy"].green.versionLabel, "rails-2026.12.1");
    });

    it("rollback is accepted from every state the ladder can reach, back to the rung confirmed before it", async function () {
        this.timeout(120_000); // a few offline plans per rung
        for (const [i, rung] of DEFAULT_LADDER.entries()) {
            if (i === 0) continue;
            const dir = tempProject();
            const engine = new FakeEngine(dir);
            writeEdits(dir, "production", { "canary.weight": rung });
            await engine.deploy("production", stackText(dir, "production"), edited(dir, "production", { "canary.weight": DEFAULT_LADDER[i - 1] }));
            const r = await canary(dir, ["rollback", "--stack", "production"], { engine });
            assert.equal(r.code, 0, `${rung}: ${r.out}`);
            assert.match(r.out, /Direction against the known-good position \(as the targeted update deploys it\): back\n/);
            assert.match(r.out, /Policy pack: 0 mandatory/);
            assert.equal(config(dir)["payments-migration:canary"].weight, DEFAULT_LADDER[i - 1], String(rung));
        }
    });

    it("rollback passes the pack when the deployed position already breaks a policy: the pack excuses a move back, the tool excuses nothing", async () => {
        const dir = tempProject();
        const engine = new FakeEngine(dir);
        const good = stackText(dir, "production");
        // An unrelated mandatory violation, deployed already with the step to 50 %.
        writeEdits(dir, "production", { "canary.weight": 50, "alb.deletionProtection": false });
        await engine.deploy("production", stackText(dir, "production"), good);
        const r = await canary(dir, ["rollback", "--stack", "production"], { engine });
        assert.equal(r.code, 0, r.out);
        assert.match(r.out, /: back\n/);
        assert.match(r.out, /Policy pack: 0 mandatory/);
        assert.equal(config(dir)["payments-migration:canary"].weight, 1);
        // The same state as a step forward (nothing confirmed): the pack refuses it, and so does the tool.
        await engine.deploy("production", stackText(dir, "production"), null);
        const forward = await canary(dir, ["set", "0", "--stack", "production", "--from-deployed"], { engine });
        assert.equal(forward.code, 1, forward.out);
        assert.match(forward.out, /no known-good position confirmed: every change is forward/);
        assert.match(forward.out, /\[mandatory\] alb-deletion-protection[\s\S]*Refused: the policy pack rejects this step/);
    });

    it("rollback with the idle color already empty: idle-color-warm excuses the deployed shortfall, so the pack has no objection", async () => {
        const dir = tempProject();
        const engine = new FakeEngine(dir);
        const good = stackText(dir, "production");
        writeEdits(dir, "production", { "canary.weight": 50, "spring.green.desiredCount": 0 });
        await engine.deploy("production", stackText(dir, "production"), good);
        const r = await canary(dir, ["rollback", "--stack", "production"], { engine });
        assert.equal(r.code, 0, r.out);
        assert.match(r.out, /Policy pack: 0 mandatory/);
        assert.equal(config(dir)["payments-migration:canary"].weight, 1);
    });

    it("status shows colors, weights per route, the ladder position and what it cannot see offline", async () => {
        const r = await canary(tempProject(), ["status", "--stack", "production"]);
        assert.equal(r.code, 0);
        assert.match(r.out, /^Stack production \(stack file\)\n/, "the file as it is, committed or not");
        assert.match(r.out, /Live colors: legacy green, spring blue/);
        assert.match(r.out, /Canary: Spring 1% of ordinary traffic, rung 3 of 9 \(1%\)/);
        assert.match(r.out, /route payment-status \(\/v1\/payments\/\*\/status\): Spring 5%, rung 4 of 9 \(5%\)/);
        assert.match(r.out, /Deployed and known-good positions, drift and health signals: need the Pulumi CLI/);
    });

    it("status with a CLI reads the deployed outputs and the health alarms", async () => {
        const dir = tempProject();
        const alarms = {
            states: async (names: readonly string[]) => Object.fromEntries(names.map((n): [string, AlarmState] => [n, n.includes("p99") ? "ALARM" : "OK"])),
        };
        const r = await canary(dir, ["status", "--stack", "production"], { engine: new FakeEngine(dir), alarms });
        assert.match(r.out, /^Deployed position [0-9a-f]{12}: route-payment-status Spring 5%; canary-default Spring 1%; live: legacy green, spring blue$/m);
        assert.match(r.out, /^Known-good position [0-9a-f]{12}: /m);
        assert.match(r.out, /^Pulumi\.production\.yaml says what is deployed/m);
        assert.match(r.out, /ALARM\s+sb-p99/);
        assert.match(r.out, /ECS: every service's primary deployment completed with the task definition in the state\./);
        assert.match(r.out, /OK\s+production-spring-canary-unhealthy/);
    });

    it("rejects bad input with exit 2 and one message", async () => {
        const dir = tempProject();
        for (const [argv, message] of [
            [["set", "abc", "--stack", "production"], /percent: expected a decimal number such as 5 or 0.5, got "abc"/],
            [["set", "150", "--stack", "production"], /percent 150 is not allowed/],
            [["flip", "rails", "green", "--stack", "production"], /expected legacy or spring, got "rails"/],
            [["flip", "spring", "--stack", "production"], /flip takes <legacy\|spring> <blue\|green>, got spring/],
            [["flip", "spring", "purple", "--stack", "production"], /expected blue or green/],
            [["next"], /--stack is required/],
            [["dance", "--stack", "production"], /unknown command "dance"/],
            [["next", "--stack", "production", "--apply"], /need the Pulumi CLI on the PATH/],
            [["next", "--stack", "nope"], /no stack file Pulumi\.nope\.yaml; stacks here: production, staging/],
            [["next", "--stack", "acme/payments-migration/nope"], /no stack file Pulumi\.nope\.yaml; stacks here: production, staging/],
            [["cutin", "status", "--from-deployed", "--stack", "production"], /^--from-deployed means nothing to cutin status: it only reads/],
            [["cutin", "next", "--live", "--stack", "production"], /^--live means nothing to cutin next; it takes --apply, --from-deployed/],
        ] as [string[], RegExp][]) {
            const r = await canary(dir, argv);
            assert.equal(r.code, 2, argv.join(" "));
            assert.match(r.err, message);
        }
    });

    it("status without AWS access (credentials lapsed): says on each line what it could not read, shows the rest, exit 0", async () => {
        const dir = tempProject();
        const noAccess = () => Promise.reject(new LiveAccessError("CloudWatch DescribeAlarms: no AWS credentials in the standard chain"));
        const r = await canary(dir, ["status", "--stack", "production"], {
            engine: new FakeEngine(dir),
            services: { describe: () => Promise.reject(new LiveAccessError("ECS DescribeServices: no AWS credentials in the standard chain")) },
            alarms: { states: noAccess },
        });
        assert.equal(r.code, 0, r.err);
        assert.match(r.out, /says what is deployed/);
        assert.match(r.out, /^ECS: not read: ECS DescribeServices: no AWS credentials in the standard chain$/m);
        assert.match(r.out, /^Health: not read: CloudWatch DescribeAlarms: no AWS credentials in the standard chain$/m);
    });

    it("an error after an update of the command was applied says the update is applied and what to check (exit 1), not only 'run it again'", async () => {
        const dir = tempProject();
        const engine = new FakeEngine(dir);
        const services = {
            describe: () => Promise.reject(new LiveAccessError("ECS DescribeServices: the AWS credentials have expired (ExpiredToken): refresh them")),
        };
        const r = await canary(
            dir,
            ["release", "spring", "111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api:1.5.0", "--stack", "production", "--apply"],
            {
                engine,
                services,
            },
        );
        assert.equal(engine.ups.length, 1);
        assert.equal(r.code, 1, r.out);
        assert.match(
            r.err,
            /^The update is applied \(pulumi up succeeded\); what comes after it stopped: ECS DescribeServices: the AWS credentials have expired \(ExpiredToken\): refresh them\. Before anything else, check what is deployed and what ECS runs: npm run canary -- status --stack production$/,
        );
    });
});

describe("npm run canary: numbers and the legacy pair gone (issue 18, item 7)", () => {
    it("set, --until and --scale-down-old take plain decimals only: 0x10, 1e1 and the like are refused with one message, nothing written", async () => {
        const dir = tempProject();
        const before = stackText(dir, "production");
        for (const [argv, given] of [
            [["set", "0x10"], "0x10"],
            [["set", "1e1"], "1e1"],
            [["set", "0b1"], "0b1"],
            [["set", " 5"], " 5"],
            [["set", "5."], "5."],
            [["set", "Infinity"], "Infinity"],
            [["flip", "spring", "green", "--scale-down-old", "1e0"], "1e0"],
            [["next", "--watch", "--until", "0x32"], "0x32"],
        ] as [string[], string][]) {
            const r = await canary(dir, [...argv, "--stack", "production"], { engine: new FakeEngine(dir, true) });
            assert.equal(r.code, 2, argv.join(" "));
            assert.ok(r.err.split("\n")[0].endsWith(`: expected a decimal number such as 5 or 0.5, got ${JSON.stringify(given)}`), r.err);
        }
        assert.equal(stackText(dir, "production"), before);
    });

    /** The production fixture after the decommission (Spring 100 % everywhere, the pair gone), deployed; the known-good position from before it. */
    async function decommissioned(): Promise<{ dir: string; engine: FakeEngine }> {
        const dir = tempProject();
        const engine = new FakeEngine(dir);
        // The decommission needs Spring at 100 % confirmed first (known-good-needs-pair).
        const good = edited(dir, "production", { "canary.weight": 100, "canary.routes[0].weight": 100 });
        writeEdits(dir, "production", {
            "canary.weight": 100,
            "canary.routes[0].weight": 100,
            "legacy.protect": false,
            "legacy.decommissioned": true,
            "spring.green.desiredCount": 3,
        });
        await engine.deploy("production", stackText(dir, "production"), good);
        return { dir, engine };
    }

    it("rollback after decommission moves no weight (there is no Rails to move back to): nothing to do, exit 0, no config error", async () => {
        const { dir, engine } = await decommissioned();
        const before = stackText(dir, "production");
        const r = await canary(dir, ["rollback", "--stack", "production"], { engine });
        assert.equal(r.code, 0, r.out + r.err);
        assert.equal(r.err, "");
        assert.match(
            r.out,
            /^Nothing changed: the legacy pair is decommissioned, so Spring keeps 100 % \(there is no Rails to move back to\) and spring blue is the known-good color\.$/m,
        );
        assert.equal(stackText(dir, "production"), before);
    });

    it("after decommission, a flip prints exactly the commands that make the change it writes, and rollback then flips back only", async () => {
        const { dir, engine } = await decommissioned();
        const before = parse(stackText(dir, "production")).config;
        const r = await canary(dir, ["flip", "spring", "green", "--stack", "production", "--apply"], { engine });
        assert.equal(r.code, 0, r.out + r.err);
        const printed = r.out
            .split("\n")
            .filter((l) => /^ {2}pulumi config (set|rm) /.test(l))
            .map((l) => l.trim());
        const values = { ...before };
        for (const line of printed) applyConfigChange(values, PROJECT, cliChange(line));
        const written = parse(stackText(dir, "production")).config;
        assert.deepEqual(
            modelFromFlatConfig(loadedFromValues(values, PROJECT, "production").config, PROJECT, "production"),
            modelFromFlatConfig(loadedFromValues(written, PROJECT, "production").config, PROJECT, "production"),
            printed.join("\n"),
        );
        const back = await canary(dir, ["rollback", "--stack", "production"], { engine });
        assert.equal(back.code, 0, back.out + back.err);
        assert.match(back.out, /back to the known-good position [0-9a-f]{12} \(spring blue; Spring keeps 100 %: the legacy pair is decommissioned\)/);
        assert.match(back.out, /pulumi config set --stack production --path spring\.liveColor -- blue\n(?! {2}pulumi)/);
        assert.equal(parse(stackText(dir, "production")).config["payments-migration:canary"].weight, 100);
    });

    it("flip … --scale-down-old 0: the note says traffic first, the old color scales down in a later update (not capacity first)", async () => {
        const dir = tempProject();
        const r = await canary(dir, ["flip", "spring", "green", "--scale-down-old", "0", "--stack", "staging"]);
        assert.equal(r.code, 0, r.out + r.err);
        assert.match(r.out, /1\. \[traffic\] spring: live color blue → green\n {2}2\. \[capacity\] spring blue: scale down 1 → 0/);
        assert.match(r.out, /\(traffic first; the old color scales down only in a later update, once traffic has left it and pinned sessions have expired\)/);
        assert.doesNotMatch(r.out, /capacity first/);
    });
});

/** A printed `pulumi config set|rm --stack s --path …` line as the CLI applies it (shell words, single quotes). */
function cliChange(line: string): ConfigChange {
    const words = [...line.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : m[2]));
    const rest = words.slice(5).filter((w) => w !== "--path" && w !== "--secret");
    if (words[2] === "rm") return { key: rest[0], remove: true };
    const asString = rest[0] === "--type";
    const [key, , text] = asString ? rest.slice(2) : rest;
    return { key, text, asString };
}

describe("npm run canary -- status when the deployed stack cannot be read", () => {
    it("reports what it could not read and still exits 0", async () => {
        const dir = tempProject();
        const engine = new FakeEngine(dir, true);
        // A deployed stack without the health output (the harness's `health` is typed as always there).
        Object.assign(engine, { health: undefined });
        const r = await canary(dir, ["status", "--stack", "production"], { engine, alarms: { states: async () => ({}) } });
        assert.equal(r.code, 0);
        assert.match(r.out, /Deployed state and health signals could not be read: the deployed stack has no health output/);
    });
});

describe("npm run canary with a Pulumi CLI: what is deployed comes from the stack, not the file", () => {
    it("a step is refused while the file is ahead of the deployment elsewhere than the step goes (a weight edited by hand, never deployed); --from-deployed takes the deployed weight, then the step", async () => {
        const dir = tempProject();
        const engine = new FakeEngine(dir);
        await engine.outputs("production"); // deployed: the file as it is now (Spring 1%)
        // Edited by hand, never deployed: not the rung next takes from the deployment (5 %), which a re-run would continue.
        writeEdits(dir, "production", { "canary.weight": 10 });
        const before = stackText(dir, "production");
        const r = await canary(dir, ["next", "--stack", "production", "--apply"], { engine });
        assert.equal(r.code, 2, r.out);
        assert.match(r.out, /^ {2}traffic canary-default +legacy-green 90%, spring-blue 10% +legacy-green 99%, spring-blue 1%$/m);
        assert.equal(stackText(dir, "production"), before);
        assert.equal(engine.ups.length, 0);
        const fixed = await canary(dir, ["next", "--stack", "production", "--apply", "--from-deployed"], { engine });
        assert.equal(fixed.code, 0, fixed.out);
        assert.deepEqual(
            engine.ups.map((t) => parse(t).config["payments-migration:canary"].weight),
            [5],
            "from the deployed 1 %, one rung: 5 %",
        );
    });
});

describe("npm run canary -- rotate-origin-verify", () => {
    it("rotates in three updates, each accepted by the policy pack, never sending a value the ALB refuses", async () => {
        const dir = tempProject();
        const engine = new FakeEngine(dir);
        const r = await canary(dir, ["rotate-origin-verify", "--stack", "production", "--apply"], { engine });
        assert.equal(r.code, 0, r.out);
        assert.equal((r.out.match(/Policy pack: 0 mandatory/g) ?? []).length, 3);
        const states = engine.ups.map((t) => parse(t).config["payments-migration:alb"].originVerify);
        assert.deepEqual(states, [
            { generation: { b: 2 }, accept: ["a", "b"] },
            { generation: { b: 2 }, accept: ["a", "b"], send: "b" },
            { generation: { b: 2 }, accept: ["b"], send: "b" },
        ]);
        // Step 1 regenerates slot b and widens the rules; the distribution is untouched until step 2.
        // A new generation replaces the secret (keepers force a new value): +-, not ~.
        assert.match(
            r.out,
            /Step 1\/3[\s\S]*\+- origin-verify-b \(random:index\/randomPassword:RandomPassword\) replaced\n {4}keepers\.generation: "1" → "2" {2}\(forces replacement\)\n/,
        );
        assert.match(
            r.out,
            /Step 2\/3[\s\S]*~ edge \(aws:cloudfront\/distribution:Distribution\)\n {4}origins\[0\]\.customHeaders\[0\]\.value: \[secret\] → \[secret\]\n/,
        );
    });

    it("resumes a rotation half done, and refuses nothing it should not", async () => {
        const dir = tempProject();
        const doc = StackDocument.read(dir, "production");
        doc.set("alb.originVerify", { send: "a", accept: ["a", "b"], generation: { a: 1, b: 2 } });
        doc.write();
        const r = await canary(dir, ["rotate-origin-verify", "--stack", "production", "--apply"], { engine: new FakeEngine(dir) });
        assert.equal(r.code, 0, r.out);
        assert.match(r.out, /2 step\(s\)\n {2}1\. \[secret\] CloudFront sends slot b/);
        assert.deepEqual(config(dir)["payments-migration:alb"].originVerify, { send: "b", accept: ["b"], generation: { a: 1, b: 2 } });
    });

    it("never lets CloudFront send a slot the ALB does not accept (config check)", async () => {
        const dir = tempProject();
        const r = await canary(dir, ["status", "--stack", "production"]);
        assert.equal(r.code, 0);
        const doc = StackDocument.read(dir, "production");
        doc.set("alb.originVerify", { send: "b", accept: ["a"] });
        doc.write();
        const bad = await canary(dir, ["next", "--stack", "production"]);
        assert.equal(bad.code, 2);
        assert.match(bad.err, /payments-migration:alb\.originVerify\.accept = \["a"\]: expected to include "b", the slot CloudFront sends/);
    });
});
