/**
 * The test suite's caches against the inputs they do not see: a kept result must be
 * what running now, with the current code and inputs, would give. Each case is an input or a piece
 * of code that shaped a result without being part of what decides whether the kept one is reused.
 * Here the plans kept on disk across processes (tools/plan/diskCache.ts, tools/plan/run.ts
 * cachedRun); the policy config and stack-file caches are tried in their modules' tests
 * (policyEvaluate.test.ts resolvePolicyConfig, plan.test.ts yamlOf).
 * A case judged not worth a fix is skipped, with the reason in its title.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { DiskCache } from "../../tools/plan/diskCache";
import { PlanRun, keepPlans, outputsOf, runPlan } from "../../tools/plan/run";
import { loadStackConfig } from "../../tools/plan/stackFile";
import { FIXTURES, ROOT, tempDir } from "../helpers";

/** A project folder as DiskCache sees one: a package record, and `files` (name → content). */
function projectAt(dir: string, files: Record<string, string>): string {
    fs.mkdirSync(path.join(dir, "node_modules"), { recursive: true });
    fs.writeFileSync(path.join(dir, "node_modules", ".package-lock.json"), '{"lockfileVersion":3}');
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    return dir;
}

/** Forget the modules loaded from `dirs`, as the offline plan forgets a program's before the next run. */
function forgetModulesIn(...dirs: string[]): void {
    for (const key of Object.keys(require.cache)) if (dirs.some((d) => key.startsWith(d + path.sep))) delete require.cache[key];
}

/** A fresh process's view of the plan caches: nothing kept in memory, every file hashed anew, `dirs`' modules not loaded. */
function asNewProcess(...dirs: string[]): void {
    keepPlans();
    forgetModulesIn(...dirs);
}

const nonce = () => crypto.randomBytes(6).toString("hex").toUpperCase();

describe("the test suite's caches against inputs they do not see", () => {
    after(() => keepPlans()); // as tests/hooks.ts leaves them: on, for the files that run after these

    describe("plans kept on disk (tools/plan/diskCache.ts, cachedRun)", () => {
        it("a process in another locale plans its own order of the container secrets (the program sorts them with localeCompare)", function () {
            // Two processes, one after the other, as two `npm test` runs with different LC_ALL.
            const script = path.join(tempDir("locale-plan"), "plan.js");
            fs.writeFileSync(
                script,
                `const { keepPlans, runPlan } = require(${JSON.stringify(path.join(ROOT, "tools", "plan", "run"))});
keepPlans();
const names = ["AA_KEY", "B_KEY"];
const sets = names.map((n) => "spring.secrets." + n + "=arn:aws:ssm:eu-west-1:111111111111:parameter/payments/" + n.toLowerCase());
runPlan({ stack: "production", dir: ${JSON.stringify(FIXTURES)}, deployed: {}, sets }).then(
    (p) => {
        const td = p.resources.find((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition" && r.name === "spring-blue-task");
        const planned = JSON.parse(td.inputs.containerDefinitions)[0].secrets.map((s) => s.name);
        process.stdout.write(JSON.stringify({ planned, expected: [...names].sort((a, b) => a.localeCompare(b)) }));
        process.exit(0);
    },
    (e) => { console.error(e); process.exit(1); },
);
`,
            );
            const planIn = (locale: string): { planned: string[]; expected: string[] } => {
                const r = spawnSync(process.execPath, ["--require", path.join(ROOT, "tools", "register.js"), script], {
                    env: { ...process.env, LC_ALL: locale },
                    encoding: "utf8",
                    timeout: 80_000,
                });
                assert.equal(r.status, 0, r.stderr);
                return JSON.parse(r.stdout) as { planned: string[]; expected: string[] };
            };
            const danish = planIn("da_DK.UTF-8");
            const english = planIn("en_US.UTF-8");
            if (JSON.stringify(danish.expected) === JSON.stringify(english.expected)) this.skip(); // this Node has no Danish collation
            assert.deepEqual(danish.planned, danish.expected);
            assert.deepEqual(english.planned, english.expected, "the second process was given the first one's plan");
        });

        it("a source saved while a run is under way does not vouch for the run of the source before", async () => {
            // Inside the project (its files are what the manifest covers); a new folder per run of the suite.
            const dir = fs.mkdtempSync(path.join(ROOT, "tests", ".plan-cache-"));
            try {
                fs.writeFileSync(path.join(dir, "dep.ts"), "export const v = 1;\n");
                fs.writeFileSync(
                    path.join(dir, "program.ts"),
                    [
                        'import * as fs from "node:fs";',
                        'import * as path from "node:path";',
                        'import { v } from "./dep";',
                        "// An editor saves dep.ts after the run loaded it.",
                        'fs.writeFileSync(path.join(__dirname, "dep.ts"), "export const v = 2;\\n");',
                        "export = async () => ({ v });",
                        "",
                    ].join("\n"),
                );
                const opts = { stack: "staging", dir: FIXTURES, deployed: {}, program: path.join(dir, "program.ts") };
                asNewProcess(dir);
                assert.equal((await runPlan(opts)).outputs.v, 1, "the run used dep.ts as it was when loaded");
                // The next `npm test`: dep.ts now says 2, and a run of the program now gives 2.
                asNewProcess(dir);
                assert.equal((await runPlan(opts)).outputs.v, 2, "a plan of the old dep.ts kept under the new one's hash");
            } finally {
                forgetModulesIn(dir); // a later plan's manifest must not list the deleted program
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        it("a module outside the project folder that the run required is in the manifest", () => {
            const outside = tempDir("outside-module");
            fs.writeFileSync(path.join(outside, "b.js"), "module.exports = 1;\n");
            const dir = projectAt(tempDir("disk-cache"), { "a.js": `module.exports = require(${JSON.stringify(path.join(outside, "b.js"))}) + 1;\n` });
            require(path.join(dir, "a.js"));
            new DiskCache<number>(dir).set("k", 2, { program: path.join(dir, "a.js"), machinery: path.join(dir, "a.js") });
            fs.writeFileSync(path.join(outside, "b.js"), "module.exports = 5;\n");
            assert.equal(new DiskCache<number>(dir).get("k"), undefined, "b.js changed: a run now gives 6");
        });

        it("a project inside a folder named node_modules still has its sources in the manifest", () => {
            const dir = projectAt(path.join(tempDir("nested"), "node_modules", "payments"), {
                "b.js": "module.exports = 1;\n",
                "a.js": 'module.exports = require("./b") + 1;\n',
            });
            require(path.join(dir, "a.js"));
            new DiskCache<number>(dir).set("k", 2, { program: path.join(dir, "a.js"), machinery: path.join(dir, "a.js") });
            fs.writeFileSync(path.join(dir, "b.js"), "module.exports = 5;\n");
            assert.equal(new DiskCache<number>(dir).get("k"), undefined, "b.js changed: a run now gives 6");
        });

        it("a file that Node now loads in place of a module of the run (b.js beside b.json) makes the entry stale", () => {
            const dir = projectAt(tempDir("disk-cache"), { "b.json": "1\n", "a.js": 'module.exports = require("./b") + 1;\n' });
            require(path.join(dir, "a.js"));
            new DiskCache<number>(dir).set("k", 2, { program: path.join(dir, "a.js"), machinery: path.join(dir, "a.js") });
            // Another branch, or a stray build output: require("./b") now finds b.js first (.js before .json before .ts).
            fs.writeFileSync(path.join(dir, "b.js"), "module.exports = 5;\n");
            assert.equal(new DiskCache<number>(dir).get("k"), undefined, "a run now loads b.js and gives 6");
        });

        it("a program an earlier run loaded, forgotten and deleted since, does not keep the next run from being kept", () => {
            // tools/plan/run.ts requires each run's program: its module.children lists every program it ever ran.
            const dir = projectAt(tempDir("disk-cache"), {
                "runner.js": "module.exports = (program) => require(program);\n",
                "variant.js": "module.exports = 1;\n",
                "program.js": "module.exports = 2;\n",
            });
            const [runner, variant, program] = ["runner.js", "variant.js", "program.js"].map((f) => path.join(dir, f));
            const run = require(runner) as (program: string) => number;
            const cache = new DiskCache<number>(dir);
            cache.set("variant", run(variant), { program: variant, machinery: runner });
            delete require.cache[variant]; // forgotten before the next run (forgetProgramModules)
            fs.rmSync(variant); // a test's temporary program, removed after it
            cache.set("program", run(program), { program: program, machinery: runner });
            assert.equal(new DiskCache<number>(dir).get("program"), 2);
        });

        it("an earlier run's program that the next program requires (still loaded) is in its manifest", () => {
            const dir = projectAt(tempDir("disk-cache"), {
                "runner.js": "module.exports = (program) => require(program);\n",
                "base.js": "module.exports = 1;\n",
                "program.js": 'module.exports = require("./base") + 1;\n',
            });
            const [runner, base, program] = ["runner.js", "base.js", "program.js"].map((f) => path.join(dir, f));
            const run = require(runner) as (program: string) => number;
            const cache = new DiskCache<number>(dir);
            cache.set("base", run(base), { program: base, machinery: runner });
            cache.set("program", run(program), { program: program, machinery: runner });
            fs.writeFileSync(base, "module.exports = 5;\n");
            assert.equal(new DiskCache<number>(dir).get("program"), undefined, "base.js changed: a run now gives 6");
        });

        it("deployed outputs that JSON writes alike (NaN and null) are different runs", async () => {
            const deployed = await outputsOf(loadStackConfig(FIXTURES, "staging"), { dir: FIXTURES });
            const referenceOutputs = (p: PlanRun) =>
                p.states.find((s) => s.type === "pulumi:pulumi:StackReference")?.outputs.outputs as Record<string, unknown>;
            const withNull = await runPlan({ stack: "staging", dir: FIXTURES, deployed: { ...deployed, knownGood: null } });
            assert.equal(referenceOutputs(withNull).knownGood, null);
            // A deployed state with a pointer no position reads as (what the pack must judge as such).
            const withNaN = await runPlan({ stack: "staging", dir: FIXTURES, deployed: { ...deployed, knownGood: NaN } });
            assert.ok(Number.isNaN(referenceOutputs(withNaN).knownGood), "the run of knownGood: null was given for knownGood: NaN");
        });

        it.skip("a run under a builtin a test replaced (String.prototype.localeCompare) is not kept for later processes (skipped, not worth a fix: no test replaces a builtin around a plan (none in tests/), and catching it would mean fingerprinting every builtin the program may call; tools/plan/diskCache.ts says to plan with keepPlans(false) meanwhile)", async () => {
            const names = ["AA_KEY", "B_KEY"];
            const sets = [
                ...names.map((n) => `spring.secrets.${n}=arn:aws:ssm:eu-west-1:111111111111:parameter/payments/${n.toLowerCase()}`),
                `spring.environment.CACHE_PROBE=${nonce()}`,
            ];
            const opts = { stack: "production", dir: FIXTURES, deployed: {}, sets };
            const secretsOf = (p: PlanRun) => {
                const td = p.resources.find((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition" && r.name === "spring-blue-task");
                const defs = JSON.parse(String((td?.inputs as { containerDefinitions?: unknown }).containerDefinitions)) as { secrets: { name: string }[] }[];
                return defs[0].secrets.map((s) => s.name);
            };
            const localeCompare = String.prototype.localeCompare;
            String.prototype.localeCompare = function (this: string, that: string): number {
                return -localeCompare.call(this, that);
            };
            try {
                asNewProcess();
                await runPlan(opts);
            } finally {
                String.prototype.localeCompare = localeCompare;
            }
            asNewProcess();
            assert.deepEqual(
                secretsOf(await runPlan(opts)),
                [...names].sort((a, b) => a.localeCompare(b)),
            );
        });

        it("an entry is read only for its own key (another key's bytes under its name: a SHA-1 collision, or a rename that outran its data)", () => {
            const dir = projectAt(tempDir("disk-cache"), { "a.js": "module.exports = 1;\n" });
            require(path.join(dir, "a.js"));
            const cache = new DiskCache<string>(dir);
            cache.set("one", "one's value", { program: path.join(dir, "a.js"), machinery: path.join(dir, "a.js") });
            cache.set("two", "two's value", { program: path.join(dir, "a.js"), machinery: path.join(dir, "a.js") });
            const folder = path.join(dir, "node_modules", ".cache", "plans");
            const [sub] = fs.readdirSync(folder);
            const file = (key: string) => path.join(folder, sub, `${crypto.createHash("sha1").update(key).digest("hex")}.bin`);
            fs.copyFileSync(file("one"), file("two"));
            assert.equal(new DiskCache<string>(dir).get("two"), undefined);
        });
    });

    describe("what a caller does with its result", () => {
        it("a caller that edits its plan, or the deployed state it was planned against, changes nothing another caller gets", async () => {
            const opts = { stack: "production", dir: FIXTURES, deployedSets: ["canary.weight=5"] };
            const first = await runPlan(opts);
            const pristine = structuredClone(first);
            for (const s of first.states) s.outputs.edited = true;
            (first.deployed.position as Record<string, unknown>).edited = true;
            first.routing.length = 0;
            assert.deepEqual(await runPlan(opts), pristine);
            // The deployed run is shared with the plans of that config (deployedFromStackFile reads it without a copy).
            const deployedRun = await runPlan({ stack: "production", dir: FIXTURES, sets: ["canary.weight=5"], deployed: {} });
            assert.deepEqual(deployedRun.outputs.position, pristine.deployed.position);
        });
    });
});
