import { strict as assert } from "node:assert";
import { diffPlans } from "../tools/plan/diff";
import { PlanInputError, runPlan } from "../tools/plan/run";
import { FIXTURES } from "./helpers";
import { plan } from "./planCache";
import { positionOf } from "../lib/position";
import type { ResourceView } from "../lib/resources";

const RULE = "aws:lb/listenerRule:ListenerRule";
const WEIGHT_PATH = /^actions\[0\]\.forward\.targetGroups\[\d\]\.weight$/;

describe("whole stacks (offline plan)", () => {
    for (const stack of ["staging", "production"]) {
        it(`${stack} plans with every component and no secret in the output`, async () => {
            const p = await plan(stack);
            const components = p.resources
                .filter((r) => r.type.startsWith("payments:migration:"))
                .map((r) => r.type)
                .sort();
            assert.deepEqual(components, [
                "payments:migration:EdgeDistribution",
                "payments:migration:FargateService",
                "payments:migration:HealthSignals",
                "payments:migration:LegacyBeanstalkPair",
                "payments:migration:Network",
                "payments:migration:PositionRecord",
                "payments:migration:RoutedAlb",
                // Viewer records only where the stack manages the viewer names' zone (edge.aliasDnsZoneId).
                ...(stack === "production" ? ["payments:migration:ViewerDns"] : []),
            ]);
            const text = JSON.stringify(p);
            assert.ok(!/mock-(origin-verify|qa-token)-/.test(text), "a generated secret leaked into the plan");
            // Testers read the token from Secrets Manager: the stack outputs name where, never what.
            assert.equal(p.outputs.qaToken, undefined);
            assert.equal(p.outputs.qaTokenSecretId, `payments-migration/${stack}/qa-token`);
            for (const r of p.resources.filter((x) => !x.type.startsWith("payments:") && x.parent !== null)) {
                assert.ok(
                    p.resources.some((c) => c.urn === r.parent),
                    `${r.name} has a parent that exists`,
                );
            }
        });
    }

    it("production protects exactly the rollback targets", async () => {
        const p = await plan("production");
        const protectedNames = p.resources
            .filter((r) => r.options.protect)
            .map((r) => r.name)
            .sort();
        // The listeners (deleting one deletes its rules) and the VPC origin carry every request, like the ALB.
        assert.deepEqual(protectedNames, [
            "alb",
            "alb-http",
            "alb-https",
            "alb-vpc-origin",
            "edge",
            "legacy-blue",
            "legacy-green",
            "spring-blue",
            "spring-green",
        ]);
        assert.equal((await plan("staging")).resources.filter((r) => r.options.protect).length, 0);
    });

    it("keeps the QA token in Secrets Manager under the stack's id, and no generated value in the outputs or the position", async () => {
        for (const stack of ["staging", "production"]) {
            const p = await plan(stack);
            const secret = p.resources.find((r) => r.type === "aws:secretsmanager/secret:Secret")!;
            assert.equal(secret.inputs.name, `payments-migration/${stack}/qa-token`);
            const version = p.resources.find((r) => r.type === "aws:secretsmanager/secretVersion:SecretVersion")!;
            assert.equal(version.inputs.secretString, "[secret:qa-token]", "the version holds the generated token");
            // The plan replaces every generated value by a placeholder: none may be in what the stack exports.
            assert.doesNotMatch(JSON.stringify(p.outputs), /\[secret:|mock-/, `${stack}: a generated secret is exported`);
        }
    });

    it("never carries the QA token in the position: the fingerprint names it, so a new token is no move and a literal value is one", () => {
        const views = (token: string, secretString = token): ResourceView[] => [
            {
                type: "random:index/randomPassword:RandomPassword",
                name: "qa-token",
                urn: "urn:pulumi:production::payments-migration::random:index/randomPassword:RandomPassword::qa-token",
                props: { length: 48, special: false, result: token },
                protect: false,
            },
            {
                type: "aws:secretsmanager/secretVersion:SecretVersion",
                name: "qa-token",
                urn: "urn:pulumi:production::payments-migration::aws:secretsmanager/secretVersion:SecretVersion::qa-token",
                props: { secretId: "payments-migration/production/qa-token", secretString },
                protect: false,
            },
        ];
        const fingerprints = (v: ResourceView[]) => positionOf(v).fingerprints;
        assert.doesNotMatch(JSON.stringify(positionOf(views("s3cr3t-token-value"))), /s3cr3t-token-value/);
        assert.deepEqual(fingerprints(views("another-value")), fingerprints(views("s3cr3t-token-value")));
        assert.notDeepEqual(fingerprints(views("s3cr3t-token-value", "1234")), fingerprints(views("s3cr3t-token-value")));
    });

    it("a canary weight change updates one listener rule's forward weights and nothing else", async () => {
        const d = diffPlans(await plan("production"), await plan("production", ["canary.weight=5"]));
        assert.deepEqual(d.added, []);
        assert.deepEqual(d.removed, []);
        assert.deepEqual(
            d.changed.map((c) => c.name),
            ["alb-canary-default"],
        );
        const paths = d.changed[0].paths;
        assert.ok(paths.length > 0 && paths.every((p) => WEIGHT_PATH.test(p)), paths.join(", "));
    });

    for (const side of ["spring", "legacy"]) {
        it(`a ${side} color flip changes only weights inside the rules that name both colors`, async () => {
            const live = side === "spring" ? "green" : "blue"; // production runs spring blue, legacy green
            const d = diffPlans(await plan("production"), await plan("production", [`${side}.liveColor=${live}`]));
            assert.deepEqual([d.added, d.removed], [[], []]);
            assert.ok(d.changed.length > 0);
            for (const c of d.changed) {
                assert.equal(c.type, RULE, `${c.name} changed`);
                assert.ok(
                    c.paths.every((p) => WEIGHT_PATH.test(p)),
                    `${c.name}: ${c.paths.join(", ")}`,
                );
            }
            assert.deepEqual(d.changed.map((c) => c.name).sort(), ["alb-canary-default", `alb-qa-${side}`, "alb-route-payment-status"]);
        });
    }

    it("a route with a fixed priority is added without touching any other rule", async () => {
        const d = diffPlans(
            await plan("production"),
            await plan("production", [
                "canary.routes[1].name=refunds",
                "canary.routes[1].paths[0]=/v1/refunds/*",
                "canary.routes[1].weight=0",
                "canary.routes[1].priority=150",
            ]),
        );
        assert.deepEqual(
            d.added.map((r) => r.name),
            ["alb-route-refunds"],
        );
        assert.deepEqual(d.removed, []);
        assert.deepEqual(d.changed, []);
    });

    it("fails on invalid config with one message and creates nothing", async () => {
        await assert.rejects(runPlan({ stack: "production", sets: ["canary.weight=150"], dir: FIXTURES }), (err: unknown) => {
            assert.ok(err instanceof PlanInputError);
            assert.match(err.message, /payments-migration:canary.weight = 150: expected a number from 0 to 100/);
            assert.equal(err.resourcesRegistered, 0);
            return true;
        });
    });

    it("plans 90 path routes within the ALB quota", async () => {
        const sets = Array.from({ length: 89 }, (_, i) => [
            `canary.routes[${i + 1}].name=r${i}`,
            `canary.routes[${i + 1}].paths[0]=/v1/r${i}/*`,
            `canary.routes[${i + 1}].weight=${(i % 10) + 0.5}`,
        ]).flat();
        const p = await runPlan({ stack: "production", sets, dir: FIXTURES });
        assert.equal(p.routing.length, 6 + 90 + 1);
        const priorities = p.routing.map((r) => r.priority);
        assert.equal(new Set(priorities).size, priorities.length);
    });
});
