/**
 * Red team E: the rules added after red team C and D (policy/judge.ts asDeployed and confirming,
 * policy/state.ts known-good-moved-with-change and position-export-differs, policy/traffic.ts
 * rises from the lower of deployed and known-good, lib/position.ts witnessPathsOf with
 * lib/pathPatterns.ts pathOutside, policy/secrets.ts secret-placed, lib/position.ts runsOf,
 * policy/access.ts alb-unreachable, policy/logs.ts log-bucket-no-delivery), from both sides:
 *
 * - FALSE REFUSALS: a legitimate operation (above all a move toward the known-good position, and
 *   the runbook's ordinary steps) must pass: `codes(p)` is `{}`. A refusal FAILS here.
 * - BYPASSES: an unsafe change of a class not in docs/redteam/a.md, b.md, c.md must be refused
 *   (`codes(p)` not empty). A change let through FAILS here.
 *
 * docs/redteam/e.md lists every case with why it matters, its result, and for each failure the
 * smallest rule change that closes its class. Set REDTEAM_VERBOSE=1 to print each case's codes and
 * how lib/compare.ts orders the move.
 *
 * Fixture: production (Spring blue live at 1 % on the catch-all and 5 % on /v1/payments/*\/status,
 * green idle on an older image; Rails green live, blue idle; stickiness 300 s), and the cut-in
 * fixture (production at phase adopted). Deployed and known-good are the fixture's own unless a
 * case says otherwise.
 */
import { strict as assert } from "node:assert";
import { compare, describeMoves } from "../../../lib/compare";
import { CUTIN_PHASES, CutinPhase, edgeShape } from "../../../lib/cutin";
import { Position } from "../../../lib/position";
import { PlannedResourceState, runPlan } from "../../../tools/plan/run";
import { FIXTURES } from "../../helpers";
import { At, CUTIN, T, UNKNOWN, codes, mutated, planOf, positionOfPlan, prop, setProp, update } from "../harness";
import { Edit, VERBOSE, codeChange, judged, move, passes, refused, stackOf } from "./cases";

const TYPE = {
    stack: "pulumi:pulumi:Stack",
    bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
} as const;

// ---------------------------------------------------------------------------
// Building cases (judging: ./cases.ts)

const addTag = (r: PlannedResourceState, key: string, value: string) => setProp(r, "tags", { ...prop<Record<string, string>>(r, "tags"), [key]: value });
const secretOf = (f: (type: string, name: string) => PlannedResourceState, name: string) => prop<string>(f(T.password, name), "result");

/**
 * The offline plan shows a generated secret as its placeholder ("[secret:qa-token]"), which names it;
 * a real one is random. Cases about pieces and encodings of a secret put a random-looking value
 * everywhere the placeholder is (the pack matches a placeholder whole only: policy/secrets.ts).
 */
const REAL_QA_TOKEN = "k3Vq9ZpX2mT7wR4yL8nB6cF1hJ5dG0sA";
const realSecrets: Edit = (_f, states) => {
    for (const state of states)
        for (const key of ["inputs", "outputs"] as const)
            state[key] = JSON.parse(JSON.stringify(state[key]).split("[secret:qa-token]").join(REAL_QA_TOKEN)) as Record<string, unknown>;
};

/** The Spring task security groups admit 10.0.0.0/8 (tasks-reachable: task-ingress-foreign), as in red team C. */
const openTasks: Edit = (f) => {
    const sg = f(T.sg, "spring-blue-sg");
    setProp(sg, "ingress", [
        ...prop<unknown[]>(sg, "ingress"),
        { description: "internal", protocol: "tcp", fromPort: 8080, toPort: 8080, cidrBlocks: ["10.0.0.0/8"] },
    ]);
};

/** The edge lets viewers in over plain HTTP (cloudfront-viewer-tls): what a known-good position confirmed before that rule might hold. */
const plainHttpViewers: Edit = (f) => setProp(f(T.dist, "edge"), "defaultCacheBehavior.viewerProtocolPolicy", "allow-all");

type Statement = Record<string, unknown>;
/** Edit the ALB access-log bucket's policy document. */
const editLogPolicy =
    (edit: (statements: Statement[]) => void): Edit =>
    (f) => {
        const bp = f(TYPE.bucketPolicy, "alb-logs");
        const doc = JSON.parse(prop<string>(bp, "policy")) as { Statement: Statement[] };
        edit(doc.Statement);
        setProp(bp, "policy", JSON.stringify(doc));
    };

const CUT_AT: At = { dir: CUTIN };
const CUT_DAY = { at: CUT_AT, today: "2026-11-20" };
/** The cut-in at a phase (with an edge weight where the phase has one). */
const cut = (phase: CutinPhase) => [`cutin.phase=${phase}`, ...(edgeShape(phase).policy?.traffic === "weight" ? ["cutin.edgeWeight=5"] : [])];

const AT_100 = ["canary.weight=100", "canary.routes[0].weight=100"];
const IMAGE_150 = "spring.green.image=111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api:1.5.0";

// ---------------------------------------------------------------------------

describe("red team E: false refusals and bypasses of the rules added after red team C", function () {
    this.timeout(180000);

    describe("false refusals: moves back toward the known-good position", () => {
        it("F1 traffic rollback 25 % → 1 % (known-good 1 %)", async () => {
            await passes(await update([], { from: ["canary.weight=25"], knownGood: [] }), "F1 25 → 1");
        });

        it("F2 traffic rollback 25 % → 1 % with no known-good position yet (none confirmed)", async () => {
            await passes(await update([], { from: ["canary.weight=25"], knownGood: null }), "F2 25 → 1, none confirmed");
        });

        it("F3 Spring flip back (green → blue, known-good blue)", async () => {
            await passes(await update([], { from: ["spring.liveColor=green"], knownGood: [] }), "F3 Spring flip back");
        });

        it("F4 Rails flip back (blue → green, known-good green)", async () => {
            await passes(await update([], { from: ["legacy.liveColor=blue"], knownGood: [] }), "F4 Rails flip back");
        });

        it("F5 rollback with capacity pending: 5 % → 1 % while the idle color, scaled to 0 in the deployed state, gets its tasks back", async () => {
            await passes(await update([], { from: ["canary.weight=5", "spring.green.desiredCount=0"], knownGood: [] }), "F5 5 → 1 with idle capacity restored");
        });

        it("F6 flip back onto a color whose capacity is restored in the same update (deployed: flipped to green, blue scaled to 0)", async () => {
            await passes(
                await update([], { from: ["spring.liveColor=green", "spring.blue.desiredCount=0"], knownGood: [] }),
                "F6 flip back with capacity pending",
            );
        });

        for (let i = 1; i < CUTIN_PHASES.length; i++) {
            const [from, to] = [CUTIN_PHASES[i], CUTIN_PHASES[i - 1]];
            it(`F7.${i} cut-in rollback ${from} → ${to} (known-good ${to}), and ${from} → adopted (known-good adopted)`, async () => {
                await passes(await update(cut(to), { from: cut(from), knownGood: cut(to), at: CUT_AT }), `F7.${i} ${from} → ${to}`, CUT_DAY);
                await passes(await update(cut("adopted"), { from: cut(from), knownGood: cut("adopted"), at: CUT_AT }), `F7.${i} ${from} → adopted`, CUT_DAY);
            });
        }

        /** A cut-in phase as the preview that creates its staging distribution and policy shows it: their ids unknown. */
        const previewOf = async (phase: CutinPhase, more: readonly string[] = []) =>
            mutated(await planOf([...cut(phase), ...more], CUT_AT), (f) => {
                // Pulumi docs, "Inputs and outputs": a resource created in the update has its provider-computed
                // outputs (id, ARN, domain name) unknown in the preview, and so has everything that uses them.
                const staging = f(T.dist, "cutin-staging");
                const policy = f(T.cdp, "cutin-policy");
                for (const k of ["id", "arn", "domainName", "hostedZoneId"]) staging.outputs[k] = UNKNOWN;
                for (const k of ["id", "arn"]) policy.outputs[k] = UNKNOWN;
                setProp(policy, "stagingDistributionDnsNames.items", [UNKNOWN]);
                setProp(f(T.dist, "cutin-primary"), "continuousDeploymentPolicyId", UNKNOWN);
            });

        for (const to of ["detached", "weight", "header"] as const) {
            it(`F7.p cut-in rollback promoted → ${to} as its preview shows it (the staging distribution and policy it brings back have no ids yet)`, async () => {
                const p = move(await previewOf(to), await planOf(cut("promoted"), CUT_AT), await planOf(cut(to), CUT_AT));
                await passes(p, `F7.p promoted → ${to} (preview)`, CUT_DAY);
            });
        }

        it("F7.q cut-in rollback promoted → detached, previewed, from a deployed state that breaks a policy the known-good one breaks too (task ingress 10/8)", async () => {
            const [from, known] = [mutated(await planOf(cut("promoted"), CUT_AT), openTasks), mutated(await planOf(cut("detached"), CUT_AT), openTasks)];
            const applied = await judged(move(known, from, known), "F7.q control: the same with every value known", CUT_DAY);
            assert.deepEqual(applied, {}, "control: with the ids known the rollback is back and the finding excused");
            const p = move(mutated(await previewOf("detached"), openTasks), from, known);
            if (VERBOSE) {
                const d = p.deployed as { position: Position; knownGood: Position };
                const away = compare(d.position, positionOfPlan(p), d.knownGood).moves.filter((m) => m.verdict === "away");
                console.log(`      [redteam-e] F7.q away: ${describeMoves(away).join("; ")}`);
            }
            await passes(p, "F7.q promoted → detached (preview), both break tasks-reachable", CUT_DAY);
        });

        it("F7.r cut-in rollback promoted → detached, previewed, while the Rails colors run different versions (edge-rails-versions holds only forward moves)", async () => {
            // tests/policy/cutin.test.ts: "the edge moves forward only while both origins serve the same Rails
            // version; back it always may".
            const newer = ["legacy.blue.versionLabel=rails-2026.12.1"];
            const p = move(
                await previewOf("detached", newer),
                await planOf([...cut("promoted"), ...newer], CUT_AT),
                await planOf([...cut("detached"), ...newer], CUT_AT),
            );
            await passes(p, "F7.r promoted → detached (preview), Rails versions differ", CUT_DAY);
        });

        it("F7.w cut-in rollback inside phase weight: edge weight 10 % → 5 % (known-good 5 %)", async () => {
            const w = (n: number) => ["cutin.phase=weight", `cutin.edgeWeight=${n}`];
            await passes(await update(w(5), { from: w(10), knownGood: w(5), at: CUT_AT }), "F7.w edge weight 10 → 5", CUT_DAY);
        });

        it("F16 a release on the idle color taken back (green 1.5.0 → 1.3.7, known-good 1.3.7)", async () => {
            await passes(await update([], { from: [IMAGE_150], knownGood: [] }), "F16 idle release taken back");
        });

        it("F8 rollback 5 % → 1 % from a deployed position that breaks a policy the known-good one breaks too (task ingress 10/8)", async () => {
            const known = mutated(await planOf([]), openTasks);
            const deployed = mutated(await planOf(["canary.weight=5"]), openTasks);
            await passes(move(known, deployed, known), "F8 rollback, both break tasks-reachable");
        });

        it("F9 the same rollback, which also takes back an alarm threshold the deployed update changed (health.fiveXxRatePercent 2 → 1)", async () => {
            // The operator rolls back to the known-good config: everything the failing update
            // changed goes back with the traffic (docs/runbook.md). The pre-existing finding is the
            // deployed state's own (both positions have it); the rollback adds nothing to it.
            const known = mutated(await planOf([]), openTasks);
            const deployed = mutated(await planOf(["canary.weight=5", "health.fiveXxRatePercent=2"]), openTasks);
            await passes(move(known, deployed, known), "F9 rollback with a reverted alarm threshold, both break tasks-reachable");
        });

        it("F9b the same rollback, which also takes back a variable staged on the idle color (spring.green.environment)", async () => {
            // docs/runbook.md: a setting goes to the idle color first; taking it back is the rollback of that step.
            const known = mutated(await planOf([]), openTasks);
            const deployed = mutated(await planOf(["canary.weight=5", "spring.green.environment.PAYOUTS_MODE=instant"]), openTasks);
            await passes(move(known, deployed, known), "F9b rollback with an idle-color variable taken back, both break tasks-reachable");
        });
    });

    describe("false refusals: the runbook's ordinary steps", () => {
        it("F10 next → confirm → next: 1 % → 5 %, confirm 5 %, 5 % → 10 %", async () => {
            const [w1, w5, w10] = [await planOf([]), await planOf(["canary.weight=5"]), await planOf(["canary.weight=10"])];
            await passes(move(w5, w1, w1), "F10 next 1 → 5");
            await passes(move(w5, w5, w1, true), "F10 confirm 5");
            await passes(move(w10, w5, w5), "F10 next 5 → 10");
        });

        it("F11 release to idle → flip → confirm (green gets 1.5.0, then takes Spring's share)", async () => {
            const base = await planOf([]);
            // The flip as `npm run canary -- flip spring green` does it (docs/runbook.md): the new color's
            // capacity first where it is smaller (green 2 → blue's 3), then the traffic.
            const released = await planOf([IMAGE_150]);
            const scaled = await planOf([IMAGE_150, "spring.green.desiredCount=3"]);
            const flipped = await planOf([IMAGE_150, "spring.green.desiredCount=3", "spring.liveColor=green"]);
            await passes(move(released, base, base), "F11 release to idle");
            await passes(move(released, released, base, true), "F11 confirm the release");
            await passes(move(scaled, released, released), "F11 flip, capacity first");
            await passes(move(flipped, scaled, released), "F11 flip, then traffic");
            await passes(move(flipped, flipped, released, true), "F11 confirm the flip");
        });

        it("F12 rotate the origin-verify secret (accept both, send the new one, accept only it), unconfirmed between steps", async () => {
            const STEP1 = ["alb.originVerify.generation.b=2", "alb.originVerify.accept[0]=a", "alb.originVerify.accept[1]=b"];
            const STEP2 = [...STEP1, "alb.originVerify.send=b"];
            const STEP3 = ["alb.originVerify.generation.b=2", "alb.originVerify.send=b", "alb.originVerify.accept[0]=b"];
            await passes(await update(STEP1, { from: [], knownGood: [] }), "F12 step 1");
            await passes(await update(STEP2, { from: STEP1, knownGood: [] }), "F12 step 2");
            await passes(await update(STEP3, { from: STEP2, knownGood: [] }), "F12 step 3");
        });

        it("F13 decommission the Beanstalk pair after a confirmed 100 % that has baked", async () => {
            const cutover = ["migration.cutoverDate=2026-11-20"];
            const p = await update(["legacy.decommissioned=true", "legacy.protect=false", ...AT_100, ...cutover], { from: [...AT_100, ...cutover] });
            await passes(p, "F13 decommission", { today: "2026-12-04" });
        });

        it("F14 a first preview (every generated value and id unknown)", async () => {
            // At 0 % on every rule: the ladder's first rung from a stack never deployed (0 %) is 0.1 %.
            const first = await runPlan({ stack: "production", dir: FIXTURES, firstDeploy: true, sets: ["canary.weight=0", "canary.routes[0].weight=0"] });
            await passes(first, "F14 first preview at 0 %");
        });

        it("F15 staging's config, unchanged and one rung up", async () => {
            const at: At = { stack: "staging" };
            await passes(await update([], { at }), "F15 staging unchanged", { at });
            await passes(await update(["canary.weight=10"], { from: ["canary.weight=5"], knownGood: ["canary.weight=5"], at }), "F15 staging 5 → 10", { at });
        });
    });

    describe("bypasses", () => {
        it("E1 a route for one endpoint at 100 % Spring, reachable only by paths longer than pathOutside's 64-character bound", async () => {
            // ALB User Guide, "Path conditions": a pattern is up to 128 characters, case-sensitive, `*` any
            // run. The route's own instances (its `*` empty or one character) are taken by a route at the
            // catch-all's 1 % before it; every real export path (…/exports/2026-12-06.csv) reaches the
            // new route. pathOutside searches paths of at most 64 characters: no witness reaches it.
            const hidden = (prefix: string) => [
                "canary.routes[1].name=exports-probe",
                `canary.routes[1].paths[0]=${prefix}`,
                `canary.routes[1].paths[1]=${prefix}w`,
                "canary.routes[1].weight=1",
                "canary.routes[2].name=exports",
                `canary.routes[2].paths[0]=${prefix}*`,
                "canary.routes[2].weight=100",
            ];
            const short = await judged(await update(hidden("/v1/exports/daily/")), "E1 control: the same with a short prefix", {});
            assert.deepEqual(short["canary-step-limit"], ["step-skips-rungs"], "control: with a prefix under 64 characters the rise is seen");
            const p = await update(hidden("/v1/merchants/settlement-reports/eu-west-1/daily-reconciliation-exports/"));
            await refused(p, "E1 long-path route at 100 % behind its own instances");
        });

        it("E2 a rollback brings back a known-good edge that lets viewers in over plain HTTP (the distribution is 'coordinate-shaped')", async () => {
            // asDeployed excepts every distribution and continuous deployment policy fingerprint, not only
            // what the cut-in phase shapes: a rollback that moves the edge's other settings back is excused.
            const clean = await planOf([]);
            const known = mutated(clean, plainHttpViewers);
            const control = await judged(move(known, clean), "E2 control: forward", {});
            assert.ok(control["cloudfront-viewer-tls"], "control: the same edge, forward, is refused");
            await refused(move(known, await planOf(["canary.weight=5"]), known), "E2 rollback restores allow-all viewers");
        });

        // Resolution (lead): open. On a move of the cut-in phase, the edge's distributions are excused as the
        // phase's (lib/cutin.ts edgeShape makes them), so a setting of the known-good primary the phase does
        // not make rides along. Closing it needs a fingerprint of the distributions without what the phase
        // makes, in the position (a new position version); docs/threat-model.md names the gap.
        it.skip("E2b a cut-in phase rollback (weight → header) that brings back a known-good primary letting viewers in over plain HTTP (skipped: open; needs a fingerprint of the distributions without what the phase makes, a new position version)", async () => {
            // The same with the phase moving: an exception for distributions "while the phase moves" would
            // still excuse it; only what the phase itself shapes may be excepted.
            const header = await planOf(cut("header"), CUT_AT);
            const known = mutated(header, (f) => setProp(f(T.dist, "cutin-primary"), "defaultCacheBehavior.viewerProtocolPolicy", "allow-all"));
            const control = await judged(move(known, header), "E2b control: forward", { ...CUT_DAY });
            assert.ok(control["cloudfront-viewer-tls"], "control: the same primary, forward, is refused");
            await refused(move(known, await planOf(cut("weight"), CUT_AT), known), "E2b phase rollback restores allow-all viewers", CUT_DAY);
        });

        it("E3 the QA token base64-encoded in a tag of the ALB", async () => {
            // Control: the random-looking secret where the program puts it is no finding.
            assert.deepEqual(await codes(await codeChange(realSecrets)), {});
            await refused(
                await codeChange((f, states) => {
                    realSecrets(f, states);
                    addTag(f(T.lb, "alb"), "debug", Buffer.from(secretOf(f, "qa-token")).toString("base64"));
                }),
                "E3 base64 QA token in a tag",
            );
        });

        it("E4 the QA token upper-cased in a tag of the ALB (ALB header conditions compare values case-insensitively)", async () => {
            await refused(await codeChange((f) => addTag(f(T.lb, "alb"), "debug", secretOf(f, "qa-token").toUpperCase())), "E4 upper-case QA token");
        });

        it("E5 the QA token split across two tags of the ALB", async () => {
            const p = await codeChange((f, states) => {
                realSecrets(f, states);
                const token = secretOf(f, "qa-token");
                const half = Math.floor(token.length / 2);
                addTag(f(T.lb, "alb"), "debug-1", token.slice(0, half));
                addTag(f(T.lb, "alb"), "debug-2", token.slice(half));
            });
            await refused(p, "E5 QA token in two halves");
        });

        it("E6 the serving color's task definition moved to ARM64 (runs ignores runtimePlatform: another image of a multi-arch manifest runs)", async () => {
            await refused(
                await codeChange((f) => setProp(f(T.td, "spring-blue-task"), "runtimePlatform", { cpuArchitecture: "ARM64", operatingSystemFamily: "LINUX" })),
                "E6 serving color on ARM64",
            );
        });

        // Resolution (lead): by design. The task size is one setting of both colors (spring.cpu/memory); a change
        // rolls the serving color's tasks through an ECS rolling deployment that keeps its capacity
        // (zero-downtime-rollout), and fargate-size-valid judges the size. Holding it to the idle color needs
        // sizes per color in config: noted in the closing note.
        it.skip("E6b the serving color's task size halved in code, 1 vCPU / 2 GB → 0.5 vCPU / 1 GB (skipped by design: the size is shared by both colors and rolls through an ECS rolling deployment that keeps capacity)", async () => {
            const p = await codeChange((f) => {
                setProp(f(T.td, "spring-blue-task"), "cpu", "512");
                setProp(f(T.td, "spring-blue-task"), "memory", "1024");
            });
            await refused(p, "E6b serving color 1024/2048 → 512/1024");
        });

        it("E12 the serving color's unhealthy-hosts alarm kept, its threshold raised to 1000 (coverage counts an alarm that cannot fire)", async () => {
            // ELB User Guide, "CloudWatch metrics for your Application Load Balancer": UnHealthyHostCount is the
            // number of targets considered unhealthy; the color runs 3 tasks. Control: the same on a 5xx-rate
            // alarm is refused (alarm-5xx-threshold).
            const fiveXx = await judged(await codeChange((f) => setProp(f(T.alarm, "health-spring-blue-5xx-rate"), "threshold", 1000)), "E12 control", {});
            assert.deepEqual(fiveXx["alarms-can-fire"], ["alarm-5xx-threshold"], "control: a 5xx-rate alarm that cannot fire is refused");
            const p = await codeChange((f) => setProp(f(T.alarm, "health-spring-blue-unhealthy-hosts"), "threshold", 1000));
            await refused(p, "E12 unhealthy-hosts threshold 1000");
        });

        it("E7 the log bucket policy keeps its Allow and adds a Deny of s3:PutObject to everyone (log-bucket-no-delivery sees the Allow)", async () => {
            // IAM User Guide, "Policy evaluation logic": an explicit deny overrides any allow.
            const p = await codeChange(
                editLogPolicy((s) => s.push({ Sid: "NoWrites", Effect: "Deny", Principal: "*", Action: "s3:PutObject", Resource: String(s[0].Resource) })),
            );
            await refused(p, "E7 Deny s3:PutObject beside the Allow");
        });

        it("E8 the log bucket policy's Allow narrowed to another account's AWSLogs folder (ELB writes under the ALB's own account)", async () => {
            // ELB User Guide, "Enable access logs": logs go to bucket/prefix/AWSLogs/<aws-account-id>/elasticloadbalancing/...
            const p = await codeChange(editLogPolicy((s) => (s[0].Resource = String(s[0].Resource).replace(/AWSLogs\/\*$/, "AWSLogs/999999999999/*"))));
            await refused(p, "E8 Allow for another account's folder");
        });

        it("E9 a rollback 25 % → 1 % that confirms the 25 % it leaves, the pointer unknown in the preview (computed from a value this update creates)", async () => {
            // Red team C 4.1 with the record's knownGood unknown at preview: movesPointer and
            // knownGoodFindings skip an unknown pointer, so the preview (the gate) passes and the update
            // records the failing rung as known-good. Pulumi docs, "Preview": an apply on an output not yet
            // known is unknown in the preview.
            const known = await planOf([]);
            const p = move(known, await planOf(["canary.weight=25"]), known, true);
            for (const s of p.states.filter((x) => x.type === T.record || x.type === TYPE.stack)) s.outputs.knownGood = UNKNOWN;
            p.outputs.knownGood = UNKNOWN;
            await refused(p, "E9 rollback confirming what it leaves, pointer unknown in the preview");
        });

        it("E10 the exported position unknown in the preview while the record's is known (a forged export computed from a new value)", async () => {
            // position-export-differs compares only known values: an export the program computes from a
            // value created in this update (known only after it) is whatever the code makes it.
            const p = await codeChange(() => undefined);
            stackOf(p).outputs.position = UNKNOWN;
            p.outputs.position = UNKNOWN;
            await refused(p, "E10 exported position unknown, record known");
        });

        it("E11 the ALB's ingress from CloudFront moved to port 8443 beside a second, correct rule (alb-unreachable passes; alb-ingress must still refuse)", async () => {
            const p = await codeChange((f, states) => {
                const real = f("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "alb-from-cloudfront");
                const second = structuredClone(real);
                second.name = "alb-from-cloudfront-2";
                second.urn = `${real.urn}-2`;
                states.push(second);
                setProp(real, "fromPort", 8443);
                setProp(real, "toPort", 8443);
            });
            await refused(p, "E11 broken real rule beside a correct second one");
        });
    });
});
