/**
 * Issue 10: the canary tool followed literally, as a new operator would — re-running a step
 * continues it, flags that mean nothing are errors, a no-op says so and writes nothing,
 * and messages fit the error.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import { parse } from "yaml";
import { StackDocument } from "../../../tools/canary/stackDocument";
import { FakeEngine, FakeServices, canary, stackText, tempProject } from "./harness";

const spring = (dir: string) => parse(stackText(dir, "production")).config["payments-migration:spring"];
const canaryConfig = (dir: string) => parse(stackText(dir, "production")).config["payments-migration:canary"];

describe("canary tool, followed literally (issue 10)", () => {
    it("flip --scale-down-old without --apply: each re-run continues the flip, the last says nothing changed; it never flips back", async () => {
        const dir = tempProject();
        const argv = ["flip", "spring", "green", "--scale-down-old", "1", "--stack", "production"];
        const seen: [string, number, number][] = [];
        for (let run = 0; run < 3; run++) {
            const r = await canary(dir, argv);
            assert.equal(r.code, 0, r.out + r.err);
            if (run < 2)
                assert.match(r.out, /Then run the same command again for: .*\n {2}npm run canary -- flip spring green --scale-down-old 1 --stack production/);
            const s = spring(dir);
            seen.push([s.liveColor, s.blue.desiredCount, s.green.desiredCount]);
        }
        assert.deepEqual(seen, [
            ["blue", 3, 3],
            ["green", 3, 3],
            ["green", 1, 3],
        ]);
        const before = stackText(dir, "production");
        const last = await canary(dir, argv);
        assert.equal(last.code, 0);
        assert.equal(last.out, "Nothing changed: spring green is already live and spring blue is at 1.");
        assert.equal(stackText(dir, "production"), before);
    });

    it("flags that mean nothing, or are given twice, are exit-2 usage errors and write nothing", async () => {
        const dir = tempProject();
        const before = stackText(dir, "production");
        for (const [argv, message] of [
            [["next", "--stack", "production", "--stack", "staging"], /--stack is given more than once/],
            [["rollback", "--route", "x", "--stack", "production"], /--route means nothing to rollback/],
            [["flip", "spring", "green", "--route", "x", "--stack", "production"], /--route means nothing to flip/],
            [["status", "--route", "x", "--stack", "production"], /--route means nothing to status/],
            [["rotate-origin-verify", "--route", "x", "--stack", "production"], /--route means nothing to rotate-origin-verify/],
            [["next", "--until", "25", "--stack", "production"], /--until only applies with --watch/],
            [["set", "5", "--watch", "--stack", "production"], /--watch means nothing to set/],
            [["next", "--scale-down-old", "1", "--stack", "production"], /--scale-down-old means nothing to next/],
        ] as [string[], RegExp][]) {
            const r = await canary(dir, argv);
            assert.equal(r.code, 2, argv.join(" "));
            assert.match(r.err, message);
            assert.match(r.err, /usage: npm run canary/, "a usage error shows the usage");
        }
        assert.equal(stackText(dir, "production"), before);
    });

    it("no-ops exit 0 with one line and write nothing: rollback at known-good, next at 100 %, set to the same percent, release of what the idle color has", async () => {
        const dir = tempProject();
        const before = stackText(dir, "production");
        const idleImage = spring(dir)[spring(dir).liveColor === "blue" ? "green" : "blue"].image;
        const s = StackDocument.read(dir, "production");
        s.set("canary.routes[0].weight", 100);
        s.write();
        const atTop = stackText(dir, "production");
        const top = await canary(dir, ["next", "--route", "payment-status", "--stack", "production"]);
        assert.equal(top.code, 0, top.err);
        assert.equal(top.out, "Nothing changed: route payment-status is already at 100%: the top of the ladder.");
        assert.equal(stackText(dir, "production"), atTop);
        fs.writeFileSync(`${dir}/Pulumi.production.yaml`, before);
        // With a Pulumi CLI: deployed as the file is, and confirmed (the fake engine's default).
        const engine = new FakeEngine(dir);
        for (const argv of [
            ["rollback", "--stack", "production"],
            ["set", String(canaryConfig(dir).weight), "--stack", "production"],
            ["release", "spring", idleImage, "--stack", "production"],
        ]) {
            for (const deps of [{}, { engine }]) {
                if (argv[0] === "rollback" && !("engine" in deps)) continue; // rollback reads the deployment: offline it is refused
                const r = await canary(dir, argv, deps);
                assert.equal(r.code, 0, argv.join(" ") + r.err);
                assert.equal(r.out.split("\n").length, 1, r.out);
                assert.match(r.out, /^Nothing changed: /);
                assert.equal(r.err, "");
                assert.equal(stackText(dir, "production"), before, argv.join(" "));
            }
        }
    });

    it("a config error gets its message, not the usage text", async () => {
        const dir = tempProject();
        const doc = StackDocument.read(dir, "production");
        doc.set("canary.weight", 500);
        doc.write();
        const r = await canary(dir, ["next", "--stack", "production"]);
        assert.equal(r.code, 2);
        assert.match(r.err, /payments-migration:canary\.weight = 500/);
        assert.doesNotMatch(r.err, /usage:/);
    });

    it("rotate-origin-verify does not print the flip hint", async () => {
        const r = await canary(tempProject(), ["rotate-origin-verify", "--stack", "production"]);
        assert.equal(r.code, 0, r.out);
        assert.match(r.out, /Then run the same command again for/);
        assert.doesNotMatch(r.out, /capacity first/);
    });

    it("without a Pulumi CLI, a command that takes a step says once that it could not check the deployment", async () => {
        const dir = tempProject();
        const r = await canary(dir, ["rotate-origin-verify", "--stack", "production"]);
        assert.equal(r.code, 0, r.out);
        assert.equal(r.out.match(/Not checked \(no Pulumi CLI\): what is deployed\./g)?.length, 1, r.out);
        assert.ok(r.out.startsWith("Not checked (no Pulumi CLI): what is deployed."), "before the steps");
        const noop = await canary(dir, ["set", "1", "--stack", "production"]);
        assert.doesNotMatch(noop.out, /Not checked/, "a no-op stays one line");
    });

    it("a traffic step deploys only the listener rules it changes (pulumi up --target), capacity steps the whole stack", async () => {
        const dir = tempProject();
        const r = await canary(dir, ["next", "--stack", "production"]);
        assert.match(
            r.out,
            /Next: pulumi up --stack production --policy-pack policy --policy-pack-config policy-config\.production\.json \\\n {4}--target 'urn:pulumi:production::payments-migration::pulumi:pulumi:Stack::payments-migration-production' \\\n {4}--target 'urn:pulumi:production::payments-migration::payments:migration:PositionRecord::position' \\\n {4}--target 'urn:pulumi:production::payments-migration::[^']*aws:lb\/listenerRule:ListenerRule::alb-canary-default'\n/,
        );
        const engine = new FakeEngine(dir);
        const f = await canary(dir, ["flip", "spring", "green", "--stack", "production", "--apply"], { engine });
        assert.equal(f.code, 0, f.out);
        assert.equal(engine.targets[0], undefined, "capacity: a full update");
        assert.ok(
            engine.targets[1]?.every((u) => /ListenerRule|pulumi:pulumi:Stack|migration:PositionRecord::/.test(u)),
            String(engine.targets[1]),
        );
        assert.ok(engine.targets[1]?.some((u) => /ListenerRule/.test(u)));
    });

    it("refuses a flip onto a Spring color that is not running what was released, and stops after an update ECS rolled back", async () => {
        const dir = tempProject();
        const engine = new FakeEngine(dir);
        const services = new FakeServices(engine);
        services.override["spring-green"] = {
            deployments: [
                { status: "PRIMARY", taskDefinition: "arn:aws:ecs:eu-west-1:111111111111:task-definition/spring-green:1", rolloutState: "COMPLETED" },
            ],
        };
        const before = stackText(dir, "production");
        const r = await canary(dir, ["flip", "spring", "green", "--stack", "production", "--apply"], { engine, services });
        assert.equal(r.code, 1, r.out);
        assert.match(
            r.out,
            /Refused: spring green is not running what was released; nothing was written\.\n {2}spring-green \(ECS service spring-green-[0-9a-f]+\): runs arn:aws:ecs:eu-west-1:111111111111:task-definition\/spring-green:1, the state says/,
        );
        assert.equal(stackText(dir, "production"), before);
        assert.equal(engine.ups.length, 0);

        // A release whose deployment the circuit breaker rolled back: the update "succeeds", the tool does not.
        const failed = new FakeServices(engine);
        failed.override["spring-green"] = {
            deployments: [
                {
                    status: "PRIMARY",
                    taskDefinition: "arn:old",
                    rolloutState: "FAILED",
                    rolloutStateReason: "ECS deployment circuit breaker: tasks failed to start.",
                },
            ],
        };
        const rel = await canary(
            dir,
            ["release", "spring", "111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api:9.9.9", "--stack", "production", "--apply"],
            { engine, services: failed },
        );
        assert.equal(rel.code, 1, rel.out);
        assert.match(
            rel.out,
            /ECS is not running what was deployed:\n {2}spring-green \(ECS service spring-green-[0-9a-f]+\): runs arn:old[\s\S]*primary deployment is FAILED: ECS deployment circuit breaker/,
        );
    });
});
