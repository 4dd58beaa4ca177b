import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { FIXTURES } from "../../helpers";
import { execFileSync } from "node:child_process";
import { FakeAlarms, FakeEdge, FakeEngine, canary, stackText, tempProject } from "./harness";
import { DistributionConfig, edgeShape, minuteOf, mirrorDifferences } from "../../../lib/cutin";
import { diffPlans } from "../../../tools/plan/diff";
import { runPlan } from "../../../tools/plan/run";
import { stackConfigFromText } from "../../../tools/plan/stackFile";
import { checkPlan } from "../../../tools/policy/check";
import { mandatoryViolations } from "../../../tools/policy/evaluate";
import { CloudFrontStagingPromotion } from "../../../tools/canary/cutin";
import { DeployedResource } from "../../../tools/canary/adapters";

const cutinOf = (dir: string) => parse(stackText(dir, "production")).config["payments-migration:cutin"];
/** A copy of the cut-in fixtures, with the production cut-in at `phase` (and edge weight, and the top rung's time) as deployed. */
function cutinProject(phase = "adopted", edgeWeight?: number, topRungAt?: string): string {
    const dir = tempProject(path.join(FIXTURES, "cutin"));
    const file = path.join(dir, "Pulumi.production.yaml");
    const lines = [
        `    phase: ${phase}\n`,
        edgeWeight === undefined ? "" : `    edgeWeight: ${edgeWeight}\n`,
        topRungAt ? `    topRungAt: ${topRungAt}\n` : "",
    ];
    const text = fs.readFileSync(file, "utf8").replace("    phase: adopted\n", lines.join(""));
    fs.writeFileSync(file, text);
    return dir;
}

const MINUTE = 60_000;
/** The top rung (15 %) reached `minutesAgo` minutes ago. */
const topRungProject = (minutesAgo = 120) => cutinProject("weight", 15, minuteOf(Date.now() - minutesAgo * MINUTE));
/** Alarms of the routed path (the new Beanstalk pair's live color, blue in the fixture) as the stack's health output names them. */
const ROUTED_HEALTH = {
    compositeAlarm: "production-spring-canary-unhealthy",
    alarms: { "legacy-blue": ["lb-5xx", "lb-p99", "lb-unhealthy"], "spring-blue": ["sb-5xx"] },
};
const quiet = () => new FakeAlarms(() => "OK");
const PRIMARY_URN = "urn:pulumi:production::payments-migration::payments:migration:CutinEdge$aws:cloudfront/distribution:Distribution::cutin-primary";
const STAGING_URN = "urn:pulumi:production::payments-migration::payments:migration:CutinEdge$aws:cloudfront/distribution:Distribution::cutin-staging";

/** An engine whose state holds the staging distribution (created at phase staged), with the routed path's alarms. */
class StagedEngine extends FakeEngine {
    constructor(dir: string) {
        super(dir, true, ROUTED_HEALTH);
    }
    async resources(stack: string): Promise<DeployedResource[]> {
        const deployed = await super.resources(stack);
        const found = deployed.find((r) => r.urn === STAGING_URN);
        const staging = { type: "aws:cloudfront/distribution:Distribution", protect: false, inputs: {}, ...found, urn: STAGING_URN, id: "E3EXAMPLESTAGE1" };
        return [...deployed.filter((r) => r !== found), { ...staging, outputs: { ...staging.outputs, id: "E3EXAMPLESTAGE1" } }];
    }
}

/** CloudFront with its own promotion too (UpdateDistributionWithStagingConfig), recorded in the engine's events. */
class PromotingEdge extends FakeEdge {
    public promotions: [string, string][] = [];
    constructor(
        private readonly events: FakeEngine,
        private readonly failure?: Error,
    ) {
        super(events);
    }
    async promoteWithStagingConfig(primaryId: string, stagingId: string): Promise<void> {
        if (this.failure) throw this.failure;
        this.promotions.push([primaryId, stagingId]);
        this.events.events.push("promote");
    }
}

describe("npm run canary -- cutin (on a copy of the cut-in fixtures)", () => {
    it("next takes one phase per run, and the weight phase one edge rung per run", async () => {
        const dir = cutinProject();
        const phases: string[] = [];
        for (let i = 0; i < 3; i++) {
            const r = await canary(dir, ["cutin", "next", "--stack", "production"]);
            assert.equal(r.code, 0, r.out + r.err);
            phases.push(cutinOf(dir).phase);
        }
        assert.deepEqual(phases, ["staged", "header", "weight"]);
        assert.equal(cutinOf(dir).edgeWeight, 1);
        const r = await canary(dir, ["cutin", "next", "--stack", "production"]);
        assert.equal(r.code, 0, r.out);
        assert.match(r.out, /edge weight 1% → 5%/);
        assert.match(
            r.out,
            /Resource diff: 0 to add, 0 to remove, 1 to change, 0 to replace\n~ cutin-policy \(aws:cloudfront\/continuousDeploymentPolicy:ContinuousDeploymentPolicy\)\n {4}trafficConfig\.singleWeightConfig\.weight: 0\.01 → 0\.05\n/,
        );
        assert.match(r.out, /Before:\nEdge \(cut-in phase weight\):\n {3}99%[\s\S]*After:\nEdge \(cut-in phase weight\):\n {3}95%/);
    });

    it("promote runs in CloudFront's order (origin, disable, delete), refreshes the primary, and records the cut-in date", async () => {
        const dir = topRungProject();
        const engine = new FakeEngine(dir, true, ROUTED_HEALTH);
        const edgeApi = new FakeEdge(engine);
        const r = await canary(dir, ["cutin", "promote", "--stack", "production", "--apply"], { engine, edge: edgeApi, alarms: quiet() });
        assert.equal(r.code, 0, r.out);
        assert.deepEqual(
            engine.ups.map((text) => parse(text).config["payments-migration:cutin"].phase),
            ["promoting", "detached", "promoted"],
        );
        // In-place edge steps deploy only what they change (and the stack's outputs); the deletion step deploys all.
        const root = "urn:pulumi:production::payments-migration::pulumi:pulumi:Stack::payments-migration-production";
        const edge = "urn:pulumi:production::payments-migration::payments:migration:CutinEdge$aws:cloudfront/";
        const record = "urn:pulumi:production::payments-migration::payments:migration:PositionRecord::position";
        assert.deepEqual(engine.targets, [
            [root, record, `${edge}distribution:Distribution::cutin-primary`],
            [root, record, `${edge}continuousDeploymentPolicy:ContinuousDeploymentPolicy::cutin-policy`],
            undefined,
        ]);
        // Before the update that deletes the policy: detached from the primary (CloudFront API), the primary refreshed.
        assert.deepEqual(engine.refreshes, [
            ["urn:pulumi:production::payments-migration::payments:migration:CutinEdge$aws:cloudfront/distribution:Distribution::cutin-primary"],
        ]);
        assert.deepEqual(engine.events, ["up", "up", "detach", "refresh", "up"]);
        assert.deepEqual(edgeApi.detaches, [cutinOf(dir).distribution.id]);
        assert.match(r.out, /Detached the continuous deployment policy from E/);
        assert.equal(cutinOf(dir).cutinDate, new Date().toISOString().slice(0, 10));
        assert.match(r.out, /Step 3\/3: cut-in detached → promoted[\s\S]*- cutin-(staging|policy)/);
        // Back from promoted: the primary's origin alone, to the old origin.
        const back = await canary(dir, ["cutin", "rollback", "--stack", "production"]);
        assert.equal(back.code, 0, back.out);
        assert.equal(cutinOf(dir).phase, "adopted");
        assert.match(back.out, /Resource diff: 0 to add, 0 to remove, 1 to change, 0 to replace\n~ cutin-primary/);
    });

    it("promote-with-staging-config: CloudFront's own promotion first, the primary refreshed, then the same three steps (the first changes nothing on the primary)", async () => {
        const dir = topRungProject();
        const engine = new StagedEngine(dir);
        const edgeApi = new PromotingEdge(engine);
        const r = await canary(dir, ["cutin", "promote-with-staging-config", "--stack", "production", "--apply"], { engine, edge: edgeApi, alarms: quiet() });
        assert.equal(r.code, 0, r.out);
        assert.deepEqual(edgeApi.promotions, [["E2EXAMPLELIVE01", "E3EXAMPLESTAGE1"]]);
        assert.deepEqual(engine.events, ["promote", "refresh", "up", "up", "detach", "refresh", "up"]);
        assert.deepEqual(engine.refreshes[0], [PRIMARY_URN]);
        assert.deepEqual(
            engine.ups.map((text) => parse(text).config["payments-migration:cutin"].phase),
            ["promoting", "detached", "promoted"],
        );
        assert.equal(cutinOf(dir).cutinDate, new Date().toISOString().slice(0, 10));
    });

    it("promote-with-staging-config without --apply prints the AWS CLI form (the staging id read from the state) before the first step", async () => {
        const dir = topRungProject();
        const r = await canary(dir, ["cutin", "promote-with-staging-config", "--stack", "production"]);
        assert.equal(r.code, 0, r.out);
        assert.equal(cutinOf(dir).phase, "promoting");
        const block = /CloudFront's own promotion, by hand[^\n]*\n((?: {2}[^\n]*\n)+)/.exec(r.out);
        assert.ok(block, r.out);
        const commands = block[1]
            .trim()
            .split("\n")
            .map((l) => l.trim());
        assert.equal(commands.length, 4);
        assert.equal(
            commands[1],
            `aws cloudfront update-distribution-with-staging-config --id E2EXAMPLELIVE01 --staging-distribution-id "$STAGING_ID" --if-match "$(aws cloudfront get-distribution --id E2EXAMPLELIVE01 --query ETag --output text), $(aws cloudfront get-distribution --id "$STAGING_ID" --query ETag --output text)"`,
        );
        assert.equal(commands[2], "aws cloudfront wait distribution-deployed --id E2EXAMPLELIVE01");
        assert.equal(commands[3], `pulumi refresh --stack production --yes --target '${PRIMARY_URN}'`);
        // The id extraction works when pasted, on what `pulumi stack export` prints.
        const extract = /^STAGING_ID=\$\(pulumi stack export --stack production \| (.*)\)$/.exec(commands[0])![1];
        const exported = JSON.stringify({
            version: 3,
            deployment: {
                resources: [
                    { urn: "urn:x", id: "E1" },
                    { urn: STAGING_URN, id: "E3STAGE" },
                ],
            },
        });
        assert.equal(execFileSync("bash", ["-c", extract], { input: exported, encoding: "utf8" }).trim(), "E3STAGE");
        assert.match(r.out, /Next: pulumi up --stack production /);
        // Re-run from promoting: it continues like cutin promote, with no second copy.
        const again = await canary(dir, ["cutin", "promote-with-staging-config", "--stack", "production"]);
        assert.equal(again.code, 0, again.out);
        assert.doesNotMatch(again.out, /update-distribution-with-staging-config/);
        assert.equal(cutinOf(dir).phase, "detached");
    });

    it("promote-with-staging-config: a pack refusal or a failed CloudFront call stops before anything is written", async () => {
        // Spring above 0 %: cutin-one-risk-at-a-time refuses the promoting step, so CloudFront is never called.
        const dir = topRungProject();
        const file = path.join(dir, "Pulumi.production.yaml");
        fs.writeFileSync(
            file,
            fs.readFileSync(file, "utf8").replace("  payments-migration:canary:\n    weight: 0\n", "  payments-migration:canary:\n    weight: 1\n"),
        );
        const engine = new StagedEngine(dir);
        const edgeApi = new PromotingEdge(engine);
        const before = stackText(dir, "production");
        const refused = await canary(dir, ["cutin", "promote-with-staging-config", "--stack", "production", "--apply"], {
            engine,
            edge: edgeApi,
            alarms: quiet(),
        });
        assert.equal(refused.code, 1, refused.out);
        assert.match(refused.out, /Refused before anything changed in AWS: the policy pack rejects the promoting step:\n {2}cutin-one-risk-at-a-time/);
        assert.deepEqual([edgeApi.promotions, engine.events, stackText(dir, "production")], [[], [], before]);
        // CloudFront refuses: nothing written, the commands by hand, exit 1.
        const ok = topRungProject();
        const engine2 = new StagedEngine(ok);
        const failing = new PromotingEdge(engine2, new Error("IllegalUpdate"));
        const failed = await canary(ok, ["cutin", "promote-with-staging-config", "--stack", "production", "--apply"], {
            engine: engine2,
            edge: failing,
            alarms: quiet(),
        });
        assert.equal(failed.code, 1, failed.out);
        assert.match(failed.out, /CloudFront's promotion failed: IllegalUpdate\nNothing was written[^\n]*\n {2}STAGING_ID=/);
        assert.equal(cutinOf(ok).phase, "weight");
        assert.deepEqual(engine2.events, []);
    });

    it("the SDK promotion sends both ETags as CloudFront wants them, then waits for the primary", async () => {
        const sent: [string, unknown][] = [];
        const waited: string[] = [];
        const sdk = new CloudFrontStagingPromotion({
            send: async (command) => {
                const c = command as { constructor: { name: string }; input: { Id?: string } };
                sent.push([c.constructor.name, c.input]);
                return c.constructor.name === "GetDistributionCommand" ? { ETag: `ETAG-${c.input.Id}` } : {};
            },
            waitDeployed: async (id) => void waited.push(id),
        });
        await sdk.promoteWithStagingConfig("E2PRIMARY", "E3STAGING", () => undefined);
        assert.deepEqual(sent, [
            ["GetDistributionCommand", { Id: "E2PRIMARY" }],
            ["GetDistributionCommand", { Id: "E3STAGING" }],
            ["UpdateDistributionWithStagingConfigCommand", { Id: "E2PRIMARY", StagingDistributionId: "E3STAGING", IfMatch: "ETAG-E2PRIMARY, ETAG-E3STAGING" }],
        ]);
        assert.deepEqual(waited, ["E2PRIMARY"]);
    });

    it("rotate-header: a new secret in the idle slot first (made in the shell, never seen), then the policy switches slots; testers send both meanwhile", async () => {
        const dir = cutinProject("header");
        const first = await canary(dir, ["cutin", "rotate-header", "--stack", "production"]);
        assert.equal(first.code, 0, first.out);
        assert.match(
            first.out,
            /Nothing changed: slot b has no value yet: [^\n]*give testers both headers \(aws-cf-cd-payments-cutin-a with slot a's value, aws-cf-cd-payments-cutin-b with slot b's\)[^\n]*\nNext: pulumi config set --stack production --secret --path cutin\.header\.values\.b "\$\(openssl rand -hex 32\)"$/,
        );
        // What `pulumi config set --secret` writes: a secure value.
        const file = path.join(dir, "Pulumi.production.yaml");
        fs.writeFileSync(
            file,
            fs.readFileSync(file, "utf8").replace("        a:\n", "        b:\n          secure: v1:Zml4dHVyZQ==:bmV3LXNsb3QtYi1maXh0dXJl\n        a:\n"),
        );
        const second = await canary(dir, ["cutin", "rotate-header", "--stack", "production"]);
        assert.equal(second.code, 0, second.out);
        assert.equal(cutinOf(dir).header.send, "b");
        assert.match(
            second.out,
            /the header-based policy matches aws-cf-cd-payments-cutin-b \(slot b\) instead of aws-cf-cd-payments-cutin-a: testers send both headers until CloudFront has deployed the change/,
        );
        assert.match(second.out, /pulumi config rm --stack production --path cutin\.header\.values\.a$/m);
        assert.match(
            second.out,
            /~ cutin-policy[^\n]*\n {4}trafficConfig\.singleHeaderConfig\.header: "aws-cf-cd-payments-cutin-a" → "aws-cf-cd-payments-cutin-b"\n/,
        );
        // The value itself never appears: only [secret].
        assert.doesNotMatch(second.out, /bmV3LXNsb3Qt|new-slot-b/);
    });

    it("a header value in plain text is refused before any step forward (rollback still runs); status warns", async () => {
        const dir = cutinProject("header");
        const file = path.join(dir, "Pulumi.production.yaml");
        fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(/ {8}a:\n {10}secure: \S+\n/, "        a: plain-text-tester-secret-01\n"));
        const next = await canary(dir, ["cutin", "next", "--stack", "production"]);
        assert.equal(next.code, 2);
        assert.match(
            next.err,
            /^cutin\.header\.values\.a is plain text in \S+Pulumi\.production\.yaml: whoever reads the repository reaches the routed ALB at phase header; store a new secret instead: pulumi config set --stack production --secret --path cutin\.header\.values\.a "\$\(openssl rand -hex 32\)"$/,
        );
        const status = await canary(dir, ["cutin", "status", "--stack", "production"]);
        assert.match(status.out, /^Warning: cutin\.header\.values\.a is plain text/);
        assert.match(
            status.out,
            /testers: send aws-cf-cd-payments-cutin-a with slot a's secret: pulumi config get --stack production --path cutin\.header\.values\.a\n/,
        );
        assert.doesNotMatch(status.out, /plain-text-tester-secret-01/);
        const back = await canary(dir, ["cutin", "rollback", "--stack", "production"]);
        assert.equal(back.code, 0, back.out);
        assert.equal(cutinOf(dir).phase, "staged");
    });

    it("promote without --apply writes one step, says what to run and continues from where it stopped", async () => {
        const dir = cutinProject("detached", 5);
        const r = await canary(dir, ["cutin", "promote", "--stack", "production"]);
        assert.equal(r.code, 0, r.out);
        assert.equal(cutinOf(dir).phase, "promoted");
        // The detach comes first, by hand: AWS CLI commands, then the primary's refresh, then the update.
        const first = /First, detach[^\n]*\n((?: {2}[^\n]*\n)+)Next: pulumi up --stack production /.exec(r.out);
        assert.ok(first, r.out);
        const commands = first[1]
            .trim()
            .split("\n")
            .map((l) => l.trim());
        const id = cutinOf(dir).distribution.id;
        assert.deepEqual(
            commands.map((c) =>
                c
                    .split(" ")
                    .slice(0, c.startsWith("rm ") ? 2 : 3)
                    .join(" "),
            ),
            [
                "aws cloudfront get-distribution-config",
                "node -e 'const",
                "aws cloudfront update-distribution",
                "rm -rf",
                "aws cloudfront wait",
                "pulumi refresh --stack",
            ],
        );
        assert.equal(
            commands[5],
            `pulumi refresh --stack production --yes --target 'urn:pulumi:production::payments-migration::payments:migration:CutinEdge$aws:cloudfront/distribution:Distribution::cutin-primary'`,
        );
        // The two node commands work when pasted: on what get-distribution-config writes, they
        // produce the config with the policy id emptied and print the ETag update-distribution needs.
        // The config holds the origin-verify secret: a private folder (mode 0700, a name no one can guess), removed after the update.
        const file = /> (\S+)$/.exec(commands[0])![1];
        const folder = path.dirname(file);
        assert.match(file, new RegExp(`^${os.tmpdir()}/cutin-${id}-[^/]+/primary\\.json$`));
        assert.equal(fs.statSync(folder).mode & 0o777, 0o700);
        assert.equal(fs.statSync(file).mode & 0o777, 0o600);
        assert.equal(commands[3], `rm -rf ${folder}`);
        fs.writeFileSync(
            file,
            JSON.stringify({ ETag: "E2ETAG", DistributionConfig: { CallerReference: "x", Enabled: true, ContinuousDeploymentPolicyId: "cdp-1" } }),
        );
        try {
            execFileSync("bash", ["-c", commands[1]]);
            assert.deepEqual(JSON.parse(fs.readFileSync(`${file}.config`, "utf8")), { CallerReference: "x", Enabled: true, ContinuousDeploymentPolicyId: "" });
            const etag = /--if-match "\$\((node -p .*)\)"$/.exec(commands[2])![1];
            assert.equal(execFileSync("bash", ["-c", etag], { encoding: "utf8" }).trim(), "E2ETAG");
            assert.match(commands[2], new RegExp(`--distribution-config file://${file}\\.config `));
            assert.equal(fs.statSync(`${file}.config`).mode & 0o777, 0o600);
        } finally {
            fs.rmSync(folder, { recursive: true, force: true });
        }
    });

    it("a detach that fails stops before the update, names the commands by hand, and the re-run continues", async () => {
        const dir = cutinProject("detached", 5);
        const engine = new FakeEngine(dir, true);
        const failing = { detachPolicy: async () => Promise.reject(new Error("AccessDenied")) };
        const r = await canary(dir, ["cutin", "promote", "--stack", "production", "--apply"], { engine, edge: failing });
        assert.equal(r.code, 1, r.out);
        assert.deepEqual(engine.events, []);
        assert.match(
            r.out,
            /Detaching the policy failed: AccessDenied\nNothing was written or updated[^\n]*run it again:\n {2}aws cloudfront get-distribution-config/,
        );
        assert.equal(cutinOf(dir).phase, "detached");
        // Detached by hand meanwhile: the same command finds nothing attached, refreshes and updates.
        const edgeApi = new FakeEdge(engine);
        edgeApi.attached = false;
        const again = await canary(dir, ["cutin", "promote", "--stack", "production", "--apply"], { engine, edge: edgeApi });
        assert.equal(again.code, 0, again.out);
        assert.match(again.out, /names no continuous deployment policy: nothing to detach/);
        assert.deepEqual(engine.events, ["detach", "refresh", "up"]);
        assert.equal(cutinOf(dir).phase, "promoted");
    });

    it("staging the cut-in refreshes the new staging distribution after the update; rolling back from staged detaches first", async () => {
        const dir = cutinProject();
        const engine = new FakeEngine(dir, true);
        const staged = await canary(dir, ["cutin", "next", "--stack", "production", "--apply"], { engine });
        assert.equal(staged.code, 0, staged.out);
        assert.deepEqual(engine.events, ["up", "refresh"]);
        assert.deepEqual(engine.refreshes, [
            ["urn:pulumi:production::payments-migration::payments:migration:CutinEdge$aws:cloudfront/distribution:Distribution::cutin-staging"],
        ]);
        const back = await canary(dir, ["cutin", "rollback", "--stack", "production", "--apply"], { engine });
        assert.equal(back.code, 0, back.out);
        assert.equal(cutinOf(dir).phase, "adopted");
        assert.deepEqual(engine.events, ["up", "refresh", "detach", "refresh", "up"]);
    });

    it("next at the top edge rung (its time recorded) or during promotion is a no-op pointing at cutin promote; status agrees", async () => {
        // The command to run stands on a line of its own: no sentence punctuation to paste with it.
        const since = minuteOf(Date.now() - 10 * MINUTE);
        const ends = minuteOf(Date.parse(since.replace("Z", ":00Z")) + 60 * MINUTE);
        for (const [dir, says] of [
            [
                cutinProject("weight", 15, since),
                new RegExp(
                    `the edge weight is at the top of the edge ladder \\(15%\\): promotion is next, from ${ends} \\(cutin\\.topRungAt ${since} \\+ 60 min\\)\\.\\nNext: npm run canary -- cutin promote --stack production$`,
                ),
            ],
            [
                cutinProject("detached", 5),
                /the cut-in is being promoted \(phase detached\): continue the promotion\.\nNext: npm run canary -- cutin promote --stack production$/,
            ],
        ] as const) {
            const before = stackText(dir, "production");
            const r = await canary(dir, ["cutin", "next", "--stack", "production"]);
            assert.equal(r.code, 0, r.out + r.err);
            assert.match(r.out, says);
            assert.equal(r.err, "");
            assert.equal(stackText(dir, "production"), before);
        }
        const status = await canary(cutinProject("weight", 15, since), ["cutin", "status", "--stack", "production"]);
        assert.match(
            status.out,
            new RegExp(
                `top edge rung since ${since}; bake 60 min\\n {2}next: npm run canary -- cutin promote --stack production \\(the edge weight is at the top rung; from ${ends}, once it has baked 60 min with its alarms quiet\\)\\n {2}back: npm run canary -- cutin rollback --stack production \\(→ staged\\)`,
            ),
        );
    });

    it("next onto the top rung records its time (the bake starts with that update); at the top without one, next records it", async () => {
        const dir = cutinProject("weight", 10);
        const r = await canary(dir, ["cutin", "next", "--stack", "production"]);
        assert.equal(r.code, 0, r.out);
        assert.match(r.out, /edge weight 10% → 15% of viewers to the routed ALB \(a ceiling\) \(the top rung: its bake of 60 min starts with this update\)/);
        assert.match(r.out, /pulumi config set --stack production --path cutin\.topRungAt -- \d{4}-\d\d-\d\dT\d\d:\d\dZ\n/);
        assert.equal(cutinOf(dir).edgeWeight, 15);
        assert.ok(Math.abs(Date.parse(String(cutinOf(dir).topRungAt).replace("Z", ":00Z")) - Date.now()) < 2 * MINUTE);
        const unrecorded = cutinProject("weight", 15);
        const record = await canary(unrecorded, ["cutin", "next", "--stack", "production"]);
        assert.equal(record.code, 0, record.out);
        assert.match(record.out, /record the time the edge reached the top rung \(15%\): cutin\.topRungAt is not recorded/);
        assert.ok(cutinOf(unrecorded).topRungAt);
    });

    it("next at the top rung re-records a time the step wrote but did not deploy in time (with a CLI), or says how (without)", async () => {
        const old = minuteOf(Date.now() - 3 * 60 * MINUTE);
        const dir = cutinProject("weight", 10);
        const engine = new FakeEngine(dir, true, ROUTED_HEALTH);
        await engine.outputs("production"); // deployed: weight 10
        const file = path.join(dir, "Pulumi.production.yaml");
        fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("    edgeWeight: 10\n", `    edgeWeight: 15\n    topRungAt: ${old}\n`));
        const r = await canary(dir, ["cutin", "next", "--stack", "production"], { engine });
        assert.equal(r.code, 0, r.out);
        assert.match(r.out, new RegExp(`the step that wrote ${old} is not deployed, and cutin-phase-order wants the time of the update`));
        assert.notEqual(cutinOf(dir).topRungAt, old);
        const offline = cutinProject("weight", 15, old);
        const o = await canary(offline, ["cutin", "next", "--stack", "production"]);
        assert.equal(o.code, 0, o.out);
        assert.match(
            o.out,
            /if the pulumi up of that step has not run yet, cutin-phase-order refuses a time more than 30 minutes old[^\n]*\nNext: pulumi config set --stack production --path cutin\.topRungAt -- \S+Z$/,
        );
        assert.equal(cutinOf(offline).topRungAt, old);
    });

    it("promote only from the top rung, baked, with the routed path's alarms quiet; refusals write nothing", async () => {
        const refused = async (dir: string, deps: Parameters<typeof canary>[2] = {}) => {
            const before = stackText(dir, "production");
            const r = await canary(dir, ["cutin", "promote", "--stack", "production"], deps);
            assert.equal(stackText(dir, "production"), before);
            return r;
        };
        // From the first rung: every viewer would move in one update.
        const low = await refused(cutinProject("weight", 1));
        assert.equal(low.code, 2);
        assert.equal(
            low.err.trim(),
            "cutin.edgeWeight = 1: promotion moves every viewer onto the routed ALB at once, so it starts from the top edge rung (15%) once that rung has baked cutin.topRungBakeMinutes (60); climb one rung per run first: npm run canary -- cutin next --stack production",
        );
        // At the top, before the bake ends.
        const early = await refused(topRungProject(20));
        assert.equal(early.code, 2);
        assert.match(early.err, /has baked 20 of 60 minutes: promote from \S+Z; then run again: npm run canary -- cutin promote --stack production$/);
        const unrecorded = await refused(cutinProject("weight", 15));
        assert.match(unrecorded.err, /cutin\.topRungAt = \(not set\): the time the top edge rung was deployed \(cutin\.topRungAt\) is not recorded/);
        // Baked, but an alarm of the routed path fires, or has no data: refused (exit 1), nothing written.
        const dir = topRungProject();
        const engine = new FakeEngine(dir, true, ROUTED_HEALTH);
        const firing = await refused(dir, { engine, alarms: new FakeAlarms(() => "ALARM") });
        assert.equal(firing.code, 1);
        assert.match(
            firing.out,
            /Refused: an alarm of the routed path is firing \(lb-5xx ALARM, lb-p99 ALARM, lb-unhealthy ALARM\): roll back instead: npm run canary -- cutin rollback --stack production; nothing was written\./,
        );
        const silent = await refused(dir, { engine, alarms: new FakeAlarms(() => "INSUFFICIENT_DATA") });
        assert.equal(silent.code, 1);
        assert.match(silent.out, /no evidence is not good evidence/);
        // Written at the top but not deployed there: the bake cannot have happened.
        const ahead = topRungProject();
        const deployedLow = new FakeEngine(ahead, true, ROUTED_HEALTH);
        await deployedLow.outputs("production");
        const file = path.join(ahead, "Pulumi.production.yaml");
        const topText = fs.readFileSync(file, "utf8");
        fs.writeFileSync(file, topText.replace("    edgeWeight: 15\n", "    edgeWeight: 10\n"));
        await deployedLow.up("production", () => undefined); // deployed: 10 %
        fs.writeFileSync(file, topText);
        const notDeployed = await refused(ahead, { engine: deployedLow, alarms: quiet() });
        assert.equal(notDeployed.code, 2);
        assert.match(notDeployed.err, /is not what is deployed \(phase weight, 10%, topRungAt \S+\): deploy the top rung and let it bake first/);
        // Without a CLI the alarms cannot be read: said, not skipped silently.
        const offline = await canary(topRungProject(), ["cutin", "promote", "--stack", "production"]);
        assert.equal(offline.code, 0, offline.out);
        assert.match(offline.out, /Not checked \(no Pulumi CLI\): the alarms of the routed path \(legacy-blue\)/);
        assert.equal(cutinOf(topRungProject()).phase, "weight");
    });

    it("rollback from the weight phase disables the policy (nothing deleted) and is written even when a policy objects", async () => {
        const dir = cutinProject("weight", 5);
        const r = await canary(dir, ["cutin", "rollback", "--stack", "production"]);
        assert.equal(r.code, 0, r.out);
        assert.equal(cutinOf(dir).phase, "staged");
        assert.match(
            r.out,
            /Resource diff: 0 to add, 0 to remove, 1 to change, 0 to replace\n~ cutin-policy[^\n]*\n {4}enabled: true → false\n {4}trafficConfig/,
        );
        const none = await canary(cutinProject(), ["cutin", "rollback", "--stack", "production"]);
        assert.equal(none.code, 0);
        assert.match(none.out, /Nothing changed: the cut-in is at phase adopted: every viewer is already on the old origin/);
    });

    it("strict usage: unknown subcommands and flags that mean nothing are errors (exit 2)", async () => {
        const dir = cutinProject();
        for (const argv of [
            ["cutin", "--stack", "production"],
            ["cutin", "jump", "--stack", "production"],
            ["cutin", "next", "--route", "payment-status", "--stack", "production"],
            ["cutin", "promote", "--stack", "production"],
            ["cutin", "status", "--apply", "--stack", "production"],
        ]) {
            const r = await canary(dir, argv);
            assert.equal(r.code, 2, argv.join(" "));
        }
        const apply = await canary(dir, ["cutin", "status", "--apply", "--stack", "production"], { engine: new FakeEngine(dir, true) });
        assert.equal(apply.code, 2);
        assert.match(apply.err, /^--apply means nothing to cutin status: it only reads/);
        const r = await canary(dir, ["cutin", "status", "--stack", "production"]);
        assert.equal(r.code, 0);
        assert.match(
            r.out,
            /Cut-in phase adopted[\s\S]*next: npm run canary -- cutin next --stack production\n {2}back: nothing to roll back[\s\S]*100% {2}primary distribution → old origin/,
        );
        // The general status shows the cut-in too, above the routing table.
        const all = await canary(dir, ["status", "--stack", "production"]);
        assert.match(all.out, /Cut-in phase adopted[\s\S]*Edge \(cut-in phase adopted\):[\s\S]*Routing \(first match wins\)/);
    });

    it("after retirement: status offers no cut-in rollback, and cutin rollback is a config error (no usage text) naming cutin.retired and the rollback that remains", async () => {
        const dir = cutinProject("promoted");
        const file = path.join(dir, "Pulumi.production.yaml");
        fs.writeFileSync(
            file,
            fs.readFileSync(file, "utf8").replace("    phase: promoted\n", "    phase: promoted\n    cutinDate: 2026-11-01\n    retired: true\n"),
        );
        const status = await canary(dir, ["cutin", "status", "--stack", "production"]);
        assert.equal(status.code, 0, status.out + status.err);
        assert.match(
            status.out,
            /next: end the cut-in \(the distribution and records stay as the permanent edge\): npm run canary -- cutin end --stack production\n {2}back: none \(the old origin is retired: the point of no return\); roll back on the routed ALB: npm run canary -- rollback --stack production\n/,
        );
        assert.doesNotMatch(status.out, /cutin rollback/);
        const before = stackText(dir, "production");
        const back = await canary(dir, ["cutin", "rollback", "--stack", "production"]);
        assert.equal(back.code, 2);
        assert.equal(
            back.err.trim(),
            "cutin.retired = true: the old origin is retired, there is no old path to go back to (that was the point of no return); roll back on the routed ALB instead: npm run canary -- rollback --stack production",
        );
        assert.equal(stackText(dir, "production"), before);
        const next = await canary(dir, ["cutin", "next", "--stack", "production"]);
        assert.match(
            next.out,
            /Nothing changed: the cut-in is promoted and the old origin retired: what is left is ending it\.\nNext: npm run canary -- cutin end --stack production$/,
        );
    });

    it("promoted, not yet retired: status and next name the day the bake ends and the retirement command", async () => {
        const dir = cutinProject("promoted");
        const file = path.join(dir, "Pulumi.production.yaml");
        fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("    phase: promoted\n", "    phase: promoted\n    cutinDate: 2026-11-01\n"));
        const status = await canary(dir, ["cutin", "status", "--stack", "production"]);
        assert.match(
            status.out,
            /next: retire the old origin after the bake: from 2026-11-15 \(cutinDate 2026-11-01 \+ 14 days\), pulumi config set --stack production --path cutin\.retired true, then a whole-stack pulumi up/,
        );
        assert.match(status.out, /back: npm run canary -- cutin rollback --stack production \(→ adopted\)/);
    });

    it("status before promotion with Spring above 0 % says to lower it first, with the commands (cutin next would be refused)", async () => {
        const dir = cutinProject("adopted");
        const file = path.join(dir, "Pulumi.production.yaml");
        const text = fs.readFileSync(file, "utf8");
        assert.ok(text.includes("  payments-migration:canary:\n    weight: 0\n"));
        fs.writeFileSync(file, text.replace("  payments-migration:canary:\n    weight: 0\n", "  payments-migration:canary:\n    weight: 1\n"));
        const status = await canary(dir, ["cutin", "status", "--stack", "production"]);
        assert.equal(status.code, 0, status.out + status.err);
        assert.match(
            status.out,
            /next: first lower Spring to 0 % \(cutin-one-risk-at-a-time\): npm run canary -- set 0 --stack production, pulumi up; then npm run canary -- cutin next --stack production\n/,
        );
        const next = await canary(dir, ["cutin", "next", "--stack", "production"]);
        assert.equal(next.code, 1, next.out);
        assert.match(next.out, /cutin-one-risk-at-a-time/);
    });

    it("promote before the weight phase is a config error (no usage text) ending with the command to run", async () => {
        const r = await canary(cutinProject("staged"), ["cutin", "promote", "--stack", "production"]);
        assert.equal(r.code, 2);
        assert.equal(
            r.err.trim(),
            "cutin.phase = staged: promotion starts from phase weight (viewers already on the routed ALB through the staging distribution); first take the phases up to weight, one per run: npm run canary -- cutin next --stack production",
        );
    });

    it("a rollback says it goes back (not what the phase does going forward)", async () => {
        for (const [phase, weight, says] of [
            [
                "header",
                undefined,
                /cut-in header → staged: back: the policy is disabled; every viewer on the old origin \(the staging distribution stays, nothing is deleted\)/,
            ],
            [
                "promoting",
                5,
                /cut-in promoting → staged: back: the policy is disabled and the primary's origin is the old CNAME again; every viewer on the old origin/,
            ],
            ["staged", undefined, /cut-in staged → adopted: back: the policy and the staging distribution are deleted; every viewer stays on the old origin/],
            ["promoted", undefined, /cut-in promoted → adopted: back: the primary's origin is the old CNAME again; every viewer on the old origin/],
        ] as const) {
            const r = await canary(cutinProject(phase, weight), ["cutin", "rollback", "--stack", "production"]);
            assert.equal(r.code, 0, r.out);
            assert.match(r.out, says);
            assert.doesNotMatch(r.out, /deploys; its policy is off/);
        }
    });

    it("promote re-run after its step was written on an earlier day but not deployed: re-records today's cutinDate (with a CLI), or says how (without)", async () => {
        const today = new Date().toISOString().slice(0, 10);
        const dir = cutinProject("detached", 5);
        const engine = new FakeEngine(dir, true);
        await engine.outputs("production"); // deployed: detached
        const file = path.join(dir, "Pulumi.production.yaml");
        fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("    phase: detached\n", "    phase: promoted\n    cutinDate: 2020-01-01\n"));
        const r = await canary(dir, ["cutin", "promote", "--stack", "production", "--apply"], { engine, edge: new FakeEdge(engine) });
        assert.equal(r.code, 0, r.out);
        assert.equal(cutinOf(dir).cutinDate, today);
        assert.deepEqual(engine.events, ["detach", "refresh", "up"]);
        // Without a CLI the tool cannot see what is deployed: it names the command instead of guessing.
        const offline = cutinProject("detached", 5);
        const f2 = path.join(offline, "Pulumi.production.yaml");
        fs.writeFileSync(f2, fs.readFileSync(f2, "utf8").replace("    phase: detached\n", "    phase: promoted\n    cutinDate: 2020-01-01\n"));
        const o = await canary(offline, ["cutin", "promote", "--stack", "production"]);
        assert.equal(o.code, 0, o.out);
        assert.match(
            o.out,
            new RegExp(
                `Nothing changed: the cut-in is already promoted in the stack file \\(cutinDate 2020-01-01\\); if the pulumi up of that step has not run yet, cutin-old-origin-retained refuses a cutinDate before today: record today's, then run that pulumi up\\.\\nNext: pulumi config set --stack production --path cutin\\.cutinDate ${today}$`,
            ),
        );
        assert.equal(cutinOf(offline).cutinDate, "2020-01-01");
    });

    it("end: only once the retirement is deployed; writes cutin.ended (and adoption managed), which changes nothing in AWS; after it no cut-in step is left", async () => {
        const at = (extra: string) => {
            const dir = cutinProject("promoted");
            const file = path.join(dir, "Pulumi.production.yaml");
            fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("    phase: promoted\n", `    phase: promoted\n    cutinDate: 2020-01-01\n${extra}`));
            return dir;
        };
        const early = await canary(at(""), ["cutin", "end", "--stack", "production"]);
        assert.equal(early.code, 2);
        assert.match(
            early.err,
            /^cutin\.retired = false \(phase promoted\): the cut-in ends after the old origin is retired, its point of no return; retire it first: from 2020-01-15/,
        );
        const weight = await canary(cutinProject("weight", 5), ["cutin", "end", "--stack", "production"]);
        assert.match(weight.err, /promote first: npm run canary -- cutin promote --stack production$/);
        // Retired in the file, not deployed: refused with a CLI.
        const dir = at("    retired: true\n");
        const engine = new FakeEngine(dir, true, ROUTED_HEALTH);
        const file = path.join(dir, "Pulumi.production.yaml");
        const text = fs.readFileSync(file, "utf8");
        fs.writeFileSync(file, text.replace("    retired: true\n", ""));
        await engine.outputs("production"); // deployed: promoted, not retired
        fs.writeFileSync(file, text);
        const notDeployed = await canary(dir, ["cutin", "end", "--stack", "production"], { engine });
        assert.equal(notDeployed.code, 2);
        assert.match(
            notDeployed.err,
            /^cutin\.retired = true is not deployed yet \(deployed: phase promoted, retired false\): run a whole-stack pulumi up first: pulumi up --stack production /,
        );
        await engine.up("production", () => undefined); // deployed: retired
        const end = await canary(dir, ["cutin", "end", "--stack", "production", "--apply"], { engine });
        assert.equal(end.code, 0, end.out);
        assert.deepEqual([cutinOf(dir).ended, cutinOf(dir).adoption], [true, "managed"]);
        // The import option goes with adoption "managed" (nothing in AWS); nothing else changes.
        assert.match(
            end.out,
            /Resource diff: 0 to add, 0 to remove, 3 to change, 0 to replace\n(~ cutin-(primary|record-\d-a+)[^\n]*\n {4}\(options\)\.import: "[^"]+" → \(none\)\n){3}\n/,
        );
        assert.match(end.out, /Afterwards cutin\.oldPair may go: pulumi config rm --stack production --path cutin\.oldPair/);
        for (const sub of ["end", "next", "promote", "rotate-header"]) {
            const r = await canary(dir, ["cutin", sub, "--stack", "production"]);
            assert.equal(r.code, 0, r.out);
            assert.match(r.out, /Nothing changed: the cut-in has ended/, sub);
        }
        const status = await canary(dir, ["cutin", "status", "--stack", "production"]);
        assert.match(status.out, /^Cut-in ended: the adopted distribution and its hostname records are the stack's permanent edge/);
    });

    for (const promote of ["promote", "promote-with-staging-config"]) {
        it(`the walk (cutin ${promote}): production-like cut-in from adopted to the end, every deployed phase with the two distributions equal but for the origin, the end replacing or removing nothing`, async () => {
            const dir = cutinProject();
            const file = path.join(dir, "Pulumi.production.yaml");
            const engine = new StagedEngine(dir);
            const deps = { engine, edge: new PromotingEdge(engine), alarms: quiet() };
            const run = async (...argv: string[]) => {
                const r = await canary(dir, ["cutin", ...argv, "--stack", "production", "--apply"], deps);
                assert.equal(r.code, 0, `cutin ${argv.join(" ")}: ${r.out}${r.err}`);
            };
            /** Time passes: the file and what is deployed both hold `from` as `to` (what "two hours later" looks like to the tool and the pack). */
            const age = (from: string, to: string) => {
                fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(from, to));
                engine.rewrite("production", (text) => text.replace(from, to));
            };
            // adopted → staged → header → weight 1 → 5 → 10 → 15 %, one checked update each.
            for (let i = 0; i < 6; i++) await run("next");
            assert.deepEqual([cutinOf(dir).phase, cutinOf(dir).edgeWeight], ["weight", 15]);
            // The top rung bakes two hours (its alarms quiet), then promotion.
            const topRungAt = String(cutinOf(dir).topRungAt);
            age(`topRungAt: ${topRungAt}`, `topRungAt: ${minuteOf(Date.now() - 120 * MINUTE)}`);
            await run(promote);
            assert.equal(cutinOf(dir).phase, "promoted");
            assert.equal(deps.edge.promotions.length, promote === "promote" ? 0 : 1, "CloudFront's own promotion, on its path only");
            // The promotion bakes its days; the old origin is retired by hand (README runbook), checked by the pack like any update.
            age(`cutinDate: ${cutinOf(dir).cutinDate}`, "cutinDate: 2020-01-01");
            fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("    phase: promoted\n", "    phase: promoted\n    retired: true\n"));
            const retiring = await runPlan({ stack: "production", dir, deployed: await engine.outputs("production") });
            assert.deepEqual(mandatoryViolations(await checkPlan(retiring, { dir })), []);
            await engine.up("production", () => undefined);
            await run("end");
            assert.equal(cutinOf(dir).ended, true);

            // Every update of the walk, planned: at each phase with a staging distribution, the two are equal but for the origin.
            const plans = [];
            for (const text of engine.ups)
                plans.push(await runPlan({ stack: "production", dir, loaded: stackConfigFromText(text, "payments-migration", "production") }));
            const phases = plans.map((p) => (p.outputs.cutin as { phase: string }).phase);
            assert.deepEqual(phases, ["staged", "header", "weight", "weight", "weight", "weight", "promoting", "detached", "promoted", "promoted", "promoted"]);
            for (const [i, p] of plans.entries()) {
                const [primary, staging] = ["cutin-primary", "cutin-staging"].map(
                    (n) => p.resources.find((r) => r.name === n)?.inputs as DistributionConfig | undefined,
                );
                assert.equal(!!staging, edgeShape(phases[i] as "staged").staging, `update ${i}`);
                if (staging) assert.deepEqual(mirrorDifferences(primary!, staging), [], `update ${i}: ${phases[i]}`);
            }
            // The end's plan: nothing added, replaced or removed; on the viewer path (distribution, records) at most the
            // import option goes (adoption import → managed: nothing in AWS).
            const end = diffPlans(plans[plans.length - 2], plans[plans.length - 1]);
            assert.deepEqual([end.added, end.removed, end.changed.filter((c) => c.replace)], [[], [], []]);
            assert.deepEqual(
                end.changed.filter((c) => /cloudfront|route53/.test(c.type) && c.paths.some((x) => x !== "(options).import")),
                [],
            );
            assert.deepEqual(end.changed.map((c) => c.name).sort(), ["cutin-primary", "cutin-record-0-a", "cutin-record-1-aaaa"]);
        });
    }
});
