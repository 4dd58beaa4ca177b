/**
 * The deployed stack read through the Pulumi CLI (tools/canary/pulumiCli.ts), against a fake
 * `pulumi` script: nothing is decrypted (no --show-secrets), secrets read "[secret]", and a
 * CLI or backend failure (not logged in, no such stack, no CLI) is one line naming the stack,
 * exit 2, no trace, for every command that reads the deployment; status reports it and exits 0.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { AutomationEngine } from "../../../tools/canary/adapters";
import { PulumiCliError, deploymentOf, exportDeployment } from "../../../tools/canary/pulumiCli";
import { outputsOf } from "../../../tools/plan/run";
import { loadStackConfig } from "../../../tools/plan/stackFile";
import { tempDir } from "../../helpers";
import { canary, stackText, tempProject } from "./harness";

const SECRET = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: "v1:AAAA" };

/** A fake Pulumi CLI: `version` works; every other call is logged, then fails as `mode` says or prints the export. */
function fakePulumi(mode: "not-logged-in" | "no-stack" | "export", exported: unknown = {}): { command: string; calls: () => string[] } {
    const dir = tempDir("fake-pulumi");
    const log = path.join(dir, "calls.log");
    const exportFile = path.join(dir, "export.json");
    fs.writeFileSync(exportFile, JSON.stringify(exported));
    const failures = {
        "not-logged-in": `echo "error: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions" >&2; exit 255`,
        "no-stack": `echo "error: no stack named 'production' found" >&2; exit 255`,
        export: `cat '${exportFile}'`,
    };
    const command = path.join(dir, "pulumi");
    fs.writeFileSync(command, `#!/bin/sh\nif [ "$1" = version ]; then echo v3.200.0; exit 0; fi\necho "$*" >> '${log}'\n${failures[mode]}\n`, { mode: 0o755 });
    return { command, calls: () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : []) };
}

/** A deployment as `pulumi stack export` (without --show-secrets) writes it: the fixture's outputs, a secret among them. */
function exportedFixture(dir: string) {
    const outputs = { ...outputsOf(loadStackConfig(dir, "production")), qaToken: SECRET, nested: { plain: 1, hidden: SECRET } };
    return {
        version: 3,
        deployment: {
            resources: [
                { urn: "urn:pulumi:production::payments-migration::pulumi:pulumi:Stack::payments-migration-production", type: "pulumi:pulumi:Stack", outputs },
                {
                    urn: "urn:x::aws:elasticbeanstalk/environment:Environment::legacy-blue",
                    type: "aws:elasticbeanstalk/environment:Environment",
                    protect: true,
                    outputs: {},
                },
            ],
        },
    };
}

describe("reading the deployed stack through the Pulumi CLI", function () {
    this.timeout(120_000);

    it("pulumi stack export without --show-secrets: the outputs and protect flags, every secret read as [secret]", async () => {
        const dir = tempProject();
        const fake = fakePulumi("export", exportedFixture(dir));
        const engine = new AutomationEngine(dir, fake.command);
        const outputs = await engine.outputs("production");
        assert.equal(outputs.qaToken, "[secret]");
        assert.deepEqual(outputs.nested, { plain: 1, hidden: "[secret]" });
        assert.deepEqual((outputs.liveColors as { spring: string }).spring, "blue");
        assert.equal((await engine.resources("production")).find((r) => r.urn.endsWith("legacy-blue"))?.protect, true);
        // One read for both (kept until an update), and never --show-secrets.
        assert.deepEqual(fake.calls(), ["stack export --stack production"]);
        assert.ok(!JSON.stringify(outputs).includes("v1:AAAA"), "no ciphertext either");
    });

    it("a command run with a CLI reads the deployment without decrypting (no --show-secrets in any call)", async () => {
        const dir = tempProject();
        const fake = fakePulumi("export", exportedFixture(dir));
        const r = await canary(dir, ["next", "--stack", "production"], { engine: new AutomationEngine(dir, fake.command) });
        assert.equal(r.code, 0, r.out + r.err);
        assert.ok(fake.calls().length > 0);
        assert.ok(
            fake.calls().every((c) => c === "stack export --stack production"),
            fake.calls().join("\n"),
        );
    });

    for (const [mode, message] of [
        [
            "not-logged-in",
            /^pulumi stack export --stack production: not logged in to the Pulumi backend that holds stack production: run pulumi login \(or set PULUMI_ACCESS_TOKEN\), then run this again$/,
        ],
        [
            "no-stack",
            /^pulumi stack export --stack production: the backend you are logged in to has no stack production \(pulumi whoami -v shows the backend, pulumi stack ls its stacks\)$/,
        ],
    ] as const) {
        it(`${mode}: next, set, flip, rollback and decommission give one line naming the stack, exit 2, and write nothing`, async () => {
            const dir = tempProject();
            const fake = fakePulumi(mode);
            const before = stackText(dir, "production");
            for (const argv of [["next"], ["set", "0"], ["flip", "spring", "green"], ["rollback"], ["decommission"]]) {
                const r = await canary(dir, [...argv, "--stack", "production"], { engine: new AutomationEngine(dir, fake.command) });
                assert.equal(r.code, 2, `${argv.join(" ")}: ${r.out}${r.err}`);
                assert.match(r.err, message, argv.join(" "));
                assert.doesNotMatch(r.out, /Wrote/);
                assert.equal(stackText(dir, "production"), before);
            }
        });
    }

    it("status reports a backend it cannot read in one line and exits 0 (read-only)", async () => {
        const dir = tempProject();
        const r = await canary(dir, ["status", "--stack", "production"], { engine: new AutomationEngine(dir, fakePulumi("not-logged-in").command) });
        assert.equal(r.code, 0, r.err);
        assert.match(r.out, /Deployed state and health signals could not be read: pulumi stack export --stack production: not logged in/);
    });

    it("no CLI where one was expected: a PulumiCliError saying so; no CLI at all: the tool runs offline", async () => {
        await assert.rejects(exportDeployment("/nonexistent/pulumi", tempProject(), "production"), (e: Error) => {
            assert.ok(e instanceof PulumiCliError);
            assert.equal(e.message, "pulumi stack export --stack production: the Pulumi CLI (/nonexistent/pulumi) is not on the PATH");
            return true;
        });
        const dir = tempProject();
        const offline = new AutomationEngine(dir, "/nonexistent/pulumi");
        assert.equal(offline.available(), false);
        const r = await canary(dir, ["rollback", "--stack", "production", "--apply"], { engine: offline });
        assert.equal(r.code, 2);
        assert.match(r.err, /need the Pulumi CLI on the PATH/);
    });

    it("deploymentOf: the root stack's outputs, secrets masked at any depth", () => {
        const d = deploymentOf({ deployment: { resources: [{ urn: "u", type: "pulumi:pulumi:Stack", outputs: { a: [SECRET, { b: SECRET }], c: "x" } }] } });
        assert.deepEqual(d.outputs, { a: ["[secret]", { b: "[secret]" }], c: "x" });
        assert.deepEqual(deploymentOf({}).outputs, {});
    });
});
