/**
 * A fake AWS for the live check: a plain "world" the tests edit (a console change, a
 * circuit-breaker rollback, an unhealthy target), served through aws-sdk-client-mock with
 * response shapes taken from the AWS API references:
 * - DescribeRules: https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeRules.html
 *   (Rule: https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_Rule.html,
 *   Action: .../API_Action.html, ForwardActionConfig: .../API_ForwardActionConfig.html,
 *   TargetGroupTuple: .../API_TargetGroupTuple.html, TargetGroupStickinessConfig: .../API_TargetGroupStickinessConfig.html;
 *   Errors: RuleNotFound)
 * - DescribeTargetHealth: https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeTargetHealth.html
 *   (TargetHealthDescription: .../API_TargetHealthDescription.html, TargetHealth: .../API_TargetHealth.html,
 *   State initial | healthy | unhealthy | unhealthy.draining | unused | draining | unavailable; Errors: TargetGroupNotFound)
 * - GetDistributionConfig: https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_GetDistributionConfig.html
 *   (DistributionConfig: https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_DistributionConfig.html; Errors: NoSuchDistribution)
 * - GetContinuousDeploymentPolicy: https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_GetContinuousDeploymentPolicy.html
 *   (ContinuousDeploymentPolicyConfig: .../API_ContinuousDeploymentPolicyConfig.html, TrafficConfig: .../API_TrafficConfig.html,
 *   ContinuousDeploymentSingleWeightConfig: .../API_ContinuousDeploymentSingleWeightConfig.html, Weight a fraction 0–0.15;
 *   Errors: NoSuchContinuousDeploymentPolicy)
 * - DescribeServices: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeServices.html
 *   (Service: .../API_Service.html, Deployment: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Deployment.html,
 *   status PRIMARY | ACTIVE | INACTIVE, rolloutState COMPLETED | FAILED | IN_PROGRESS; Failure: .../API_Failure.html, reason MISSING)
 * - DescribeTaskDefinition: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeTaskDefinition.html
 *   (ContainerDefinition.image: .../API_ContainerDefinition.html)
 * - DescribeEnvironments: https://docs.aws.amazon.com/elasticbeanstalk/latest/api/API_DescribeEnvironments.html
 *   (EnvironmentDescription: https://docs.aws.amazon.com/elasticbeanstalk/latest/api/API_EnvironmentDescription.html,
 *   Status Launching | Updating | Ready | Terminating | Terminated, Health Green | Yellow | Red | Grey)
 */
import {
    CloudFrontClient,
    GetContinuousDeploymentPolicyCommand,
    GetDistributionConfigCommand,
    NoSuchContinuousDeploymentPolicy,
    NoSuchDistribution,
} from "@aws-sdk/client-cloudfront";
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from "@aws-sdk/client-ecs";
import { DescribeEnvironmentsCommand, ElasticBeanstalkClient } from "@aws-sdk/client-elastic-beanstalk";
import {
    DescribeRulesCommand,
    DescribeTargetHealthCommand,
    ElasticLoadBalancingV2Client,
    RuleNotFoundException,
    TargetGroupNotFoundException,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { mockClient } from "aws-sdk-client-mock";
import { LiveClientsFactory } from "../../../tools/live/aws";
import { ExpectedLive, ExpectedRule, TargetLabel } from "../../../tools/live/expected";

const REGION = "eu-west-1";
const ACCOUNT = "111111111111";
export const tgArn = (label: TargetLabel) => `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/${label}-tg/${label.length}0f1e2d3c4b5a69`;
export const ruleArn = (name: string) =>
    `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:listener-rule/app/alb-7b393e3/cd5f1f9600a1b2c3/8e2f4a6b1c3d5e7f/${name}`;
export const CLUSTER = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/payments-production`;
export const taskDefinitionArn = (family: string, revision: number) => `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${family}:${revision}`;
export const DIGEST = "sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945";
export const IMAGE_BLUE = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/payments-api@${DIGEST}`;
export const IMAGE_GREEN = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/payments-api:1.3.7`;
export const ROUTED_ORIGIN = "origin.payments.example.com";
export const OLD_ORIGIN = "payments-prod.eu-west-1.elasticbeanstalk.com";

/** A rule forwarding to these labels' target groups (tgArn) with these weights. */
const rule = (name: string, priority: number, weights: Partial<Record<TargetLabel, number>>, stickiness: ExpectedRule["stickiness"]): ExpectedRule => ({
    name,
    priority,
    arn: ruleArn(name),
    targets: Object.entries(weights).map(([label, weight]) => ({ arn: tgArn(label as TargetLabel), label, weight: weight! })),
    stickiness,
});

/** Production mid-canary on the program's own distribution: Spring blue 1 % (5 % on the payment-status route), Rails green live. */
export function canaryExpected(): ExpectedLive {
    const sticky = { enabled: true, durationSeconds: 300 };
    return {
        rules: [
            rule("qa-spring", 4, { "spring-blue": 1, "spring-green": 0 }, { enabled: false }),
            rule("route-payment-status", 100, { "legacy-blue": 0, "legacy-green": 950, "spring-blue": 50, "spring-green": 0 }, sticky),
            rule("canary-default", 40000, { "legacy-blue": 0, "legacy-green": 990, "spring-blue": 10, "spring-green": 0 }, sticky),
        ],
        targetGroups: {
            "legacy-blue": tgArn("legacy-blue"),
            "legacy-green": tgArn("legacy-green"),
            "spring-blue": tgArn("spring-blue"),
            "spring-green": tgArn("spring-green"),
        },
        spring: [
            {
                color: "blue",
                serviceName: "spring-blue-6d8399b",
                cluster: CLUSTER,
                taskDefinitionArn: taskDefinitionArn("spring-blue-3f2a1b0", 7),
                image: IMAGE_BLUE,
            },
            {
                color: "green",
                serviceName: "spring-green-c5b5652",
                cluster: CLUSTER,
                taskDefinitionArn: taskDefinitionArn("spring-green-9c8d7e6", 4),
                image: IMAGE_GREEN,
            },
        ],
        legacy: [
            { color: "blue", environmentName: "legacy-blue-59ece5c", versionLabel: "rails-2026.11.1" },
            { color: "green", environmentName: "legacy-green-f4fb031", versionLabel: "rails-2026.11.2" },
        ],
        // A stack without a cut-in is at phase promoted (lib/position.ts): its own distribution, on the routed origin.
        edge: { phase: "promoted", distributionId: "E2ROUTEDEXAMPLE", primaryOrigin: { kind: "routed", domainName: ROUTED_ORIGIN }, policy: null },
        minHealthy: [
            { label: "legacy-green", min: 3 },
            { label: "spring-blue", min: 3 },
        ],
        notChecked: [],
    };
}

/** The cut-in at phase weight, 5 % of viewers to the routed ALB, Spring at 0 %. */
export function cutinExpected(): ExpectedLive {
    const base = canaryExpected();
    return {
        ...base,
        edge: {
            phase: "weight",
            distributionId: "E2QWRUHEXAMPLE",
            primaryOrigin: { kind: "old", domainName: OLD_ORIGIN },
            oldOriginDomain: OLD_ORIGIN,
            policy: { id: "b3e0f5a1-2c4d-4e6f-8a9b-0c1d2e3f4a5b", enabled: true, type: "SingleWeight", weightPercent: 5, mayBeDetached: false },
        },
    };
}

type Health = { state: string; reason?: string };
export interface World {
    rules: Record<string, { priority: string; targets: [string, number][]; stickiness?: number }>;
    health: Record<string, Health[]>;
    services: Record<string, { taskDefinition: string; rolloutState: string; rolloutStateReason: string; status?: string }>;
    images: Record<string, string>;
    environments: Record<string, { versionLabel: string; status: string; health: string }>;
    distributions: Record<string, { originId: string; domainName: string; policyId: string }>;
    policies: Record<string, { enabled: boolean; type: "SingleWeight" | "SingleHeader"; weight?: number; header?: string }>;
}

/** The AWS that matches `expected` exactly: every color about to receive traffic with `min` healthy targets, the others with 2. */
export function matchingWorld(expected: ExpectedLive): World {
    const world: World = { rules: {}, health: {}, services: {}, images: {}, environments: {}, distributions: {}, policies: {} };
    for (const r of expected.rules) {
        world.rules[r.arn!] = {
            priority: String(r.priority),
            targets: r.targets.map((t) => [t.arn, t.weight]),
            stickiness: r.stickiness.enabled ? r.stickiness.durationSeconds : undefined,
        };
    }
    for (const label of Object.keys(expected.targetGroups) as TargetLabel[]) {
        const min = expected.minHealthy.find((m) => m.label === label)?.min ?? 2;
        world.health[expected.targetGroups[label]!] = Array.from({ length: min }, () => ({ state: "healthy" }));
    }
    for (const s of expected.spring) {
        world.services[s.serviceName] = {
            taskDefinition: s.taskDefinitionArn,
            rolloutState: "COMPLETED",
            rolloutStateReason: "ECS deployment ecs-svc/1 completed.",
        };
        world.images[s.taskDefinitionArn] = s.image!;
    }
    for (const e of expected.legacy) world.environments[e.environmentName] = { versionLabel: e.versionLabel!, status: "Ready", health: "Green" };
    const edge = expected.edge!;
    const originId = edge.primaryOrigin.kind === "old" ? "old-beanstalk" : "routed-alb";
    world.distributions[edge.distributionId] = { originId, domainName: edge.primaryOrigin.domainName, policyId: edge.policy?.id ?? "" };
    if (edge.policy) {
        world.policies[edge.policy.id] = {
            enabled: edge.policy.enabled,
            type: edge.policy.type,
            weight: (edge.policy.weightPercent ?? 0) / 100,
            header: edge.policy.header,
        };
    }
    return world;
}

const meta = { httpStatusCode: 400, requestId: "5a0d3c1e-example", attempts: 1, totalRetryDelay: 0 };

function ruleResponse(world: World, arn: string) {
    const r = world.rules[arn];
    if (!r) throw new RuleNotFoundException({ $metadata: meta, message: "One or more rules not found" });
    return {
        Rules: [
            {
                RuleArn: arn,
                Priority: r.priority,
                Conditions: [{ Field: "path-pattern", PathPatternConfig: { Values: ["/*"] } }],
                Actions: [
                    {
                        Type: "forward" as const,
                        Order: 1,
                        ForwardConfig: {
                            TargetGroups: r.targets.map(([TargetGroupArn, Weight]) => ({ TargetGroupArn, Weight })),
                            TargetGroupStickinessConfig: r.stickiness === undefined ? { Enabled: false } : { Enabled: true, DurationSeconds: r.stickiness },
                        },
                    },
                ],
                IsDefault: false,
            },
        ],
    };
}

function healthResponse(world: World, arn: string) {
    const targets = world.health[arn];
    if (!targets) throw new TargetGroupNotFoundException({ $metadata: meta, message: "One or more target groups not found" });
    return {
        TargetHealthDescriptions: targets.map((t, i) => ({
            Target: { Id: `10.40.1.${10 + i}`, Port: 8080, AvailabilityZone: `${REGION}a` },
            HealthCheckPort: "8080",
            TargetHealth: { State: t.state as "healthy", ...(t.reason ? { Reason: t.reason as "Target.Timeout", Description: "Request timed out" } : {}) },
        })),
    };
}

function servicesResponse(world: World, cluster: string, names: string[]) {
    const found = names.filter((n) => world.services[n]);
    return {
        services: found.map((serviceName) => {
            const s = world.services[serviceName];
            return {
                serviceArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/payments-production/${serviceName}`,
                serviceName,
                clusterArn: cluster,
                status: s.status ?? "ACTIVE",
                desiredCount: 3,
                runningCount: 3,
                taskDefinition: s.taskDefinition,
                deployments: [
                    {
                        id: "ecs-svc/9223370470000000001",
                        status: "PRIMARY",
                        taskDefinition: s.taskDefinition,
                        desiredCount: 3,
                        runningCount: 3,
                        rolloutState: s.rolloutState as "COMPLETED",
                        rolloutStateReason: s.rolloutStateReason,
                    },
                ],
            };
        }),
        failures: names
            .filter((n) => !world.services[n])
            .map((n) => ({ arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/payments-production/${n}`, reason: "MISSING" })),
    };
}

function distributionResponse(world: World, id: string) {
    const d = world.distributions[id];
    if (!d) throw new NoSuchDistribution({ $metadata: { ...meta, httpStatusCode: 404 }, message: "The specified distribution does not exist." });
    return {
        ETag: "E2QWRUHAPOMQZL",
        DistributionConfig: {
            CallerReference: "payments-api-2019",
            Comment: "Payments API",
            Enabled: true,
            Origins: { Quantity: 1, Items: [{ Id: d.originId, DomainName: d.domainName, OriginPath: "", CustomHeaders: { Quantity: 0 } }] },
            DefaultCacheBehavior: { TargetOriginId: d.originId, ViewerProtocolPolicy: "redirect-to-https" as const },
            ContinuousDeploymentPolicyId: d.policyId,
            Staging: false,
        },
    };
}

function policyResponse(world: World, id: string) {
    const p = world.policies[id];
    if (!p)
        throw new NoSuchContinuousDeploymentPolicy({
            $metadata: { ...meta, httpStatusCode: 404 },
            message: "The continuous deployment policy does not exist.",
        });
    return {
        ETag: "E1PDCQRPEXAMPLE",
        ContinuousDeploymentPolicy: {
            Id: id,
            LastModifiedTime: new Date("2026-12-01T09:00:00Z"),
            ContinuousDeploymentPolicyConfig: {
                StagingDistributionDnsNames: { Quantity: 1, Items: ["d111111abcdef8.cloudfront.net"] },
                Enabled: p.enabled,
                TrafficConfig:
                    p.type === "SingleWeight"
                        ? {
                              Type: "SingleWeight" as const,
                              SingleWeightConfig: { Weight: p.weight, SessionStickinessConfig: { IdleTTL: 300, MaximumTTL: 600 } },
                          }
                        : { Type: "SingleHeader" as const, SingleHeaderConfig: { Header: p.header, Value: "routed-alb" } },
            },
        },
    };
}

/** The four SDK clients, mocked (every instance) by aws-sdk-client-mock. */
function mockClients() {
    return {
        elb: mockClient(ElasticLoadBalancingV2Client),
        cloudfront: mockClient(CloudFrontClient),
        ecs: mockClient(ECSClient),
        beanstalk: mockClient(ElasticBeanstalkClient),
    };
}
export type Mocks = ReturnType<typeof mockClients>;

/** Mock the clients and serve `world` through them, as it is when each call is made. */
export function serve(world: () => World): Mocks {
    const mocks = mockClients();
    install(mocks, world);
    return mocks;
}

/** Back to serving `world` only (after a test made a call fail with `reset()` and `rejects`). */
export function reinstall(mocks: Mocks, world: () => World): void {
    for (const m of Object.values(mocks)) m.reset();
    install(mocks, world);
}

function install({ elb, cloudfront, ecs, beanstalk }: Mocks, world: () => World): void {
    elb.on(DescribeRulesCommand).callsFake((input: { RuleArns: string[] }) => ruleResponse(world(), input.RuleArns[0]));
    elb.on(DescribeTargetHealthCommand).callsFake((input: { TargetGroupArn: string }) => healthResponse(world(), input.TargetGroupArn));
    ecs.on(DescribeServicesCommand).callsFake((input: { cluster: string; services: string[] }) => servicesResponse(world(), input.cluster, input.services));
    ecs.on(DescribeTaskDefinitionCommand).callsFake((input: { taskDefinition: string }) => ({
        taskDefinition: {
            taskDefinitionArn: input.taskDefinition,
            family: input.taskDefinition.split("/")[1].split(":")[0],
            containerDefinitions: [
                { name: "app", image: world().images[input.taskDefinition] ?? "unknown", essential: true, portMappings: [{ containerPort: 8080 }] },
            ],
        },
    }));
    beanstalk.on(DescribeEnvironmentsCommand).callsFake((input: { EnvironmentNames: string[] }) => ({
        Environments: input.EnvironmentNames.filter((n) => world().environments[n]).map((n) => {
            const e = world().environments[n];
            return {
                EnvironmentName: n,
                EnvironmentId: `e-${n.slice(-7)}`,
                ApplicationName: "payments-api",
                VersionLabel: e.versionLabel,
                SolutionStackName: "64bit Amazon Linux 2023 v4.3.0 running Ruby 3.3",
                Status: e.status as "Ready",
                Health: e.health as "Green",
                HealthStatus: "Ok" as const,
                CNAME: `${n}.eu-west-1.elasticbeanstalk.com`,
            };
        }),
    }));
    cloudfront.on(GetDistributionConfigCommand).callsFake((input: { Id: string }) => distributionResponse(world(), input.Id));
    cloudfront.on(GetContinuousDeploymentPolicyCommand).callsFake((input: { Id: string }) => policyResponse(world(), input.Id));
}

export function restore(mocks: Mocks): void {
    for (const m of Object.values(mocks)) m.restore();
}

/** Clients as the tool makes them (any instance is mocked while `serve` is in force). */
export const mockedClients: LiveClientsFactory = async () => ({
    elb: new ElasticLoadBalancingV2Client({ region: REGION }),
    cloudfront: new CloudFrontClient({ region: "us-east-1" }),
    ecs: new ECSClient({ region: REGION }),
    beanstalk: new ElasticBeanstalkClient({ region: REGION }),
});
