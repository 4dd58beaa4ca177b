/**
 * The protocol run against the offline plan: the program and the pack started as the Pulumi
 * CLI starts them (tools/engine), over gRPC, must give exactly what the in-process plan gives.
 * A difference is fixed in the plan, never here.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { PackStartError, RunningPack } from "../../tools/engine/analyzer";
import { ProtocolResult, POLICY_PACK_DIR, protocolRun, startPolicyPack } from "../../tools/engine/run";
import { PlanRun, scrubGeneratedSecrets } from "../../tools/plan/run";
import { checkPlan } from "../../tools/policy/check";
import { Violation } from "../../tools/policy/evaluate";
import { POLICY_PACK_NAME, policies } from "../../policy/policies";
import { plan } from "../planCache";
import { FIXTURES, ROOT, tempDir } from "../helpers";

interface Case {
    stack: string;
    sets?: string[];
    deployedSets?: string[];
    /** A variant of the program, relative to the project root. */
    program?: string;
}

const TRANSFORMING_PROGRAM = "tests/protocol/programs/stackTransformation.ts";

// Each case is a program process (seconds of ts-node each), so staging runs as the program
// with stack transformations registered first: index.ts itself, imported by a wrapper, and
// production runs once, with a canary jump: every resource and every violation is compared
// all the same, and the jump shows a mandatory refusal over the Analyzer protocol. Production
// runs index.ts as the entry point, as Pulumi.yaml names it. (That production as committed has
// no mandatory violation is checked by the offline plan: tests/policy/integration.test.ts.)
const CASES: Record<string, Case> = {
    // Before the offline plan ran programs inside the root stack resource, this one failed
    // with "The root stack resource was referenced before it was initialized"; before the
    // monitor served transforms, with "The Pulumi CLI does not support transforms".
    "staging, with stack transformations": { stack: "staging", program: TRANSFORMING_PROGRAM },
    // Production deployed at 1 %, the config jumps to 50 %: canary-step-limit is mandatory in the fixture.
    "production, with a canary jump": { stack: "production", sets: ["canary.weight=50"] },
};

const offlinePlan = (c: Case) => plan(c.stack, c.sets, c.deployedSets, FIXTURES, c.program && path.join(ROOT, c.program));

function comparable(resources: ProtocolResult["resources"] | PlanRun["states"]) {
    return [...resources]
        .map(({ urn, type, name, parent, custom, inputs, outputs, options }) => ({ urn, type, name, parent, custom, inputs, outputs, options }))
        .sort((a, b) => a.urn.localeCompare(b.urn));
}

function sorted(violations: readonly Violation[]): Violation[] {
    return [...violations]
        .map(({ policy, level, urn, message }) => ({ policy, level, urn, message }))
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

/**
 * The pack, its import of lib/contract misspelt, started (the last test expects it to fail). A copy
 * of policy/ beside a copy of lib/ (the pack imports ../lib), its node_modules linked, and the
 * project's node_modules beside them as in the repository (the pack's type check reads
 * lib/config.ts, which imports zod). The misspelt import is access.ts's: policies.ts loads that
 * module first, so ts-node's type check stops there, not after checking most of the pack (as
 * in traffic.ts, loaded last: about two seconds more of CPU).
 */
async function startBrokenPack(): Promise<RunningPack> {
    const root = tempDir("broken-pack");
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(root, "node_modules"), "dir");
    const packDir = path.join(root, "policy");
    fs.mkdirSync(packDir);
    for (const f of fs.readdirSync(POLICY_PACK_DIR)) {
        if (f === "node_modules") fs.symlinkSync(path.join(POLICY_PACK_DIR, f), path.join(packDir, f), "dir");
        else if (fs.statSync(path.join(POLICY_PACK_DIR, f)).isFile()) fs.copyFileSync(path.join(POLICY_PACK_DIR, f), path.join(packDir, f));
    }
    fs.cpSync(path.join(ROOT, "lib"), path.join(root, "lib"), { recursive: true });
    const access = path.join(packDir, "access.ts");
    const source = fs.readFileSync(access, "utf8");
    assert.match(source, /from "\.\.\/lib\/contract"/);
    fs.writeFileSync(access, source.replace(/from "\.\.\/lib\/contract"/, 'from "../lib/contracts"'));
    return await startPolicyPack({ stack: "production", dir: FIXTURES, packDir });
}

describe("protocol run: the program and the pack as the Pulumi CLI starts them", function () {
    // Each process spends seconds in ts-node: all of them start at once, in the first hook.
    this.timeout(180_000);
    let pack: Promise<RunningPack>;
    let brokenPack: Promise<RunningPack>;
    const runs = new Map<string, Promise<ProtocolResult>>();

    before(() => {
        // One pack process serves the previews in turn, each with its own Configure and
        // ConfigureStack (the policies read no stack config), to spare two ts-node type checks.
        // The programs start while it type-checks: a preview needs the pack once its program has exited.
        pack = startPolicyPack({ stack: "production", dir: FIXTURES });
        pack.catch(() => undefined);
        for (const [name, c] of Object.entries(CASES)) {
            const run = protocolRun({ ...c, entryPoint: c.program, dir: FIXTURES, pack, transpileOnly: true });
            run.catch(() => undefined);
            runs.set(name, run);
        }
        // The offline plans the previews are compared with run in this process meanwhile (kept by planCache).
        for (const c of Object.values(CASES)) offlinePlan(c).catch(() => undefined);
        brokenPack = startBrokenPack();
        brokenPack.catch(() => undefined);
    });
    after(async () => {
        for (const p of [pack, brokenPack]) (await p.catch(() => undefined))?.stop();
    });

    for (const [name, c] of Object.entries(CASES)) {
        describe(name, () => {
            it("registers the same resources with the same inputs, outputs, parents and options as the offline plan", async () => {
                const run = await runs.get(name)!;
                const offline = await offlinePlan(c);
                assert.equal(run.exitCode, 0);
                assert.deepEqual(
                    run.logs.filter((l) => l.severity === "error" || l.severity === "warning"),
                    [],
                );
                assert.deepEqual(comparable(scrubGeneratedSecrets(run.resources, run.resources)), comparable(offline.states));
            });

            it("gets the same policy violations from the pack over the Analyzer protocol as the offline evaluation", async () => {
                const run = await runs.get(name)!;
                const offline = await checkPlan(await offlinePlan(c), { dir: FIXTURES });
                assert.deepEqual(sorted(scrubGeneratedSecrets(run.analysis.violations, run.resources)), sorted(offline.violations));
            });
        });
    }

    it("the violating case is blocked by canary-step-limit, mandatory", async () => {
        const run = await runs.get("production, with a canary jump")!;
        const mandatory = run.analysis.violations.filter((v) => v.level === "mandatory");
        assert.deepEqual([...new Set(mandatory.map((v) => v.policy))], ["canary-step-limit"]);
    });

    it("both stack transformations (SDK-side and through the engine) apply in both runs, to every log group and nothing else", async () => {
        const run = await runs.get("staging, with stack transformations")!;
        const offline = await offlinePlan(CASES["staging, with stack transformations"]);
        const tagsOf = (r: { inputs: Record<string, unknown> }) => (r.inputs as { tags?: Record<string, string> }).tags;
        for (const resources of [run.resources, offline.states]) {
            const tagged = resources
                .filter((r) => tagsOf(r)?.["transformed-by"] === "stack" && tagsOf(r)?.["transformed-by-engine"] === "yes")
                .map((r) => r.type);
            assert.ok(tagged.length >= 2, JSON.stringify(tagged));
            assert.deepEqual([...new Set(tagged)], ["aws:cloudwatch/logGroup:LogGroup"]);
        }
    });

    it("serves the pack's own name, version and every policy", async () => {
        const run = await runs.get("production, with a canary jump")!;
        const pkg = JSON.parse(fs.readFileSync(path.join(POLICY_PACK_DIR, "package.json"), "utf8"));
        assert.equal(run.analysis.packName, POLICY_PACK_NAME);
        assert.equal(run.analysis.packVersion, pkg.version);
        assert.deepEqual([...run.analysis.served].sort(), policies.map((p) => p.name).sort());
    });

    it("a pack whose import is broken fails to start, naming the missing module", async () => {
        await assert.rejects(brokenPack, (err: Error) => {
            assert.ok(err instanceof PackStartError, String(err));
            assert.match(err.message, /exited with code [1-9]/);
            assert.match(err.message, /lib\/contracts/);
            return true;
        });
    });
});
