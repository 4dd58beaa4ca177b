/**
 * Red team D: the canary tool as an SRE uses it under pressure, in classes the tool's own tests
 * do not name (docs/redteam/d.md has the table per class and the fix per finding). Each case
 * asserts the safe or correct behaviour, so a case the tool gets wrong is a failing test: the
 * failure is the finding. Offline, as the tool's tests drive it: the fake engine and ECS of
 * harness.ts, copies of the fixture stacks, real child processes only where a process, a shell
 * or a file permission is the point.
 */
import { strict as assert } from "node:assert";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ECSServiceException } from "@aws-sdk/client-ecs";
import { DescribeServicesCommand } from "@aws-sdk/client-ecs";
import { parse } from "yaml";
import { main } from "../../../tools/canary";
import { CloudWatchAlarms, EcsServices, ServiceDeployments } from "../../../tools/canary/adapters";
import { readDeployedView } from "../../../tools/canary/deployed";
import { expectedLive } from "../../../tools/live/expected";
import { rollbackBounds } from "../../../policy/rollbackTime";
import { runPlan } from "../../../tools/plan/run";
import { FIXTURES, ROOT, tempDir } from "../../helpers";
import { positionOfPlan, viewsOf } from "../../policy/harness";
import { Mocks, World, matchingWorld, mockedClients, restore, serve } from "../live/world";
import { FakeAlarms, FakeEdge, FakeEngine, FakeServices, canary, changedLines, edited, stackText, tempProject, writeEdits } from "./harness";

const STACK = "Pulumi.production.yaml";
const IMAGE = "111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api:1.5.0";
type Run = Awaited<ReturnType<typeof canary>>;

const fileOf = (dir: string) => path.join(dir, STACK);
const configOf = (dir: string) => (parse(stackText(dir, "production")) as { config: Record<string, Record<string, unknown>> }).config;
const canaryOf = (dir: string) => configOf(dir)["payments-migration:canary"] as { weight: number; routes: { weight: number }[] };
const springOf = (dir: string) => configOf(dir)["payments-migration:spring"] as { liveColor: string };
const cutinOf = (dir: string) => configOf(dir)["payments-migration:cutin"] as { phase: string; edgeWeight?: number };
const quiet = () => new FakeAlarms(() => "OK");
/** A stack trace line, as runAsProcess prints one for an error that is not the user's. */
const TRACE = /^\s+at .+\(.*:\d+:\d+\)$|^\s+at .+:\d+:\d+$/m;

/** The canary tool in this process; an error that escapes main() (printed as a stack trace by the real process) fails the test with it. */
async function run(dir: string, argv: string[], deps: Parameters<typeof canary>[2] = {}): Promise<Run> {
    try {
        return await canary(dir, argv, deps);
    } catch (e) {
        return assert.fail(`npm run canary -- ${argv.join(" ")} ended in a stack trace (exit 1): ${e instanceof Error ? e.stack : String(e)}`);
    }
}

/** The words of one command line as bash splits them (quotes honoured). */
function words(line: string): string[] {
    const out = execFileSync("bash", ["-c", `printf '%s\\0' ${line}`], { encoding: "utf8" });
    return out.split("\0").slice(0, -1);
}

/** An `npm run canary -- …` line the tool printed, as the argv the tool gets when it is pasted. */
const canaryArgv = (line: string) => words(line.trim().replace(/^npm run canary -- /, ""));

/** Deployed at Spring 5 % (the stack file says so too), the known-good position at 1 %. */
async function atFive(dir = tempProject(), engine = new FakeEngine(dir)): Promise<{ dir: string; engine: FakeEngine }> {
    const good = stackText(dir, "production");
    writeEdits(dir, "production", { "canary.weight": 5 });
    await engine.deploy("production", stackText(dir, "production"), good);
    return { dir, engine };
}

/** A copy of the cut-in fixtures with the production cut-in at `phase` (and edge weight). */
function cutinText(dir: string, phase: string, edgeWeight?: number): string {
    const text = fs.readFileSync(path.join(FIXTURES, "cutin", STACK), "utf8");
    assert.ok(text.includes("    phase: adopted\n"));
    return text.replace("    phase: adopted\n", `    phase: ${phase}\n${edgeWeight === undefined ? "" : `    edgeWeight: ${edgeWeight}\n`}`);
}
function cutinProject(phase: string, edgeWeight?: number): string {
    const dir = tempProject(path.join(FIXTURES, "cutin"));
    fs.writeFileSync(fileOf(dir), cutinText(dir, phase, edgeWeight));
    return dir;
}
/** The routed path's alarms as the cut-in stack's health output names them. */
const ROUTED_HEALTH = { compositeAlarm: "production-spring-canary-unhealthy", alarms: { "legacy-blue": ["lb-5xx"], "spring-blue": ["sb-5xx"] } };

/** An engine whose deployment was made by another program version: its outputs edited by `change`. */
class OlderProgramEngine extends FakeEngine {
    constructor(
        dir: string,
        private readonly change: (outputs: Record<string, unknown>) => Record<string, unknown>,
    ) {
        super(dir);
    }
    async outputs(stack: string): Promise<Record<string, unknown>> {
        return this.change(await super.outputs(stack));
    }
}

/**
 * The AWS SDK's credential chain with nothing in it (no environment keys, profile files,
 * container or instance role), for the duration of `body`: what an operator whose SSO session
 * lapsed, or who never logged in, runs the tool with.
 */
async function withoutAwsCredentials<T>(body: () => Promise<T>): Promise<T> {
    const keys = [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_EC2_METADATA_DISABLED",
        "AWS_CONFIG_FILE",
        "AWS_SHARED_CREDENTIALS_FILE",
    ];
    const saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
    for (const k of keys) delete process.env[k];
    const none = path.join(tempDir("no-aws"), "none");
    Object.assign(process.env, { AWS_EC2_METADATA_DISABLED: "true", AWS_CONFIG_FILE: none, AWS_SHARED_CREDENTIALS_FILE: none });
    try {
        return await body();
    } finally {
        for (const [k, v] of Object.entries(saved)) {
            if (v === undefined) delete process.env[k];
            else process.env[k] = v;
        }
    }
}

/** One line naming the missing credentials, exit 2, no trace. */
function assertCredentialsLine(r: Run, what: string): void {
    assert.doesNotMatch(r.err + r.out, TRACE, `${what}: a stack trace`);
    assert.equal(r.code, 2, `${what}: exit ${r.code}\n${r.out}\n${r.err}`);
    assert.match(r.err, /credentials/i, what);
}

/** A total as describeBound prints it ("≤ 10 min 50 s"), in seconds. */
function printedBoundSeconds(out: string, where: string): number {
    const m = new RegExp(`^Time to roll back \\(failure → last viewer back, ${where}\\): ≤ (?:(\\d+) min)? ?(?:(\\d+) s)? =`, "m").exec(out);
    assert.ok(m, `no bound printed ${where}:\n${out}`);
    return Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
}

describe("red team D: the canary tool in real operations", function () {
    this.timeout(240_000);

    describe("A. printed commands, pasted literally", () => {
        it("A1 a fully qualified stack name (org/project/stack, as Pulumi Cloud names it) reads Pulumi.production.yaml, as the Pulumi CLI does", async () => {
            // Pulumi names the config file after the stack's own name: `pulumi config --stack acme/payments-migration/production`
            // reads Pulumi.production.yaml (Pulumi docs, "Stacks": fully qualified names; "Configuration": Pulumi.<stack-name>.yaml).
            const dir = tempProject();
            const r = await run(dir, ["next", "--stack", "acme/payments-migration/production"]);
            assert.equal(r.code, 0, `${r.out}\n${r.err}`);
            assert.equal(canaryOf(dir).weight, 5);
            assert.match(r.out, /^Next: pulumi up --stack acme\/payments-migration\/production /m);
        });

        it("A2 the pulumi up a step prints works pasted in the folder the operator ran npm in (npm runs the script from the package root)", async () => {
            const dir = tempProject();
            fs.mkdirSync(path.join(dir, "policy"));
            const shell = path.join(dir, "docs");
            fs.mkdirSync(shell);
            const saved = process.env.INIT_CWD;
            // npm sets INIT_CWD to the folder `npm run` was typed in (npm docs, "npm run-script": INIT_CWD).
            process.env.INIT_CWD = shell;
            let r: Run;
            try {
                r = await run(dir, ["next", "--stack", "production"]);
            } finally {
                if (saved === undefined) delete process.env.INIT_CWD;
                else process.env.INIT_CWD = saved;
            }
            assert.equal(r.code, 0, r.out);
            const up = /^Next: (pulumi up (?:[^\n]*\\\n)*[^\n]*)/m.exec(r.out)?.[1];
            assert.ok(up, r.out);
            // A pulumi that finds what the command names, from where it runs (as the CLI resolves relative paths).
            const bin = tempDir("fake-pulumi");
            fs.writeFileSync(
                path.join(bin, "pulumi"),
                [
                    "#!/bin/bash",
                    'while [ $# -gt 0 ]; do case "$1" in',
                    '  --policy-pack) [ -d "$2" ] || { echo "no policy pack $2 from $PWD" >&2; exit 3; }; shift;;',
                    '  --policy-pack-config) [ -f "$2" ] || { echo "no policy config $2 from $PWD" >&2; exit 3; }; shift;;',
                    "esac; shift; done",
                ].join("\n"),
                { mode: 0o755 },
            );
            const pasted = spawnSync("bash", ["-c", up], { cwd: shell, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, encoding: "utf8" });
            assert.equal(pasted.status, 0, `pasted in ${shell}:\n${up}\n${pasted.stderr}`);
        });

        it("A3 the emergency lever rollback prints (set 0 per rule), pasted in order with a Pulumi CLI, takes every rule to 0 %", async () => {
            const dir = tempProject();
            const engine = new FakeEngine(dir);
            await engine.deploy("production", stackText(dir, "production"), null);
            const r = await run(dir, ["rollback", "--stack", "production"], { engine });
            assert.equal(r.code, 2, r.out);
            const lever = r.err.split("\n").filter((l) => l.startsWith("  npm run canary -- "));
            assert.equal(lever.length, 2, r.err);
            for (const line of lever) {
                const pasted = await run(dir, canaryArgv(line), { engine });
                assert.equal(pasted.code, 0, `${line.trim()}:\n${pasted.out}\n${pasted.err}`);
            }
            assert.deepEqual([canaryOf(dir).weight, canaryOf(dir).routes[0].weight], [0, 0]);
        });

        it("A4 status piped into head (the reader closes early): no stack trace, exit 0", async () => {
            const dir = tempProject();
            const child = spawn(
                process.execPath,
                ["--require", "./tools/register.js", path.join("tests", "tools", "canary", "process.ts"), "status", "--stack", "production"],
                {
                    cwd: ROOT,
                    env: { ...process.env, CANARY_TEST_DIR: dir },
                    stdio: ["ignore", "pipe", "pipe"],
                },
            );
            let err = "";
            child.stderr.on("data", (d: Buffer) => (err += d.toString()));
            child.stdout.once("data", () => child.stdout.destroy());
            const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
            assert.doesNotMatch(err, TRACE, err);
            assert.equal(code, 0, err);
        });
        it("A5 a project folder whose path has a space and a quote: the step is written and every command it prints parses in bash", async () => {
            const dir = path.join(tempDir("ops"), "payments O'Team");
            fs.renameSync(tempProject(), dir);
            const r = await run(dir, ["flip", "spring", "green", "--stack", "production"]);
            assert.equal(r.code, 0, r.err);
            const printed = r.out.split("\n").filter((l) => /^(?:Next: | {2})(?:pulumi |npm run canary )/.test(l));
            assert.ok(printed.length >= 2, r.out);
            for (const line of printed) {
                const syntax = spawnSync("bash", ["-n", "-c", line.replace(/^Next: /, "").replace(/ \\$/, "")], { encoding: "utf8" });
                assert.equal(syntax.status, 0, `${line}\n${syntax.stderr}`);
            }
            assert.equal(stackText(dir, "production").includes("      desiredCount: 3\n"), true);
        });
    });

    describe("B. flags that mean nothing for the command", () => {
        it("B1 cutin status --from-deployed: --from-deployed rewrites nothing there, so it is a usage error, not ignored", async () => {
            const dir = cutinProject("adopted");
            const r = await run(dir, ["cutin", "status", "--from-deployed", "--stack", "production"], { engine: new FakeEngine(dir) });
            assert.equal(r.code, 2, r.out);
            assert.match(r.err, /--from-deployed means nothing to cutin status/);
        });

        it("B2 every other flag a command has no use for, and a missing --stack, are exit-2 usage errors that write nothing", async () => {
            const dir = tempProject();
            const before = stackText(dir, "production");
            const S = ["--stack", "production"];
            for (const [argv, says] of [
                [["status", "--from-deployed", ...S], /--from-deployed means nothing to status/],
                [["verify", "--apply", ...S], /--apply means nothing to verify/],
                [["confirm", "--from-deployed", ...S], /--from-deployed means nothing to confirm/],
                [["rollback", "--route", "payment-status", ...S], /--route means nothing to rollback/],
                [["set", "5", "--scale-down-old", "1", ...S], /--scale-down-old means nothing to set/],
                [["next", "--live", ...S], /--live means nothing to next/],
                [["cutin", "status", "--apply", ...S], /--apply means nothing to cutin status/],
                [["next"], /--stack is required/],
            ] as const) {
                const r = await run(dir, [...argv]);
                assert.equal(r.code, 2, argv.join(" "));
                assert.match(r.err, says, argv.join(" "));
            }
            assert.equal(stackText(dir, "production"), before);
        });
    });

    describe("C. re-running a step after it half-applied", () => {
        it("C1 next --apply whose update failed: the rollback it prints, pasted, takes the file back to the known-good position", async () => {
            const dir = tempProject();
            const engine = new FakeEngine(dir);
            engine.failAt = 0;
            const r = await run(dir, ["next", "--stack", "production", "--apply"], { engine });
            assert.equal(r.code, 1, r.out);
            const printed = /or roll back: (npm run canary -- .*)$/m.exec(r.out)?.[1];
            assert.ok(printed, r.out);
            engine.failAt = undefined;
            const back = await run(dir, canaryArgv(printed), { engine });
            assert.equal(back.code, 0, `${printed}:\n${back.out}\n${back.err}`);
            assert.equal(canaryOf(dir).weight, 1);
        });

        it("C2 rollback --apply whose update failed: the same command again deploys the rollback", async () => {
            const { dir, engine } = await atFive();
            engine.failAt = 0;
            const first = await run(dir, ["rollback", "--stack", "production", "--apply"], { engine });
            assert.equal(first.code, 1, first.out);
            engine.failAt = undefined;
            const again = await run(dir, ["rollback", "--stack", "production", "--apply"], { engine });
            assert.equal(again.code, 0, `${again.out}\n${again.err}`);
            assert.equal(engine.ups.length, 1);
            assert.equal(canaryOf(dir).weight, 1);
        });

        it("C3 flip --apply with the capacity deployed and the traffic update failed: the same command again continues with the traffic step (the tool's header promises a re-run continues)", async () => {
            const dir = tempProject();
            const engine = new FakeEngine(dir);
            engine.failAt = 1;
            const first = await run(dir, ["flip", "spring", "green", "--stack", "production", "--apply"], { engine });
            assert.equal(first.code, 1, first.out);
            assert.equal(engine.ups.length, 1, "the capacity step deployed");
            engine.failAt = undefined;
            const again = await run(dir, ["flip", "spring", "green", "--stack", "production", "--apply"], { engine });
            assert.equal(again.code, 0, `${again.out}\n${again.err}`);
            assert.equal(springOf(dir).liveColor, "green");
            assert.equal(engine.ups.length, 2);
        });

        it("C4 the deployment moved at the edge, the file did not (deployed: weight phase at 5 %, file: header): cutin next refuses with the drift table instead of writing 'header → weight' (edge 5 % → 1 %)", async () => {
            const dir = cutinProject("header");
            const engine = new FakeEngine(dir, true, ROUTED_HEALTH);
            await engine.deploy("production", cutinText(dir, "weight", 5));
            const before = stackText(dir, "production");
            const r = await run(dir, ["cutin", "next", "--stack", "production"], { engine, alarms: quiet() });
            assert.equal(r.code, 2, r.out);
            assert.match(r.out, /disagree/);
            assert.equal(stackText(dir, "production"), before);
            assert.equal(cutinOf(dir).phase, "header");
            const status = await run(dir, ["status", "--stack", "production"], { engine, alarms: quiet() });
            assert.doesNotMatch(status.out, /says what is deployed/, "status says the file is what is deployed");
        });

        it("C5 a targeted traffic step whose update failed: the re-run it prints is the same targeted update, not a whole-stack pulumi up (which deploys every pending change with it)", async () => {
            const dir = tempProject();
            const engine = new FakeEngine(dir);
            engine.failAt = 0;
            const r = await run(dir, ["next", "--stack", "production", "--apply"], { engine });
            assert.equal(r.code, 1, r.out);
            assert.deepEqual(engine.targets, [], "nothing deployed");
            const applying = /^Applying: (pulumi up (?:[^\n]*\\\n)*[^\n]*)/m.exec(r.out)?.[1];
            assert.ok(applying?.includes("--target"), r.out);
            const rerun = /fix the cause and re-run (pulumi up .*?), or roll back/s.exec(r.out)?.[1];
            assert.ok(rerun, r.out);
            assert.equal(rerun, applying, "the printed re-run is not the update that failed");
        });
    });

    describe("D. races, locks and the file system", () => {
        it("D1 a project folder the operator cannot write to (a checkout owned by another user): one line, exit 2, no trace", async () => {
            const dir = tempProject();
            fs.chmodSync(dir, 0o755);
            const asOther = process.getuid?.() === 0;
            if (!asOther) fs.chmodSync(dir, 0o555);
            try {
                const r = spawnSync(
                    process.execPath,
                    ["--require", "./tools/register.js", path.join("tests", "tools", "canary", "process.ts"), "next", "--stack", "production"],
                    { cwd: ROOT, env: { ...process.env, CANARY_TEST_DIR: dir }, encoding: "utf8", ...(asOther ? { uid: 65534, gid: 65534 } : {}) },
                );
                assert.doesNotMatch(r.stderr, TRACE, r.stderr);
                assert.equal(r.status, 2, r.stderr);
                assert.match(r.stderr.trim(), /^[^\n]*Pulumi\.production\.yaml[^\n]*$/);
                assert.equal(canaryOf(dir).weight, 1);
            } finally {
                fs.chmodSync(dir, 0o755);
            }
        });

        it("D2 a stack file that is a symbolic link (kept in a shared config checkout): the link stays and its target gets the step", async () => {
            const dir = tempProject();
            const shared = tempDir("shared-config");
            const target = path.join(shared, STACK);
            fs.renameSync(fileOf(dir), target);
            fs.symlinkSync(target, fileOf(dir));
            const r = await run(dir, ["next", "--stack", "production"]);
            assert.equal(r.code, 0, r.out);
            assert.ok(fs.lstatSync(fileOf(dir)).isSymbolicLink(), "the symbolic link was replaced by a file");
            assert.equal(
                (parse(fs.readFileSync(target, "utf8")) as { config: Record<string, { weight: number }> }).config["payments-migration:canary"].weight,
                5,
            );
        });

        it("D3 a lock left by a writer killed a minute ago is stale: the next command writes", async () => {
            const dir = tempProject();
            const lock = `${fileOf(dir)}.lock`;
            fs.mkdirSync(lock);
            const minuteAgo = new Date(Date.now() - 60_000);
            fs.utimesSync(lock, minuteAgo, minuteAgo);
            const r = await run(dir, ["next", "--stack", "production"]);
            assert.equal(r.code, 0, r.err);
            assert.equal(canaryOf(dir).weight, 5);
            assert.ok(!fs.existsSync(lock));
        });

        it("D4 a lock whose time lies ahead (left before the clock was stepped back) is never stale: the refusal names the lock to remove", async () => {
            const dir = tempProject();
            const lock = `${fileOf(dir)}.lock`;
            fs.mkdirSync(lock);
            const ahead = new Date(Date.now() + 3_600_000);
            fs.utimesSync(lock, ahead, ahead);
            const r = await run(dir, ["next", "--stack", "production"]);
            assert.equal(r.code, 2);
            assert.ok(r.err.includes("Pulumi.production.yaml.lock"), `the operator is not told what holds the file:\n${r.err}`);
        });
    });

    describe("E. stack files as people write them", () => {
        it("E1 a byte order mark: kept, and only the weight's line changes", async () => {
            const dir = tempProject();
            fs.writeFileSync(fileOf(dir), `\uFEFF${stackText(dir, "production")}`);
            const before = stackText(dir, "production");
            const r = await run(dir, ["next", "--stack", "production"]);
            assert.equal(r.code, 0, r.err);
            const after = stackText(dir, "production");
            assert.ok(after.startsWith("\uFEFF"));
            assert.equal(changedLines(before, after).length, 1);
        });

        it("E2 a duplicate key: one line, exit 2, nothing written (Pulumi's YAML reader refuses it too)", async () => {
            const dir = tempProject();
            fs.writeFileSync(
                fileOf(dir),
                stackText(dir, "production").replace("  aws:region: eu-west-1\n", "  aws:region: eu-west-1\n  aws:region: eu-west-2\n"),
            );
            const before = stackText(dir, "production");
            const r = await run(dir, ["next", "--stack", "production"]);
            assert.equal(r.code, 2);
            assert.match(r.err, /^Pulumi\.production\.yaml is not valid YAML: [^\n]*$/);
            assert.equal(stackText(dir, "production"), before);
        });

        it("E3 sections and keys in another order (canary last, its weight after the routes): only the weight's line changes", async () => {
            const dir = tempProject();
            const text = stackText(dir, "production");
            const start = text.indexOf("  payments-migration:canary:\n");
            const end = text.indexOf("  payments-migration:legacy:\n");
            const block = text.slice(start, end).replace("    weight: 1\n", "");
            fs.writeFileSync(fileOf(dir), `${text.slice(0, start)}${text.slice(end)}${block}    weight: 1\n`);
            const before = stackText(dir, "production");
            const r = await run(dir, ["next", "--stack", "production"]);
            assert.equal(r.code, 0, r.err);
            const lines = changedLines(before, stackText(dir, "production"));
            assert.deepEqual(
                lines.map((i) => stackText(dir, "production").split("\n")[i]),
                ["    weight: 5"],
            );
        });

        it("E4 a weight shared through a YAML anchor (catch-all &rung, route *rung): next moves the catch-all only, as it says, or refuses", async () => {
            const dir = tempProject();
            const text = stackText(dir, "production")
                .replace("    weight: 1\n", "    weight: &rung 5\n")
                .replace("        weight: 5\n", "        weight: *rung\n");
            fs.writeFileSync(fileOf(dir), text);
            const r = await run(dir, ["next", "--stack", "production"]);
            if (r.code === 0) {
                assert.deepEqual([canaryOf(dir).weight, canaryOf(dir).routes[0].weight], [10, 5], "the route moved with the catch-all: the step said one rule");
            } else {
                assert.equal(r.code, 2, r.out);
                assert.equal(stackText(dir, "production"), text);
            }
        });

        it("E5 a YAML merge key (green <<: *springColor, as Pulumi's YAML reader resolves it): the tool reads the file as Pulumi does", async () => {
            const dir = tempProject();
            const text = stackText(dir, "production")
                .replace("    blue:\n      # example account id\n", "    blue: &springColor\n      # example account id\n")
                .replace(
                    "    green:\n      image: 111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api:1.3.7\n      # The idle color keeps capacity: a flip back is instant.\n      desiredCount: 2\n",
                    "    green:\n      <<: *springColor\n      image: 111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api:1.3.7\n",
                );
            assert.ok(text.includes("<<: *springColor"));
            fs.writeFileSync(fileOf(dir), text);
            const r = await run(dir, ["release", "spring", IMAGE, "--stack", "production"]);
            assert.equal(r.code, 0, r.err);
            assert.ok(stackText(dir, "production").includes("      <<: *springColor\n"));
        });

        it("E6 CRLF line endings, a byte order mark and a secure value together: every line keeps CRLF, the secure value stays byte for byte", async () => {
            const dir = cutinProject("adopted");
            const crlf = `\uFEFF${stackText(dir, "production").replace(/\n/g, "\r\n")}`;
            fs.writeFileSync(fileOf(dir), crlf);
            const secure = crlf.split("\r\n").filter((l) => l.includes("secure: v1:"));
            assert.ok(secure.length > 0);
            const r = await run(dir, ["cutin", "next", "--stack", "production"]);
            assert.equal(r.code, 0, r.err);
            const after = stackText(dir, "production");
            assert.ok(after.startsWith("\uFEFF"));
            assert.doesNotMatch(after.replace(/\r\n/g, ""), /\n/, "a line without CR");
            assert.deepEqual(
                after.split("\r\n").filter((l) => l.includes("secure: v1:")),
                secure,
            );
            assert.equal(cutinOf(dir).phase, "staged");
        });
    });

    describe("F. deployed outputs missing, partial, or from another program version", () => {
        it("F1 a position and no knownGood output (a program before the pointer): the emergency lever rollback prints is accepted", async () => {
            const dir = tempProject();
            const engine = new OlderProgramEngine(dir, (o) => Object.fromEntries(Object.entries(o).filter(([k]) => k !== "knownGood")));
            const r = await run(dir, ["rollback", "--stack", "production"], { engine });
            assert.equal(r.code, 2);
            const lever = r.err.split("\n").find((l) => l.startsWith("  npm run canary -- set 0"));
            assert.ok(lever, r.err);
            const pasted = await run(dir, canaryArgv(lever), { engine });
            assert.equal(
                pasted.code,
                0,
                `${lever.trim()}:\n${pasted.out
                    .split("\n")
                    .filter((l) => /Refused|\[/.test(l))
                    .join("\n")}`,
            );
            assert.equal(canaryOf(dir).weight, 0);
        });

        it("F2 no readable position (deployed by an older program version): rollback still prints the emergency lever, and set 0 is not refused by the tool", async () => {
            const dir = tempProject();
            const engine = new OlderProgramEngine(dir, (o) => ({ ...o, position: { version: 1, traffic: [] } }));
            const r = await run(dir, ["rollback", "--stack", "production"], { engine });
            assert.equal(r.code, 2);
            assert.ok(r.err.includes("npm run canary -- set 0 --stack production"), `no way down is printed:\n${r.err}`);
            const lever = await run(dir, ["set", "0", "--stack", "production"], { engine });
            assert.equal(lever.code, 0, `${lever.out}\n${lever.err}`);
        });

        it("F3 no health output: confirm says which output is missing, one line, exit 2", async () => {
            const { dir } = await atFive();
            const engine = new OlderProgramEngine(dir, (o) => Object.fromEntries(Object.entries(o).filter(([k]) => k !== "health")));
            await engine.deploy("production", stackText(dir, "production"), edited(dir, "production", { "canary.weight": 1 }));
            const r = await run(dir, ["confirm", "--stack", "production"], { engine, alarms: quiet() });
            assert.equal(r.code, 2, r.out);
            assert.match(r.err, /^the deployed stack has no health output: [^\n]*$/);
        });

        it("F4 confirm while the live color's ECS deployment is mid-way (IN_PROGRESS) or was rolled back by the circuit breaker: refused, nothing written", async () => {
            for (const deployment of [
                { status: "PRIMARY", taskDefinition: "", rolloutState: "IN_PROGRESS" },
                {
                    status: "PRIMARY",
                    taskDefinition: "arn:aws:ecs:eu-west-1:111111111111:task-definition/payments-production-blue:6",
                    rolloutState: "FAILED",
                    rolloutStateReason: "ECS deployment circuit breaker: tasks failed to start.",
                },
            ]) {
                const { dir, engine } = await atFive();
                const services = new FakeServices(engine);
                const live = (await engine.resources("production")).find((x) => x.urn.endsWith("::spring-blue") && x.type === "aws:ecs/service:Service");
                const running: ServiceDeployments = {
                    deployments: [{ ...deployment, taskDefinition: deployment.taskDefinition || String(live?.outputs.taskDefinition) }],
                };
                services.override["spring-blue"] = running;
                const before = stackText(dir, "production");
                const r = await run(dir, ["confirm", "--stack", "production"], { engine, services, alarms: quiet() });
                assert.equal(r.code, 1, `${deployment.rolloutState}: confirmed\n${r.out}`);
                assert.match(r.out, /spring-blue/);
                assert.equal(stackText(dir, "production"), before);
            }
        });
    });

    describe("G. AWS calls outside verify: no credentials, or credentials that expire mid-run", () => {
        it("G1 confirm reads CloudWatch: without credentials one line, exit 2, no trace", async () => {
            const { dir, engine } = await atFive();
            const r = await withoutAwsCredentials(() => run(dir, ["confirm", "--stack", "production"], { engine, alarms: new CloudWatchAlarms("eu-west-1") }));
            assertCredentialsLine(r, "confirm");
        });

        it("G2 flip spring reads ECS before moving traffic: without credentials one line, exit 2, no trace, nothing written", async () => {
            const dir = tempProject();
            const engine = new FakeEngine(dir);
            const before = stackText(dir, "production");
            const r = await withoutAwsCredentials(() =>
                run(dir, ["flip", "spring", "green", "--stack", "production"], { engine, services: new EcsServices("eu-west-1") }),
            );
            assertCredentialsLine(r, "flip");
            assert.equal(stackText(dir, "production"), before);
        });

        it("G3 release --apply checks ECS after its update: credentials gone by then give one line saying the update is applied and what to check, no trace", async () => {
            const dir = tempProject();
            const engine = new FakeEngine(dir);
            const r = await withoutAwsCredentials(() =>
                run(dir, ["release", "spring", IMAGE, "--stack", "production", "--apply"], { engine, services: new EcsServices("eu-west-1") }),
            );
            assert.equal(engine.ups.length, 1, "the update ran");
            assert.doesNotMatch(r.err + r.out, TRACE);
            assert.notEqual(r.code, 0);
            assert.match(r.out + r.err, /credentials/i);
        });

        it("G4 verify whose credentials expire after the first calls (ECS answers ExpiredTokenException): one line, exit 2, no verdict", async () => {
            const dir = tempProject();
            const engine = new FakeEngine(dir);
            const world: World = matchingWorld(expectedLive(await readDeployedView(engine, "production")));
            const mocks: Mocks = serve(() => world);
            try {
                mocks.ecs.reset();
                mocks.ecs.on(DescribeServicesCommand).rejects(
                    new ECSServiceException({
                        name: "ExpiredTokenException",
                        $fault: "client",
                        $metadata: { httpStatusCode: 400 },
                        message: "The security token included in the request is expired",
                    }),
                );
                const lines: string[] = [];
                const errors: string[] = [];
                const code = await main(["verify", "--stack", "production"], {
                    dir,
                    engine,
                    live: mockedClients,
                    services: new FakeServices(engine),
                    alarms: quiet(),
                    edge: new FakeEdge(engine),
                    out: (t) => lines.push(t),
                    err: (t) => errors.push(t),
                });
                assert.equal(code, 2);
                assert.equal(errors.length, 1);
                assert.match(errors[0], /^ECS DescribeServices: the AWS credentials have expired \(ExpiredTokenException\)/);
                assert.doesNotMatch(lines.join("\n"), /matches/);
            } finally {
                restore(mocks);
            }
        });
    });

    describe("H. the time-to-rollback bound printed vs what the pack computes for the same stack", () => {
        it("H1 a canary step (ALB): the bound printed equals rollback-time-bounded's for the state the step makes", async () => {
            const dir = tempProject();
            const r = await run(dir, ["next", "--stack", "production"]);
            assert.equal(r.code, 0);
            const plan = await runPlan({ stack: "production", dir, deployed: {} });
            const pack = rollbackBounds(viewsOf(plan), positionOfPlan(plan).edge).find((b) => b.where === "on the ALB");
            assert.ok(pack);
            assert.equal(
                printedBoundSeconds(r.out, "on the ALB"),
                pack.bound.totalSeconds,
                `the pack: ${pack.bound.terms.map((t) => `${t.term} ${t.seconds}`).join(", ")}`,
            );
        });

        it("H2 a cut-in step (CloudFront, header → weight): the bound printed equals the pack's bound of the cut-in rollback", async () => {
            const dir = cutinProject("header");
            const r = await run(dir, ["cutin", "next", "--stack", "production"]);
            assert.equal(r.code, 0, r.err);
            const plan = await runPlan({ stack: "production", dir, deployed: {} });
            const pack = rollbackBounds(viewsOf(plan), positionOfPlan(plan).edge).find((b) => b.where === "of the cut-in at CloudFront");
            assert.ok(pack);
            assert.equal(
                printedBoundSeconds(r.out, "at CloudFront"),
                pack.bound.totalSeconds,
                `the pack: ${pack.bound.terms.map((t) => `${t.term} ${t.seconds}`).join(", ")}`,
            );
        });
    });

    describe("I. secrets in what the tool prints", () => {
        it("I1 the detach by hand (cutin promote) keeps the primary's config, which holds the origin-verify header value, out of world-readable files and leaves no copy", async () => {
            const dir = cutinProject("detached", 5);
            const r = await run(dir, ["cutin", "promote", "--stack", "production"]);
            assert.equal(r.code, 0, r.out);
            const block = /First, detach[^\n]*\n((?: {2}[^\n]*\n)+)Next: /.exec(r.out)?.[1];
            assert.ok(block, r.out);
            const aws = block
                .trim()
                .split("\n")
                .map((l) => l.trim())
                .filter((l) => !l.startsWith("pulumi "));
            // GetDistributionConfig returns each origin's custom headers with their values (CloudFront API
            // reference, OriginCustomHeader: HeaderName, HeaderValue): the origin-verify secret of the routed origin.
            const bin = tempDir("fake-aws");
            const config = {
                ETag: "E2ETAG",
                DistributionConfig: {
                    CallerReference: "x",
                    ContinuousDeploymentPolicyId: "cdp-1",
                    Origins: {
                        Quantity: 1,
                        Items: [
                            {
                                Id: "routed-alb",
                                DomainName: "origin.payments.example.com",
                                CustomHeaders: { Quantity: 1, Items: [{ HeaderName: "X-Origin-Verify", HeaderValue: "origin-verify-secret-value" }] },
                            },
                        ],
                    },
                },
            };
            fs.writeFileSync(
                path.join(bin, "aws"),
                `#!/bin/bash\nif [ "$2" = get-distribution-config ]; then cat <<'JSON'\n${JSON.stringify(config)}\nJSON\nfi\nexit 0\n`,
                { mode: 0o755 },
            );
            const file = /> (\S+)$/.exec(aws[0])?.[1];
            assert.ok(file, aws[0]);
            const written = [file, `${file}.config`];
            const modes: Record<string, number> = {};
            try {
                for (const [i, command] of aws.entries()) {
                    const pasted = spawnSync("bash", ["-c", `umask 022; ${command}`], {
                        env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
                        encoding: "utf8",
                    });
                    assert.equal(pasted.status, 0, `${command}\n${pasted.stderr}`);
                    if (i === 1) for (const f of written) if (fs.existsSync(f)) modes[f] = fs.statSync(f).mode & 0o777;
                }
                for (const [f, mode] of Object.entries(modes)) {
                    assert.equal(mode & 0o077, 0, `${f} holds the origin-verify secret with mode ${mode.toString(8)}: readable by every user of the machine`);
                }
                assert.deepEqual(
                    written.filter((f) => fs.existsSync(f)),
                    [],
                    "the secret stays on disk after the commands",
                );
            } finally {
                for (const f of written) fs.rmSync(f, { force: true });
            }
        });
    });
});
