import { strict as assert } from "node:assert";
import * as path from "node:path";
import { FIXTURES, defined } from "../helpers";
import { InputsOf, isOfType, plan as sharedPlan, resources } from "../planCache";
import type { CutinEdgeOutputs } from "../../lib/contract";
import type { CutinState } from "../../stack";
import { CutinEdge, CutinEdgeArgs, headerTrafficConfig } from "../../components/cutinEdge";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "node:fs";
import { tempProject } from "../helpers";
import { CUTIN_PHASES, CutinPhase, DistributionConfig, edgeShape, mirrorDifferences as mirror } from "../../lib/cutin";
import { diffPlans, differingPaths } from "../../tools/plan/diff";
import { renderPlan } from "../../tools/plan/render";
import { PlanInputError, PlanRun, runPlan } from "../../tools/plan/run";
import { stackConfigFromText } from "../../tools/plan/stackFile";
import { parse, stringify } from "yaml";
import { checkPlan } from "../../tools/policy/check";
import { mandatoryViolations } from "../../tools/policy/evaluate";

/** The cut-in fixtures: staging and production at the start of a cut-in (phase adopted). */
const DIR = path.join(FIXTURES, "cutin");
const DIST = "aws:cloudfront/distribution:Distribution";
const CD_POLICY = "aws:cloudfront/continuousDeploymentPolicy:ContinuousDeploymentPolicy";
const RECORD = "aws:route53/record:Record";

/** A phase as config: weighted phases at 5 %. */
const setsFor = (phase: CutinPhase, weight = 5) => [
    `cutin.phase=${phase}`,
    ...(edgeShape(phase).policy?.traffic === "weight" ? [`cutin.edgeWeight=${weight}`] : []),
];

/** Plans of the cut-in fixtures, shared and run one at a time (tests/planCache.ts). */
const plan = (stack: string, sets: string[], deployedSets: string[] = sets): Promise<PlanRun> => sharedPlan(stack, sets, deployedSets, DIR);
const phasePlan = (stack: string, phase: CutinPhase) => plan(stack, setsFor(phase));
const byName = (p: PlanRun, name: string) => p.resources.find((r) => r.name === name);
/** The distribution `name` (cutin-primary, cutin-staging), if the plan has it. */
const distribution = (p: PlanRun, name: string) => resources(p, DIST).find((r) => r.name === name);
/** The inputs of the distribution `name`, which the plan must have. */
const distributionInputs = (p: PlanRun, name: string) => defined(distribution(p, name), name).inputs;
/** The continuous deployment policy, if the plan has it. */
const cdPolicy = (p: PlanRun) => resources(p, CD_POLICY).find((r) => r.name === "cutin-policy");
/** The CutinEdge's registered outputs: lib/contract.ts's, and the old application it read. */
const cutinRecord = (p: PlanRun) =>
    defined(
        p.states.find((s) => s.type === "payments:migration:CutinEdge"),
        "the CutinEdge",
    ).outputs as CutinEdgeOutputs & { oldApplication?: string | null };
/** The stack's `cutin` export (stack.ts). */
const cutinExport = (p: PlanRun) => p.outputs.cutin as CutinState;

type DistributionInputs = InputsOf<typeof DIST>;
/** What only one of the two may carry: the primary's hostnames and policy id, the staging flag, and tags (not distribution configuration). */
const ONE_SIDED = ["aliases", "continuousDeploymentPolicyId", "staging", "tags"];
/** The two distributions' inputs compared by the rule (lib/cutin.ts mirrorDifferences, written apart from stagingConfigOf). */
const mirrorDifferences = (primary: DistributionInputs, staging: DistributionInputs) => mirror(primary as DistributionConfig, staging as DistributionConfig);

/**
 * CloudFront's own promotion as the API reference describes UpdateDistributionWithStagingConfig:
 * the staging distribution's configuration onto the primary, except the primary's aliases and
 * continuous deployment policy id (tags are not configuration: the primary keeps its own).
 */
function promotedByAws(primary: DistributionInputs, staging: DistributionInputs): Record<string, unknown> {
    const copied = Object.fromEntries(Object.entries(staging).filter(([k]) => !ONE_SIDED.includes(k)));
    return { ...copied, aliases: primary.aliases, continuousDeploymentPolicyId: primary.continuousDeploymentPolicyId, tags: primary.tags };
}

describe("the cut-in (CutinEdge, fixtures in tests/fixtures/cutin)", () => {
    for (const stack of ["staging", "production"]) {
        it(`${stack}: every phase plans, declares its edge shape and passes the policy pack`, async () => {
            for (const phase of CUTIN_PHASES) {
                const p = await phasePlan(stack, phase);
                const shape = edgeShape(phase);
                const primary = distribution(p, "cutin-primary");
                assert.ok(primary, `${phase}: the adopted primary`);
                assert.equal(!!byName(p, "cutin-staging"), shape.staging, `${phase}: staging distribution`);
                const policy = cdPolicy(p);
                assert.equal(policy?.inputs.enabled, shape.policy?.enabled, `${phase}: policy enabled`);
                assert.equal(primary.inputs.continuousDeploymentPolicyId !== undefined, !!shape.policy, `${phase}: policy attached`);
                const origin = primary.inputs.origins[0];
                assert.equal(origin.originId, shape.primaryOrigin === "old" ? "rails-prod" : "routed-alb", phase);
                // No distribution of the program's own: the adopted one carries the hostnames.
                assert.equal(p.resources.filter((r) => r.type === DIST).length, shape.staging ? 2 : 1);
                assert.equal(byName(p, "edge"), undefined);
                const report = await checkPlan(p, { dir: DIR });
                assert.deepEqual(mandatoryViolations(report), [], `${stack} ${phase}`);
            }
        });
    }

    for (const stack of ["staging", "production"]) {
        it(`${stack}: at every phase with a staging distribution, it equals the primary but for the origin (certificate, TLS, logging, errors, WAF, geo, functions, policies)`, async () => {
            for (const phase of CUTIN_PHASES.filter((p) => edgeShape(p).staging)) {
                const p = await phasePlan(stack, phase);
                const primary = distributionInputs(p, "cutin-primary");
                const staging = distributionInputs(p, "cutin-staging");
                assert.deepEqual(mirrorDifferences(primary, staging), [], `${stack} ${phase}`);
                // What AWS forbids on a staging distribution: hostnames, HTTP/3.
                assert.equal(staging.staging, true);
                assert.equal(staging.aliases, undefined, `${phase}: a staging distribution has no aliases`);
                assert.doesNotMatch(String(staging.httpVersion), /3/);
                // The staging distribution's edge origin is the routed ALB (the origin-verify header), at every phase.
                const edge = defined(
                    staging.origins.find((o) => o.originId === staging.defaultCacheBehavior.targetOriginId),
                    "the default behavior's origin",
                );
                assert.deepEqual(edge.customHeaders, [{ name: "X-Origin-Verify", value: "[secret:origin-verify]" }], phase);
                // Once promoting, both distributions send to that same origin.
                if (edgeShape(phase).primaryOrigin === "routed") assert.deepEqual(primary.origins, staging.origins, phase);
            }
        });
    }

    it("production-like: the staging distribution carries the live distribution's certificate, logging, errors, WAF, geo restriction and functions", async () => {
        const staging = distributionInputs(await phasePlan("production", "weight"), "cutin-staging");
        assert.equal(staging.viewerCertificate.acmCertificateArn, "arn:aws:acm:us-east-1:111111111111:certificate/00000000-0000-0000-0000-000000000002");
        assert.equal(staging.viewerCertificate.minimumProtocolVersion, "TLSv1.2_2021");
        assert.equal(defined(staging.loggingConfig, "loggingConfig").bucket, "example-payments-cf-logs.s3.amazonaws.com");
        assert.equal(defined(staging.customErrorResponses, "customErrorResponses").length, 3);
        assert.equal(staging.defaultRootObject, "v1/index.json");
        assert.match(defined(staging.webAclId, "webAclId"), /webacl\/payments-api\//);
        assert.deepEqual(staging.restrictions.geoRestriction.locations, ["CU", "IR", "KP", "SY"]);
        const behavior = staging.defaultCacheBehavior;
        assert.equal(defined(behavior.functionAssociations, "functionAssociations")[0].eventType, "viewer-response");
        assert.equal(defined(behavior.lambdaFunctionAssociations, "lambdaFunctionAssociations")[0].eventType, "origin-response");
        // Every viewer header but Host: the ALB's certificate covers the origin name, not the viewer hostname (lib/cutin.ts routedRequestPolicy).
        assert.equal(behavior.originRequestPolicyId, "b689b0a8-53d0-40ab-baf2-68738e2966ac");
        assert.equal(defined(staging.orderedCacheBehaviors, "orderedCacheBehaviors")[0].targetOriginId, "routed-alb");
        assert.equal(staging.comment, "Payments API");
    });

    it("AWS's own promotion (UpdateDistributionWithStagingConfig) at the top rung gives the primary exactly what the stack declares at promoting", async () => {
        for (const stack of ["staging", "production"]) {
            const weight = await phasePlan(stack, "weight");
            const promoting = distributionInputs(await phasePlan(stack, "promoting"), "cutin-primary");
            const byAws = promotedByAws(distributionInputs(weight, "cutin-primary"), distributionInputs(weight, "cutin-staging"));
            // So after that call and a refresh of the primary, the update of cutin.phase promoting changes nothing on it.
            assert.deepEqual(differingPaths(byAws, promoting), [], stack);
        }
    });

    it("the cut-in header: the sent slot's header, its value a secret the plan never shows, required at the header-based phases", async () => {
        const p = await phasePlan("production", "header");
        const policy = defined(cdPolicy(p), "cutin-policy").inputs;
        assert.deepEqual(defined(policy.trafficConfig, "trafficConfig").singleHeaderConfig, { header: "aws-cf-cd-payments-cutin-a", value: "[secret]" });
        assert.equal(cutinExport(p).header, "aws-cf-cd-payments-cutin-a");
        // Slot b once the rotation switches to it.
        const b = await plan("production", [...setsFor("header"), "cutin.header.send=b", "cutin.header.values.b=fixture-header-secret-000b"]);
        assert.equal(defined(defined(cdPolicy(b), "cutin-policy").inputs.trafficConfig?.singleHeaderConfig).header, "aws-cf-cd-payments-cutin-b");
        // Whatever the config holds, the program hands CloudFront a secret: encrypted in the state, [secret] in previews.
        const config = headerTrafficConfig("aws-cf-cd-x-a", "fixture-header-secret-0001");
        assert.equal(await pulumi.isSecret(config.singleHeaderConfig.value), true);
        // No default value: a header-based phase without the sent slot's secret is a config error naming the command.
        const dir = tempProject(DIR);
        const file = `${dir}/Pulumi.production.yaml`;
        fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(/ {4}header:\n {6}values:\n {8}a:\n {10}secure: \S+\n/, ""));
        await assert.rejects(runPlan({ stack: "production", dir, sets: ["cutin.phase=staged"] }), (err: unknown) => {
            assert.ok(err instanceof PlanInputError, String(err));
            assert.match(
                err.message,
                /payments-migration:cutin\.header\.values\.a = \(not set\): expected a secret at phase staged \(the header-based policy matches slot a\): pulumi config set --secret --path cutin\.header\.values\.a "\$\(openssl rand -hex 32\)"/,
            );
            return true;
        });
        // Weight-based phases do not use it.
        await runPlan({ stack: "production", dir, sets: setsFor("weight") });
        await assert.rejects(
            runPlan({ stack: "production", dir: DIR, sets: ["cutin.header.values.b=short"] }),
            /cutin\.header\.values\.b = "short": expected a secret of 16 to 256 visible characters/,
        );
    });

    it("the end: the adopted distribution and its records stay under their names, and the plan of cutin end changes nothing (removing the section would delete them)", async () => {
        const retired = [...setsFor("promoted"), "cutin.cutinDate=2020-01-01", "cutin.retired=true", "cutin.adoption=managed"];
        const ended = [...retired, "cutin.ended=true"];
        const before = await plan("production", retired);
        const after = await plan("production", ended, retired);
        // Nothing added, removed, replaced or changed: the viewer path stays exactly as it is.
        const d = diffPlans(before, after);
        assert.deepEqual([d.added, d.removed, d.changed], [[], [], []]);
        const record = cutinRecord(after);
        assert.deepEqual([record.ended, record.oldApplication, cutinExport(after).ended], [true, null, true]);
        assert.deepEqual(mandatoryViolations(await checkPlan(after, { dir: DIR })), []);
        // Afterwards the old pair may leave the config: still nothing changes.
        const file = fs.readFileSync(`${DIR}/Pulumi.production.yaml`, "utf8");
        type YamlMap = Record<string, unknown>;
        const without = (drop: (cutin: YamlMap, config: YamlMap) => void, sets: string[]) => {
            const doc = parse(file) as { config: { "payments-migration:cutin": YamlMap } & YamlMap };
            drop(doc.config["payments-migration:cutin"], doc.config);
            return runPlan({
                stack: "production",
                dir: DIR,
                loaded: stackConfigFromText(stringify(doc), "payments-migration", "production", sets),
                deployed: after.outputs,
            });
        };
        const noPair = await without((c) => delete c.oldPair, ended);
        assert.deepEqual(Object.values(diffPlans(after, noPair)).flat(), []);
        // Before the end, the old pair is required.
        await assert.rejects(
            without((c) => delete c.oldPair, retired),
            /payments-migration:cutin\.oldPair = \(not set\): expected the old Beanstalk pair .* until the cut-in has ended/,
        );
        // What removing the section instead plans (and cutin-phase-order refuses): the edge every viewer uses deleted, a new one without the hostnames.
        const removed = diffPlans(before, await without((_c, config) => delete config["payments-migration:cutin"], []));
        assert.deepEqual(
            removed.removed
                .map((r) => r.name)
                .filter((n) => /^cutin-(primary|record)/.test(n))
                .sort(),
            ["cutin-primary", "cutin-record-0-a", "cutin-record-1-aaaa"],
        );
        assert.ok(removed.added.some((r) => r.name === "edge" && r.type === DIST));
    });

    it("the cutin export (what the next update's policies read as deployed) says what the CutinEdge records, at every phase and once retired", async () => {
        const promoted = [...setsFor("promoted"), "cutin.cutinDate=2020-01-01"];
        const cases: [string, string[]][] = [
            ...CUTIN_PHASES.map((phase): [string, string[]] => [phase, setsFor(phase)]),
            ["retired", [...promoted, "cutin.retired=true"]],
        ];
        for (const [label, sets] of cases) {
            const p = await plan("production", sets, label === "retired" ? promoted : sets);
            const record = cutinRecord(p);
            const exported = cutinExport(p);
            assert.deepEqual(
                {
                    phase: exported.phase,
                    edgeWeight: exported.edgeWeight,
                    cutinDate: exported.cutinDate,
                    retired: exported.retired,
                    oldOrigin: exported.oldOrigin,
                },
                {
                    phase: record.phase,
                    edgeWeight: record.edgeWeight,
                    cutinDate: record.cutinDate ?? null,
                    retired: record.retired,
                    oldOrigin: record.oldOrigin?.domainName ?? null,
                },
                label,
            );
        }
    });

    it("adopted: the live distribution and records are imported exactly as configured, protected in production", async () => {
        const p = await phasePlan("production", "adopted");
        const primary = defined(distribution(p, "cutin-primary"), "cutin-primary");
        assert.equal(primary.options.import, "E2EXAMPLELIVE01");
        assert.equal(primary.options.protect, true);
        assert.equal(primary.inputs.origins[0].domainName, "payments-prod.eu-west-1.elasticbeanstalk.com");
        assert.deepEqual(primary.inputs.aliases, ["api.payments.example.com"]);
        assert.equal(primary.inputs.httpVersion, "http2");
        const records = p.resources.filter((r) => r.name.startsWith("cutin-record-"));
        assert.deepEqual(
            records.map((r) => r.options.import),
            ["Z0EXAMPLE00000000000001_api.payments.example.com_A", "Z0EXAMPLE00000000000001_api.payments.example.com_AAAA"],
        );
        assert.ok(records.every((r) => isOfType(r, RECORD) && defined(r.inputs.aliases, `${r.name}: aliases`)[0].name === "d1example0live.cloudfront.net"));
        // Once in the state, adoption "managed" drops the import option and changes nothing else.
        const managed = await plan("production", ["cutin.adoption=managed"]);
        const d = diffPlans(p, managed);
        assert.deepEqual([d.added, d.removed], [[], []]);
        assert.deepEqual(
            d.changed.map((c) => [c.name, c.paths]),
            [
                ["cutin-record-0-a", ["(options).import"]],
                ["cutin-record-1-aaaa", ["(options).import"]],
                ["cutin-primary", ["(options).import"]],
            ],
        );
    });

    it("each forward transition changes only what it should", async () => {
        const expectations: Record<string, (d: ReturnType<typeof diffPlans>) => void> = {
            "adopted→staged": (d) => {
                assert.deepEqual(
                    d.added.map((r) => r.name),
                    ["cutin-staging", "cutin-policy"],
                );
                assert.deepEqual(
                    d.changed.map((c) => [c.name, c.paths.filter((x) => !x.startsWith("(options)"))]),
                    [["cutin-primary", ["continuousDeploymentPolicyId"]]],
                );
            },
            "staged→header": (d) =>
                assert.deepEqual(
                    d.changed.map((c) => [c.name, c.paths]),
                    [["cutin-policy", ["enabled"]]],
                ),
            "header→weight": (d) => {
                assert.deepEqual(
                    d.changed.map((c) => c.name),
                    ["cutin-policy"],
                );
                assert.ok(d.changed[0].paths.every((x) => x.startsWith("trafficConfig")));
            },
            "weight→promoting": (d) => {
                assert.deepEqual(
                    d.changed.map((c) => c.name),
                    ["cutin-primary"],
                );
                const paths = d.changed[0].paths.filter((x) => !x.startsWith("(options)"));
                // The old origin's place now holds the routed ALB; every behavior that used it targets the ALB, without
                // forwarding Host (the ALB's certificate covers the origin name): nothing else changes.
                assert.ok(
                    paths.some((x) => x.startsWith("origins[0]")),
                    paths.join(", "),
                );
                assert.ok(
                    paths.every((x) => /^origins\[0\]|^(defaultCacheBehavior|orderedCacheBehaviors\[0\])\.(targetOriginId|originRequestPolicyId)$/.test(x)),
                    paths.join(", "),
                );
            },
            "promoting→detached": (d) =>
                assert.deepEqual(
                    d.changed.map((c) => [c.name, c.paths]),
                    [["cutin-policy", ["enabled"]]],
                ),
            "detached→promoted": (d) => {
                assert.deepEqual(d.removed.map((r) => r.name).sort(), ["cutin-policy", "cutin-staging"]);
                assert.deepEqual(
                    d.changed.map((c) => [c.name, c.paths.filter((x) => !x.startsWith("(options)"))]),
                    [["cutin-primary", ["continuousDeploymentPolicyId"]]],
                );
            },
        };
        for (let i = 1; i < CUTIN_PHASES.length; i++) {
            const [from, to] = [CUTIN_PHASES[i - 1], CUTIN_PHASES[i]];
            const d = diffPlans(await phasePlan("production", from), await phasePlan("production", to));
            if (!["adopted→staged", "detached→promoted"].includes(`${from}→${to}`)) assert.deepEqual([d.added, d.removed], [[], []], `${from}→${to}`);
            expectations[`${from}→${to}`](d);
        }
        // An edge weight move changes only the continuous deployment policy's weight.
        const d = diffPlans(await phasePlan("production", "weight"), await plan("production", setsFor("weight", 10)));
        assert.deepEqual(
            d.changed.map((c) => [c.name, c.paths]),
            [["cutin-policy", ["trafficConfig.singleWeightConfig.weight"]]],
        );
        const tenPercent = defined(cdPolicy(await plan("production", setsFor("weight", 10))), "cutin-policy").inputs;
        assert.equal(defined(tenPercent.trafficConfig?.singleWeightConfig).weight, 0.1);
    });

    it("the rollback from promoted is the primary's origin alone, back to the old Beanstalk CNAME", async () => {
        const d = diffPlans(await phasePlan("production", "promoted"), await plan("production", setsFor("adopted"), setsFor("promoted")));
        assert.deepEqual([d.added, d.removed], [[], []]);
        assert.deepEqual(
            d.changed.map((c) => c.name),
            ["cutin-primary"],
        );
        const back = distributionInputs(await plan("production", setsFor("adopted"), setsFor("promoted")), "cutin-primary");
        assert.equal(back.origins[0].domainName, "payments-prod.eu-west-1.elasticbeanstalk.com");
    });

    it("the plan shows the phase, both edge paths with their shares, and the diagram", async () => {
        const text = renderPlan(await phasePlan("production", "weight"));
        assert.match(text, /Edge \(cut-in phase weight\):\n {3}95% {2}primary distribution → old origin payments-prod\.eu-west-1\.elasticbeanstalk\.com/);
        assert.match(text, / {4}5% {2}staging distribution → routed ALB .*a ceiling/);
        assert.match(text, /cf -->\|95%\| old\[\("old origin: payments-prod/);
        assert.match(text, /cf -->\|≤5%\| staging\[CloudFront staging\]\n {2}staging -->\|origin-verify header\| alb/);
        assert.match(
            renderPlan(await phasePlan("production", "header")),
            /requests with aws-cf-cd-payments-cutin-a → staging distribution → routed ALB \(testers\)/,
        );
        assert.match(renderPlan(await phasePlan("production", "promoted")), /cf -->\|100%, origin-verify header\| alb/);
    });

    it("at promoting the plan shows both edge paths to the routed ALB: the primary's own origin and the staging share the policy still sends", async () => {
        const text = renderPlan(await phasePlan("production", "promoting"));
        assert.match(
            text,
            /Edge \(cut-in phase promoting\):\n {4}0% {2}primary distribution → old origin [^\n]*\n {3}95% {2}primary distribution → routed ALB [^\n]*\n {4}5% {2}staging distribution → routed ALB \(a ceiling[^\n]*both paths reach the routed ALB: 100% of viewers/,
        );
        assert.match(
            text,
            /cf -->\|95%, origin-verify header\| alb\{\{Routed ALB\}\}\n {2}cf -->\|≤5%\| staging\[CloudFront staging\]\n {2}staging -->\|origin-verify header\| alb\n/,
        );
        // Detached: the policy is off, the staging distribution carries nothing.
        assert.match(renderPlan(await phasePlan("production", "detached")), / {2}100% {2}primary distribution → routed ALB \(the routing table below\)\n\n/);
    });

    it("invalid cut-in config fails with one message naming key, value and what is allowed, and creates nothing", async () => {
        const cases: [string[], RegExp][] = [
            [
                ["cutin.phase=weight", "cutin.edgeWeight=20"],
                /payments-migration:cutin\.edgeWeight = 20: expected a whole percent greater than 0 and at most 15 \(CloudFront continuous deployment weights 0\.01–0\.15\)/,
            ],
            [["cutin.phase=weight", "cutin.edgeWeight=2.5"], /payments-migration:cutin\.edgeWeight = "2\.5": expected a whole percent/],
            [["cutin.phase=weight"], /payments-migration:cutin\.edgeWeight = 0 \(default\): expected a weight above 0 at phase weight/],
            [
                ["cutin.phase=later"],
                /payments-migration:cutin\.phase = "later": expected one of adopted, staged, header, weight, promoting, detached, promoted/,
            ],
            [["cutin.header.name=x-cutin"], /payments-migration:cutin\.header\.name = "x-cutin": expected a header name starting with aws-cf-cd-/],
            [["cutin.stickiness.idleSeconds=200"], /cutin\.stickiness\.idleSeconds = 200: expected a whole number from 300 to 3600/],
            [
                ["cutin.phase=staged", "cutin.distribution.args.httpVersion=http2and3"],
                /cutin\.distribution\.args\.httpVersion = "http2and3": expected http2 or http1\.1 from phase staged on/,
            ],
            [["cutin.distribution.args.continuousDeploymentPolicyId=abc"], /cutin\.distribution\.args\.continuousDeploymentPolicyId = "abc": unknown key/],
            [["cutin.oldPair.liveColor=blue"], /cutin\.oldPair\.liveColor = "blue": expected the color whose CNAME/],
            [
                ["edge.aliases[0]=api.payments.example.com", "edge.certificateArn=arn:aws:acm:us-east-1:111111111111:certificate/x-1"],
                /payments-migration:edge\.aliases = \["api\.payments\.example\.com"\]: expected none while cutin is set/,
            ],
            [["cutin.retired=true"], /cutin\.retired = true: expected false until the cut-in is promoted/],
            [
                [
                    "cutin.phase=staged",
                    "cutin.distribution.args.originGroups[0].originId=failover",
                    "cutin.distribution.args.originGroups[0].members[0].originId=rails-prod",
                ],
                /cutin\.distribution\.args\.originGroups\[0\] = .*: expected no origin group naming the old origin rails-prod from phase staged on/,
            ],
            [
                [
                    "cutin.phase=staged",
                    "qa.sourceCidrs[0]=203.0.113.0/24",
                    "cutin.distribution.args.defaultCacheBehavior.functionAssociations[1].eventType=viewer-request",
                    "cutin.distribution.args.defaultCacheBehavior.functionAssociations[1].functionArn=arn:aws:cloudfront::111111111111:function/x",
                ],
                /functionAssociations = .*: expected no viewer-request function on the behaviors that use the old origin while qa\.sourceCidrs is set: the cache behavior \(default\) already runs a viewer-request function/,
            ],
        ];
        for (const [sets, message] of cases) {
            await assert.rejects(runPlan({ stack: "production", dir: DIR, sets }), (err: unknown) => {
                assert.ok(err instanceof PlanInputError, String(err));
                assert.match(err.message, message);
                assert.equal(err.resourcesRegistered, 0);
                return true;
            });
        }
    });

    it("the component refuses what CloudFront would reject only after minutes of deployment, before declaring anything", () => {
        const base: CutinEdgeArgs = {
            phase: "weight",
            edgeWeight: 5,
            stickiness: { idleSeconds: 300, maximumSeconds: 600 },
            header: { name: "aws-cf-cd-payments-cutin-a", value: "fixture-header-secret-0001" },
            adoption: "import",
            distribution: {
                id: "E2EXAMPLELIVE01",
                args: {
                    enabled: true,
                    httpVersion: "http2",
                    origins: [{ originId: "old", domainName: "payments-prod.eu-west-1.elasticbeanstalk.com" }],
                    defaultCacheBehavior: { targetOriginId: "old" },
                },
            },
            records: [],
            oldApplication: "payments-api",
            routed: {
                originDomain: "origin.payments.example.com",
                originVerifyHeader: "X-Origin-Verify",
                originVerifyValue: "x",
                originKeepaliveSeconds: 5,
                originReadTimeoutSeconds: 30,
            },
            bakeDays: 14,
            topRungBakeMinutes: 60,
            retired: false,
            railsVersions: { old: "a", new: "a" },
            protect: false,
        };
        const cases: [Partial<CutinEdgeArgs>, RegExp][] = [
            [{ edgeWeight: 20 }, /weight 20% is outside CloudFront's 0–15 %/],
            [{ stickiness: { idleSeconds: 900, maximumSeconds: 600 } }, /idle ≤ maximum/],
            [{ phase: "header", header: { name: "x-cutin", value: "v" } }, /must start with aws-cf-cd-/],
            [{ distribution: { ...base.distribution, args: { ...base.distribution.args, httpVersion: "http2and3" } } }, /HTTP\/3/],
            [
                { distribution: { ...base.distribution, args: { ...base.distribution.args, defaultCacheBehavior: { targetOriginId: "elsewhere" } } } },
                /targets no declared origin/,
            ],
        ];
        for (const [change, message] of cases) assert.throws(() => new CutinEdge("cutin", { ...base, ...change }), message);
    });
});
