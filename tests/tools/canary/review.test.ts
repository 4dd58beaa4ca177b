/**
 * Findings of a new-operator review: moves back that were not, a rollback that raised
 * Spring's share, a flag taken on trust, hints and hand commands printed where they do not apply.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { StackDocument } from "../../../tools/canary/stackDocument";
import { FakeEngine, canary, stackText, tempProject } from "./harness";

const config = (dir: string, stack: string) => parse(stackText(dir, stack)).config;

/** A copy of staging with Spring at 100 % everywhere (where decommission may start) and the pair's protect flag as given. */
function stagingAt100(protect: boolean): string {
    const dir = tempProject();
    const doc = StackDocument.read(dir, "staging");
    doc.set("canary.weight", 100);
    doc.set("canary.routes[0].weight", 100);
    doc.set("legacy.protect", protect);
    doc.write();
    return dir;
}

describe("canary tool, new-operator review", () => {
    it("undoing a flip by flipping back is a move back: it keeps last known-good, and rollback then has nothing to do", async () => {
        const dir = tempProject();
        assert.equal((await canary(dir, ["flip", "spring", "green", "--stack", "staging"])).code, 0);
        const recorded = config(dir, "staging")["payments-migration:canary"].lastKnownGood;
        assert.equal(recorded.liveColors.spring, "blue");
        const back = await canary(dir, ["flip", "spring", "blue", "--stack", "staging"]);
        assert.equal(back.code, 0, back.out + back.err);
        assert.equal(config(dir, "staging")["payments-migration:spring"].liveColor, "blue");
        assert.deepEqual(config(dir, "staging")["payments-migration:canary"].lastKnownGood, recorded, "a move back does not overwrite last known-good");
        assert.doesNotMatch(back.out, /canary\.lastKnownGood/);
        const before = stackText(dir, "staging");
        const r = await canary(dir, ["rollback", "--stack", "staging"]);
        assert.equal(r.code, 0, r.out + r.err);
        assert.match(r.out, /^Nothing changed: /);
        assert.equal(stackText(dir, "staging"), before);
    });

    it("rollback never raises Spring's share: after an emergency set 0, rollback leaves the weight at 0", async () => {
        const dir = tempProject();
        for (let i = 0; i < 2; i++) assert.equal((await canary(dir, ["next", "--stack", "production"])).code, 0);
        assert.equal(config(dir, "production")["payments-migration:canary"].lastKnownGood.weight, 5);
        assert.equal((await canary(dir, ["set", "0", "--stack", "production"])).code, 0);
        const before = stackText(dir, "production");
        const r = await canary(dir, ["rollback", "--stack", "production"]);
        assert.equal(r.code, 0, r.out + r.err);
        // The route (at 5 %, known-good 5 %) stays; the catch-all stays at 0: nothing to do.
        assert.match(r.out, /^Nothing changed: /);
        assert.equal(stackText(dir, "production"), before);
        assert.equal(config(dir, "production")["payments-migration:canary"].weight, 0);
    });

    it("execute checks a move back against the plans, not the flag: a 'rollback' that raises a share is refused and writes nothing", async () => {
        const dir = tempProject();
        const { execute } = await import("../../../tools/canary/execute");
        const { FakeEngine } = await import("./harness");
        const { readStackFile } = await import("../../../tools/canary/context");
        const lines: string[] = [];
        const file = readStackFile(dir, "production");
        const ctx = { dir, stack: "production", file, apply: false, engine: new FakeEngine(dir, false), out: (t: string) => lines.push(t) };
        const before = stackText(dir, "production");
        const code = await execute(ctx, {
            command: "rollback",
            rollback: true,
            steps: [{ kind: "traffic", description: "not back at all", edits: [{ path: "canary.weight", value: 50 }] }],
        });
        assert.equal(code, 1, lines.join("\n"));
        assert.match(lines.join("\n"), /Refused: this is not a move back: Spring's share goes up \(on \/ 1% → 50%/);
        assert.doesNotMatch(lines.join("\n"), /Rolling back anyway/);
        assert.equal(stackText(dir, "production"), before);
    });
});

describe("canary tool, new-operator review: what it prints", () => {
    it("--scale-down-old is checked up front: a whole number, at most the old color's size now, at least what a mandatory idle-color-warm keeps; nothing written otherwise", async () => {
        const dir = tempProject();
        const before = stackText(dir, "production");
        const floor = /the policy pack keeps at least 1 \(idle-color-warm\.minTasks, mandatory for production\)/;
        for (const [value, message] of [
            [
                "5",
                /--scale-down-old 5: expected a whole number from 1 to 3 \(spring blue at 3 tasks now; a scale-down cannot add capacity; the policy pack keeps at least 1 \(idle-color-warm\.minTasks, mandatory for production\)\)/,
            ],
            ["-1", /--scale-down-old -1: expected a whole number from 1 to 3/],
            ["1.5", /--scale-down-old 1\.5: expected a whole number from 1 to 3/],
            ["0", floor],
        ] as [string, RegExp][]) {
            const r = await canary(dir, ["flip", "spring", "green", `--scale-down-old=${value}`, "--stack", "production"]);
            assert.equal(r.code, 2, value);
            assert.match(r.err, message);
            assert.equal(r.out, "");
        }
        assert.equal(stackText(dir, "production"), before);
        // Staging's idle-color-warm is advisory: 0 is allowed there, and the pack only warns.
        const flip = ["flip", "spring", "green", "--scale-down-old", "0", "--stack", "staging"];
        assert.equal((await canary(dir, flip)).code, 0); // the traffic step; the re-run scales down
        const staging = await canary(dir, flip);
        assert.equal(staging.code, 0, staging.out + staging.err);
        assert.match(staging.out, /spring blue: scale down 1 → 0 now that traffic has left/);
        assert.match(staging.out, /\[advisory\] idle-color-warm/);
    });

    it("decommission does not print the capacity-then-traffic hint; a flip that needs capacity does", async () => {
        const dir = stagingAt100(true);
        const d = await canary(dir, ["decommission", "--stack", "staging"]);
        assert.equal(d.code, 0, d.out + d.err);
        assert.match(d.out, /Then run the same command again for: remove the Beanstalk pair/);
        assert.doesNotMatch(d.out, /capacity first/);
        const f = await canary(tempProject(), ["flip", "spring", "green", "--stack", "production"]);
        assert.match(f.out, /\(capacity first, traffic after it is healthy: the steps are separate updates\)/);
    });

    it("prints the commands by hand only for a config that passed validation", async () => {
        const dir = tempProject();
        const r = await canary(dir, ["release", "spring", "", "--stack", "staging"]);
        assert.equal(r.code, 2, r.out + r.err);
        assert.doesNotMatch(r.out, /By hand|pulumi config set/);
        assert.match(r.err, /spring\.green\.image/);
    });
});

describe("canary tool, new-operator review: a traffic step after a capacity step that is not deployed", () => {
    const notChecked =
        /Not checked \(no Pulumi CLI\): that spring green at 3 tasks is deployed\. The stack file has it; if an earlier step wrote it, run pulumi up for that step first/;

    it("without a Pulumi CLI, a flip re-run before pulumi up says plainly that the capacity step must be deployed first", async () => {
        const dir = tempProject();
        const first = await canary(dir, ["flip", "spring", "green", "--stack", "production"]);
        assert.doesNotMatch(first.out, /that spring green at 3 tasks is deployed/);
        const again = await canary(dir, ["flip", "spring", "green", "--stack", "production"]);
        assert.equal(again.code, 0, again.out);
        assert.match(again.out, notChecked);
        assert.match(again.out, /it deploys no other pending change, capacity included: that needs a whole-stack pulumi up/);
    });

    it("without a Pulumi CLI, a decommission re-run before pulumi up says the unprotect step must be deployed first", async () => {
        const dir = stagingAt100(false);
        const r = await canary(dir, ["decommission", "--stack", "staging"]);
        assert.match(r.out, /Not checked \(no Pulumi CLI\): that legacy\.protect: false \(the pair unprotected in the state\) is deployed/);
    });

    it("with a Pulumi CLI, the flip's traffic step refuses while its capacity is in the file but not deployed; a rollback goes ahead and says what it leaves out", async () => {
        const dir = tempProject();
        const engine = new FakeEngine(dir);
        assert.equal((await canary(dir, ["flip", "spring", "green", "--stack", "production"], { engine })).code, 0); // capacity written, not deployed
        const before = stackText(dir, "production");
        const r = await canary(dir, ["flip", "spring", "green", "--stack", "production"], { engine });
        assert.equal(r.code, 1, r.out);
        assert.match(r.out, /Refused: this step needs capacity the stack file holds but the stack has not deployed \(spring-green desiredCount 2 → 3\)/);
        assert.equal(stackText(dir, "production"), before);

        // Deployed: Spring 0.5 %, spring green at 2 tasks; the file: Spring 1 %, spring green at 3.
        const doc = StackDocument.read(dir, "production");
        doc.set("canary.weight", 0.5);
        doc.set("spring.green.desiredCount", 2);
        doc.write();
        await engine.up("production", () => undefined);
        fs.writeFileSync(path.join(dir, "Pulumi.production.yaml"), before);
        const back = await canary(dir, ["set", "0", "--stack", "production"], { engine });
        assert.equal(back.code, 0, back.out);
        assert.match(
            back.out,
            /Pending capacity this targeted update does not deploy \(spring-green desiredCount 2 → 3\): deploy it with pulumi up --stack production/,
        );
    });
});
