/**
 * ExpectedLive from what is deployed: the deployed position and the deployed resources, as the
 * canary tool reads them once per command (readDeployedView over the fake engine of
 * tests/tools/canary/harness.ts, whose deployment is a program run of a stack file's config).
 * Never from the stack file: a step written and not deployed is not what AWS runs.
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { Position } from "../../../lib/position";
import { DeployedResource } from "../../../tools/canary/adapters";
import { DeployedView, readDeployedView } from "../../../tools/canary/deployed";
import { OutputsUnreadable, expectedLive, minHealthy, minHealthyAfter } from "../../../tools/live/expected";
import { FIXTURES } from "../../helpers";
import { FakeEngine, edited, tempProject, writeEdits } from "../canary/harness";

const CUTIN = path.join(FIXTURES, "cutin");
const IMAGE = "111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api";

/** The deployment of `dir`'s production stack: its stack file as given, or `deployedEdits` of it deployed (the file left as is). */
async function deployed(dir = tempProject(), deployedEdits?: Record<string, unknown>): Promise<DeployedView> {
    const engine = new FakeEngine(dir);
    if (deployedEdits) await engine.deploy("production", edited(dir, "production", deployedEdits));
    return readDeployedView(engine, "production");
}

/** The one deployed resource whose URN ends with `::name`. */
function resource(view: DeployedView, type: string, name: string): DeployedResource {
    const found = view.resources.filter((r) => r.type === type && r.urn.endsWith(`::${name}`));
    assert.equal(found.length, 1, `one ${type} named ${name}`);
    return found[0];
}
const arnOf = (view: DeployedView, type: string, name: string) => String(resource(view, type, name).outputs.arn);
const TG = "aws:lb/targetGroup:TargetGroup";

describe("live check: ExpectedLive from the deployed position and resources", () => {
    it("production mid-canary: each deployed rule by its ARN, with its target groups, weights and stickiness; services, environments and the edge", async () => {
        const view = await deployed();
        const expected = expectedLive(view);
        const outputs = view.outputs as {
            springServices: Record<string, string>;
            legacyEnvironments: Record<string, string>;
            legacyTargetGroupArns: Record<string, string>;
        };
        const tg = {
            "legacy-blue": outputs.legacyTargetGroupArns.blue,
            "legacy-green": outputs.legacyTargetGroupArns.green,
            "spring-blue": arnOf(view, TG, "spring-blue-tg"),
            "spring-green": arnOf(view, TG, "spring-green-tg"),
        };
        assert.deepEqual(expected.targetGroups, {
            "spring-blue": tg["spring-blue"],
            "spring-green": tg["spring-green"],
            "legacy-blue": tg["legacy-blue"],
            "legacy-green": tg["legacy-green"],
        });
        const catchAll = expected.rules.find((r) => r.name === "canary-default");
        assert.deepEqual(catchAll, {
            name: "canary-default",
            priority: 40000,
            arn: arnOf(view, "aws:lb/listenerRule:ListenerRule", "alb-canary-default"),
            targets: [
                { arn: tg["legacy-blue"], label: "legacy-blue", weight: 0 },
                { arn: tg["legacy-green"], label: "legacy-green", weight: 990 },
                { arn: tg["spring-blue"], label: "spring-blue", weight: 10 },
                { arn: tg["spring-green"], label: "spring-green", weight: 0 },
            ],
            stickiness: { enabled: true, durationSeconds: 300 },
        });
        // A QA rule names its target every time: no stickiness.
        assert.deepEqual(expected.rules.find((r) => r.name === "qa-spring-green")?.stickiness, { enabled: false });
        assert.deepEqual(
            expected.rules.map((r) => r.priority),
            [1, 2, 3, 4, 5, 6, 100, 40000],
        );
        assert.equal(new Set(expected.rules.map((r) => r.arn)).size, 8, "every rule by its own ARN");
        assert.deepEqual(expected.spring, [
            {
                color: "blue",
                serviceName: outputs.springServices.blue,
                cluster: arnOf(view, "aws:ecs/cluster:Cluster", "spring-cluster"),
                taskDefinitionArn: arnOf(view, "aws:ecs/taskDefinition:TaskDefinition", "spring-blue-task"),
                image: `${IMAGE}:1.4.0`,
            },
            {
                color: "green",
                serviceName: outputs.springServices.green,
                cluster: arnOf(view, "aws:ecs/cluster:Cluster", "spring-cluster"),
                taskDefinitionArn: arnOf(view, "aws:ecs/taskDefinition:TaskDefinition", "spring-green-task"),
                image: `${IMAGE}:1.3.7`,
            },
        ]);
        assert.deepEqual(expected.legacy, [
            { color: "blue", environmentName: outputs.legacyEnvironments.blue, versionLabel: "rails-2026.11.1" },
            { color: "green", environmentName: outputs.legacyEnvironments.green, versionLabel: "rails-2026.11.2" },
        ]);
        // No cut-in: the program's own distribution, at phase promoted, on the routed origin.
        assert.deepEqual(expected.edge, {
            phase: "promoted",
            distributionId: resource(view, "aws:cloudfront/distribution:Distribution", "edge").id,
            primaryOrigin: { kind: "routed", domainName: "origin.payments.example.com" },
            policy: null,
        });
        assert.deepEqual(expected.notChecked, []);
    });

    it("what is deployed, never the stack file: a step written and not deployed is not expected; one deployed and not merged is", async () => {
        const dir = tempProject();
        writeEdits(dir, "production", { "canary.weight": 5 });
        const written = expectedLive(await deployed(dir, { "canary.weight": 1 }));
        const weights = (e: typeof written) => e.rules.find((r) => r.name === "canary-default")?.targets.map((t) => [t.label, t.weight]);
        assert.deepEqual(weights(written), [
            ["legacy-blue", 0],
            ["legacy-green", 990],
            ["spring-blue", 10],
            ["spring-green", 0],
        ]);
        const merged = expectedLive(await deployed(tempProject(), { "canary.weight": 50, "spring.liveColor": "green", "spring.green.desiredCount": 3 }));
        assert.deepEqual(weights(merged), [
            ["legacy-blue", 0],
            ["legacy-green", 500],
            ["spring-blue", 0],
            ["spring-green", 500],
        ]);
    });

    it("the colors about to receive traffic: those a public rule gives a share, each at the capacity deployed for it (at least 1)", async () => {
        const view = await deployed();
        // Production: Rails green live (MinSize 3), Spring blue 1 % (3 tasks).
        assert.deepEqual(expectedLive(view).minHealthy, [
            { label: "legacy-green", min: 3 },
            { label: "spring-blue", min: 3 },
        ]);
        // Spring at 0 % everywhere: only Rails receives traffic; the QA rules' weights do not count.
        const railsOnly = await deployed(tempProject(), { "canary.weight": 0, "canary.routes[0].weight": 0 });
        assert.deepEqual(expectedLive(railsOnly).minHealthy, [{ label: "legacy-green", min: 3 }]);
        // A step to Spring green: green's deployed capacity (2), whatever the step's plan declares for it.
        const after: Position = structuredClone(view.position);
        after.traffic = after.traffic.map((e) => ({ ...e, shares: { "legacy-green": 99, "spring-green": 1 } }));
        after.capacity.spring.green = 6;
        assert.deepEqual(minHealthyAfter({ position: after }, view.position), [
            { label: "legacy-green", min: 3 },
            { label: "spring-green", min: 2 },
        ]);
        // A deployed capacity of 0, or none readable: still one healthy target before traffic.
        const empty: Position = structuredClone(view.position);
        empty.capacity = { spring: { blue: 0, green: null }, legacy: null };
        assert.deepEqual(minHealthy(after, empty), [
            { label: "legacy-green", min: 1 },
            { label: "spring-green", min: 1 },
        ]);
    });

    it("the cut-in: the primary's origin and the policy as deployed at each phase", async () => {
        const policyOf = (view: DeployedView) => resource(view, "aws:cloudfront/continuousDeploymentPolicy:ContinuousDeploymentPolicy", "cutin-policy").id;
        const adopted = await deployed(tempProject(CUTIN));
        const primary = resource(adopted, "aws:cloudfront/distribution:Distribution", "cutin-primary").id;
        assert.deepEqual(expectedLive(adopted).edge, {
            phase: "adopted",
            distributionId: primary,
            primaryOrigin: { kind: "old", domainName: "payments-prod.eu-west-1.elasticbeanstalk.com" },
            oldOriginDomain: "payments-prod.eu-west-1.elasticbeanstalk.com",
            policy: null,
        });
        // The header is the slot's (lib/cutin.ts slotHeader), as the deployed policy names it.
        const header = await deployed(tempProject(CUTIN), { "cutin.phase": "header" });
        assert.deepEqual(expectedLive(header).edge?.policy, {
            id: policyOf(header),
            enabled: true,
            type: "SingleHeader",
            header: "aws-cf-cd-payments-cutin-a",
            mayBeDetached: false,
        });
        const weight = await deployed(tempProject(CUTIN), { "cutin.phase": "weight", "cutin.edgeWeight": 1 });
        assert.deepEqual(expectedLive(weight).edge?.policy, {
            id: policyOf(weight),
            enabled: true,
            type: "SingleWeight",
            weightPercent: 1,
            mayBeDetached: false,
        });
        assert.deepEqual(expectedLive(weight).notChecked, []);
    });

    it("what the deployed state does not record is not checked, and says what is missing", async () => {
        const view = await deployed();
        const without = (type: string, key: string): DeployedResource[] =>
            view.resources.map((r) => (r.type === type ? { ...r, outputs: { ...r.outputs, [key]: undefined } } : r));
        const broken: DeployedView = {
            ...view,
            position: { ...view.position, edge: { ...view.position.edge, phase: null, problem: "two viewer distributions" } },
            resources: without("aws:lb/listenerRule:ListenerRule", "actions").filter(
                (r) => !(r.type === "aws:ecs/service:Service" && r.urn.endsWith("::spring-green")),
            ),
        };
        const expected = expectedLive(broken);
        assert.deepEqual([expected.rules, expected.spring.map((s) => s.color), expected.edge], [[], ["blue"], null]);
        assert.deepEqual(expected.notChecked.slice(-2), [
            "spring-green: the deployed state records no ECS service tagged payments:color=green with its name, cluster and task definition",
            "the edge: the deployed position fits no cut-in phase (two viewer distributions)",
        ]);
        assert.equal(expected.notChecked.length, 8 + 2);
        for (const line of expected.notChecked.slice(0, 8))
            assert.match(line, /^rule [\w-]+: the deployed state records no ARN or no single forward with its target groups and weights$/);
    });

    it("a step's plan that cannot say where it sends traffic is refused with the reason", async () => {
        const view = await deployed();
        assert.throws(() => minHealthyAfter({}, view.position), OutputsUnreadable);
        assert.throws(
            () => minHealthyAfter({ position: { version: 1 } }, view.position),
            /the step's plan cannot say where it sends traffic: position version 1 is not 2/,
        );
    });
});
