/**
 * The canary tool's adapters (tools/canary/adapters.ts): the printed pulumi commands, built in
 * one place for where the operator pastes them, and the AWS reads outside `verify`
 * (CloudWatch alarms, ECS services) with the same one-line access errors (tools/live/aws.ts).
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeServicesCommand, ECSClient, ECSServiceException } from "@aws-sdk/client-ecs";
import { CloudWatchServiceException } from "@aws-sdk/client-cloudwatch";
import { mockClient } from "aws-sdk-client-mock";
import { CloudWatchAlarms, EcsServices, detachPolicyCommands, printCommandsFrom, refreshCommand, shellPath, upCommand } from "../../../tools/canary/adapters";
import { LiveAccessError } from "../../../tools/live/aws";
import { stackNameOf } from "../../../tools/plan/stackFile";
import { tempDir } from "../../helpers";

const URN = "urn:pulumi:production::payments-migration::pulumi:pulumi:Stack::payments-migration-production";

describe("canary adapters", () => {
    describe("printed pulumi commands", () => {
        let project: string;
        beforeEach(() => {
            project = path.join(tempDir("printed"), "payments O'Team");
            fs.mkdirSync(path.join(project, "docs", "deep"), { recursive: true });
        });
        afterEach(() => printCommandsFrom(undefined));

        it("from the project folder: the policy pack and its config as the runbook shows them", () => {
            printCommandsFrom(project, project);
            assert.equal(upCommand("production"), "pulumi up --stack production --policy-pack policy --policy-pack-config policy-config.production.json");
        });

        it("from a subfolder (npm's INIT_CWD): paths relative to it, so the command works pasted there", () => {
            printCommandsFrom(project, path.join(project, "docs", "deep"));
            assert.equal(
                upCommand("production", [URN]),
                `pulumi up --stack production --policy-pack ../../policy --policy-pack-config ../../policy-config.production.json --target '${URN}'`,
            );
            assert.equal(shellPath(path.join(project, "Pulumi.production.yaml")), "../../Pulumi.production.yaml");
        });

        it("INIT_CWD is the default shell folder", () => {
            const saved = process.env.INIT_CWD;
            process.env.INIT_CWD = path.join(project, "docs");
            try {
                printCommandsFrom(project);
                assert.match(upCommand("staging"), / --policy-pack \.\.\/policy --policy-pack-config \.\.\/policy-config\.staging\.json$/);
            } finally {
                if (saved === undefined) delete process.env.INIT_CWD;
                else process.env.INIT_CWD = saved;
            }
        });

        it("a fully qualified stack keeps its name in --stack; its files are named after the last segment", () => {
            printCommandsFrom(project, project);
            assert.equal(stackNameOf("acme/payments-migration/production"), "production");
            assert.equal(stackNameOf("production"), "production");
            assert.equal(
                upCommand("acme/payments-migration/production"),
                "pulumi up --stack acme/payments-migration/production --policy-pack policy --policy-pack-config policy-config.production.json",
            );
            assert.equal(
                refreshCommand("acme/payments-migration/production", [URN]),
                `pulumi refresh --stack acme/payments-migration/production --yes --target '${URN}'`,
            );
        });

        it("a file outside the project (a stack file linked into a shared checkout) is printed with its absolute path, quoted", () => {
            printCommandsFrom(project, project);
            const shared = path.join(tempDir("shared config"), "Pulumi.production.yaml");
            fs.writeFileSync(shared, "config: {}\n");
            assert.equal(shellPath(shared), `'${fs.realpathSync(shared)}'`);
        });
    });

    describe("the detach by hand: the distribution config (it holds the origin-verify secret) stays private and is removed", () => {
        /** A fake `aws` that answers get-distribution-config with a config holding a custom header's value. */
        function fakeAws(): string {
            const bin = tempDir("fake-aws");
            const config = {
                ETag: "E1",
                DistributionConfig: { ContinuousDeploymentPolicyId: "cdp", Origins: { Items: [{ CustomHeaders: { Items: [{ HeaderValue: "s3cret" }] } }] } },
            };
            fs.writeFileSync(path.join(bin, "aws"), `#!/bin/bash\n[ "$2" = get-distribution-config ] && echo '${JSON.stringify(config)}'\nexit 0\n`, {
                mode: 0o755,
            });
            return bin;
        }
        const bash = (script: string, bin: string) =>
            spawnSync("bash", ["-c", `umask 022; set -e; ${script}`], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, encoding: "utf8" });

        it("a private folder made for the commands (0700, an unguessable name), files 0600 whatever the umask, gone after the update", () => {
            const lines = detachPolicyCommands("E2EXAMPLE");
            const file = /> (\S+)$/.exec(lines[0])?.[1] ?? "";
            const folder = path.dirname(file);
            assert.equal(fs.statSync(folder).mode & 0o777, 0o700);
            const bin = fakeAws();
            for (const [i, line] of lines.entries()) {
                const r = bash(line, bin);
                assert.equal(r.status, 0, `${line}\n${r.stderr}`);
                if (i === 1) for (const f of [file, `${file}.config`]) assert.equal(fs.statSync(f).mode & 0o777, 0o600, f);
            }
            assert.equal(fs.existsSync(folder), false);
        });

        it("no writable temporary folder here: the shell makes one (mktemp -d under umask 077), the lines pasted together", () => {
            const saved = process.env.TMPDIR;
            process.env.TMPDIR = path.join(tempDir("gone"), "missing");
            let lines: string[];
            try {
                lines = detachPolicyCommands("E2EXAMPLE");
            } finally {
                if (saved === undefined) delete process.env.TMPDIR;
                else process.env.TMPDIR = saved;
            }
            assert.match(lines[0], /^dir=\$\(umask 077 && mktemp -d\) && umask 077 && aws cloudfront get-distribution-config /);
            const tmp = tempDir("shell-tmp");
            const r = bash(`export TMPDIR=${tmp}; ${lines.join("\n")}`, fakeAws());
            assert.equal(r.status, 0, r.stderr);
            assert.deepEqual(fs.readdirSync(tmp), [], "the folder is removed");
        });
    });

    describe("AWS reads outside verify: an access problem is one line naming the call (LiveAccessError, exit 2)", () => {
        it("CloudWatch DescribeAlarms access denied names the IAM action it needs", async () => {
            const cw = mockClient(CloudWatchClient);
            try {
                cw.on(DescribeAlarmsCommand).rejects(
                    new CloudWatchServiceException({ name: "AccessDenied", $fault: "client", $metadata: { httpStatusCode: 403 }, message: "not authorized" }),
                );
                await assert.rejects(new CloudWatchAlarms("eu-west-1").states(["a"]), (e: Error) => {
                    assert.ok(e instanceof LiveAccessError);
                    assert.equal(e.message, "CloudWatch DescribeAlarms: access denied (AccessDenied): the caller needs cloudwatch:DescribeAlarms");
                    return true;
                });
            } finally {
                cw.restore();
            }
        });

        it("CloudWatch: an alarm it does not know reads as missing data, never OK", async () => {
            const cw = mockClient(CloudWatchClient);
            try {
                cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: "a", StateValue: "OK" }] });
                assert.deepEqual(await new CloudWatchAlarms("eu-west-1").states(["a", "b"]), { a: "OK", b: "INSUFFICIENT_DATA" });
            } finally {
                cw.restore();
            }
        });

        it("ECS DescribeServices throttled: one line naming the call", async () => {
            const ecs = mockClient(ECSClient);
            try {
                ecs.on(DescribeServicesCommand).rejects(
                    new ECSServiceException({ name: "ThrottlingException", $fault: "client", $metadata: { httpStatusCode: 400 }, message: "Rate exceeded" }),
                );
                await assert.rejects(new EcsServices("eu-west-1").describe("c", "s"), (e: Error) => {
                    assert.ok(e instanceof LiveAccessError);
                    assert.match(e.message, /^ECS DescribeServices: throttled by AWS \(ThrottlingException\)/);
                    return true;
                });
            } finally {
                ecs.restore();
            }
        });

        it("ECS: a cluster it does not know reads as no service (a difference the caller reports), not an access error", async () => {
            const ecs = mockClient(ECSClient);
            try {
                ecs.on(DescribeServicesCommand).rejects(
                    new ECSServiceException({
                        name: "ClusterNotFoundException",
                        $fault: "client",
                        $metadata: { httpStatusCode: 400 },
                        message: "Cluster not found.",
                    }),
                );
                assert.equal(await new EcsServices("eu-west-1").describe("c", "s"), undefined);
            } finally {
                ecs.restore();
            }
        });
    });
});
