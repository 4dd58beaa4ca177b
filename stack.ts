/**
 * The whole migration stack, wired from the validated config model. `index.ts` reads the
 * deployed state, refuses changes that would replace live resources, then calls
 * `defineStack`; the tests and the offline plan run index.ts the same way.
 *
 * `defineStack` is a list of named steps, in the order a reader follows the traffic; the
 * order in which a first `pulumi up` creates things comes from the dependencies each step
 * declares (`npm run plan -- --first-deploy` prints it).
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as aws from "./lib/aws";
import { CutinEdge } from "./components/cutinEdge";
import { EdgeDistribution, RoutedEdgeArgs, qaViewerFilter } from "./components/edgeDistribution";
import { FargateService } from "./components/fargateService";
import { HealthSignals, SignalTarget } from "./components/healthSignals";
import { LegacyBeanstalkPair } from "./components/legacyBeanstalkPair";
import { Network } from "./components/network";
import { RoutedAlb, RoutedTraffic } from "./components/routedAlb";
import { ViewerDns } from "./components/viewerDns";
import { StackModel, containerPortOf, routingInput } from "./lib/config";
import { DEPLOYED_STATE_REFERENCE, ORIGIN_VERIFY_PASSWORDS, StackOutputName } from "./lib/contract";
import { LiveShape } from "./lib/replacements";
import { OriginVerifySlot, PlannedRule, planRules } from "./lib/rules";
import { Position } from "./lib/position";
import { qaTokenSecretId } from "./lib/secretNames";
import { PositionRecord, ResourceCapture } from "./components/positionRecord";
import { slotHeader } from "./lib/cutin";
import { COLORS, Color, targetPercents } from "./lib/weights";

export interface StackOutputs {
    cloudfrontDomain: pulumi.Output<string>;
    albDnsName: pulumi.Output<string>;
    /**
     * Where testers read the QA token: a Secrets Manager secret id, never the token itself (stack
     * read access would otherwise be what hands it out, and it decrypts every other stack secret).
     */
    qaTokenSecretId: string;
    qaRouteHeader: string;
    qaTokenHeader: string;
    liveColors: { legacy: Color | null; spring: Color };
    /** What this update deploys; the next update reads it back as the last deployed canary. */
    canary: CanaryState;
    /** What the next update compares against to refuse replacing live resources (lib/replacements.ts). */
    liveShape: LiveShape;
    routing: { name: string; priority: number; targets: { target: string; weight: number; percent: number }[] }[];
    springServices: Record<Color, pulumi.Output<string>>;
    /** Alarm names the canary tool reads: the composite, and the per-target alarms by "side-color". */
    health: {
        compositeAlarm: pulumi.Output<string>;
        alarms: Record<string, pulumi.Output<string>[]>;
        topicArn: pulumi.Output<string>;
        dashboard: pulumi.Output<string>;
    };
    legacyEnvironments: Record<Color, pulumi.Output<string>> | null;
    /** Beanstalk's target groups: copy them into legacy.targetGroupArns to skip the tag lookup. */
    legacyTargetGroupArns: Record<Color, pulumi.Output<string>> | null;
    /** The position this update leaves (lib/position.ts): what the next update's pack and the canary tool read as deployed. */
    position: pulumi.Output<Position>;
    /** The position the operator last confirmed as known-good (null: none yet): the target of every move back. */
    knownGood: Position | null;
    /** Where the cut-in from the live system stands (null: no cut-in configured). */
    cutin: CutinState | null;
}

// The pack allows exactly the outputs lib/contract.ts lists: a new output is added there too.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const outputsListed: Same<keyof StackOutputs, StackOutputName> = true;
void outputsListed;

/** The cut-in as deployed: the next update's policies judge a phase move against it. */
export interface CutinState {
    phase: string;
    edgeWeight: number;
    /** The primary's WAF web ACL: CloudFront refuses to change it while a policy is attached. */
    webAclId: string | null;
    cutinDate: string | null;
    /** When the edge reached the top rung, and that rung's bake: promotion is judged against them. */
    topRungAt: string | null;
    topRungBakeMinutes: number;
    retired: boolean;
    /** The cut-in is over: the adopted distribution and records are the stack's permanent edge. */
    ended: boolean;
    /** For display: the old origin (null once retired) and the header-based policy's header. */
    oldOrigin: string | null;
    header: string;
}

/** The canary as deployed: the stack exports it, and the next update reads it back. */
export interface CanaryState {
    weight: number;
    routes: Record<string, number>;
}

export function canaryState(model: StackModel): CanaryState {
    return { weight: model.canary.weight, routes: Object.fromEntries(model.canary.routes.map((r) => [r.name, r.weight])) };
}

/** The shape of what carries live traffic: a later update may not replace it (lib/replacements.ts). */
export function liveShape(model: StackModel): LiveShape {
    const n = model.network;
    return {
        springLiveColor: model.spring.liveColor,
        springPorts: { blue: containerPortOf(model.spring, "blue"), green: containerPortOf(model.spring, "green") },
        legacy: model.legacyPresent ? { application: model.legacy.application, port: model.legacy.port } : null,
        network: "vpcId" in n ? n.vpcId : n.cidrBlock,
        albInternal: model.alb.internal,
    };
}

/** The exports the canary tool and the replacement check read back as "what is deployed" (besides the position). */
export function deployedState(model: StackModel): Pick<StackOutputs, "canary" | "liveColors" | "liveShape" | "cutin"> {
    const c = model.cutin;
    return {
        canary: canaryState(model),
        cutin: c
            ? {
                  phase: c.phase,
                  edgeWeight: c.edgeWeight,
                  webAclId: c.distribution.args.webAclId ?? null,
                  cutinDate: c.cutinDate ?? null,
                  topRungAt: c.topRungAt ?? null,
                  topRungBakeMinutes: c.topRungBakeMinutes,
                  retired: c.retired,
                  oldOrigin: c.retired || !c.oldPair ? null : c.oldPair[c.oldPair.liveColor].cname,
                  ended: c.ended,
                  header: slotHeader(c.header.name, c.header.send),
              }
            : null,
        liveColors: { legacy: model.legacyPresent ? model.legacy.liveColor : null, spring: model.spring.liveColor },
        liveShape: liveShape(model),
    };
}

/**
 * The stack's own previous outputs: what is deployed now. CrossGuard sees only the new
 * state, so this reference is also how the canary-step-limit policy knows where a move starts.
 */
export function deployedStateReference(): pulumi.StackReference {
    return new pulumi.StackReference(DEPLOYED_STATE_REFERENCE, {
        name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`,
    });
}

/** What every step shares. */
interface StackContext {
    model: StackModel;
    tags: Record<string, string>;
    /** Production: the rollback targets get `protect: true`. */
    protect: boolean;
}

type Secrets = { originVerify: Record<OriginVerifySlot, random.RandomPassword>; qaToken: random.RandomPassword };

/** What the program read from its last deployment. */
export interface DeployedContext {
    /** The known-good position this update keeps (index.ts decides: the deployed one's, or the deployed position once confirmed). */
    knownGood: Position | null;
}

export function defineStack(model: StackModel, deployed: DeployedContext = { knownGood: null }): StackOutputs {
    // First: every resource registered from here on is part of the position this update records.
    const capture = new ResourceCapture();
    capture.install();
    const ctx: StackContext = {
        model,
        tags: { "payments:stack": model.stack, "payments:managed-by": "pulumi", ...model.tags },
        protect: model.protectRollbackTargets,
    };
    // Already checked against the ALB limits while the config was validated (lib/config.ts).
    const rules = planRules(routingInput(model));

    const network = new Network("network", { network: model.network, tags: ctx.tags });
    const secrets = generateSecrets(ctx);
    const alb = declareAlb(ctx, network);
    const legacy = model.legacyPresent ? declareLegacy(ctx, network, alb) : undefined;
    const { spring, traffic } = declareSpringAndRouting(ctx, { network, alb, legacy, rules, secrets });
    const health = declareHealthSignals(ctx, alb, spring, legacy);
    const edge = declareEdge(ctx, alb, secrets);
    declareViewerDns(ctx, edge, traffic);
    // Last: the position of everything above, as the engine returns it (components/positionRecord.ts).
    const record = new PositionRecord("position", { views: capture.views(), knownGood: deployed.knownGood });
    return stackOutputs(ctx, { alb, legacy, spring, traffic, health, edge, secrets, record });
}

/**
 * Generated, never in code, config or stack outputs: the header CloudFront adds (so only the
 * stack's distributions can use the ALB) and the token QA testers send with a routing header.
 * The origin-verify secret has two slots, so that a rotation never has a moment where CloudFront
 * sends a value the ALB does not accept; raising a slot's generation replaces its value.
 *
 * Testers read the QA token from Secrets Manager (their IAM policy grants GetSecretValue on
 * this one secret: docs/real-aws.md), not from the stack: whoever can read the stack's outputs
 * can decrypt every secret in its state.
 */
function generateSecrets(ctx: StackContext): Secrets {
    const generation = ctx.model.alb.originVerify.generation;
    const password = (name: string, keepers?: Record<string, string>) => new random.RandomPassword(name, { length: 48, special: false, keepers });
    const qaToken = password("qa-token");
    const qaTokenSecret = new aws.secretsmanager.Secret("qa-token", {
        name: qaTokenSecretId(ctx.model.project, ctx.model.stack),
        description: `Token for the QA header routes of the payments API (${ctx.model.stack}): send it in ${ctx.model.qa.tokenHeader}`,
        tags: ctx.tags,
    });
    // The value lives in the state as a secret (RandomPassword.result is one); the fingerprint drops it (lib/resourceModel.ts).
    new aws.secretsmanager.SecretVersion("qa-token", { secretId: qaTokenSecret.id, secretString: qaToken.result });
    return {
        originVerify: {
            a: password(ORIGIN_VERIFY_PASSWORDS.a, { generation: String(generation.a) }),
            b: password(ORIGIN_VERIFY_PASSWORDS.b, { generation: String(generation.b) }),
        },
        qaToken,
    };
}

function declareAlb(ctx: StackContext, network: Network): RoutedAlb {
    return new RoutedAlb("alb", {
        vpcId: network.vpcId,
        vpcCidrs: network.vpcCidrs,
        // Internal: the private subnets, where CloudFront's VPC origin reaches it (components/routedAlb.ts).
        subnetIds: ctx.model.alb.internal ? network.privateSubnetIds : network.publicSubnetIds,
        alb: ctx.model.alb,
        protect: ctx.protect,
        tags: ctx.tags,
    });
}

function declareLegacy(ctx: StackContext, network: Network, alb: RoutedAlb): LegacyBeanstalkPair {
    return new LegacyBeanstalkPair("legacy", {
        legacy: ctx.model.legacy,
        vpcId: network.vpcId,
        privateSubnetIds: network.privateSubnetIds,
        sharedLoadBalancerArn: alb.loadBalancer.arn,
        albSecurityGroupId: alb.securityGroup.id,
        beanstalkListenerPort: alb.beanstalkListenerPort,
        // Beanstalk attaches its default rule to this listener at creation: it must exist first.
        dependsOn: [alb.httpListener, alb.trafficListener],
        // Only the pair itself can be unprotected on its own (canary decommission, step 1).
        protect: ctx.model.legacy.protect ?? ctx.protect,
        tags: ctx.tags,
    });
}

/**
 * The Spring pair and the listener rules, which need each other: ECS refuses to create a
 * service whose target group is not attached to a load balancer yet, and the rules that
 * attach them need the target groups. The single-target QA rules attach them; the services
 * wait for those rules (late-bound below); the rules that carry live weights wait for the
 * services and the Beanstalk environments: capacity before traffic.
 */
function declareSpringAndRouting(
    ctx: StackContext,
    deps: { network: Network; alb: RoutedAlb; legacy?: LegacyBeanstalkPair; rules: PlannedRule[]; secrets: Secrets },
): { spring: FargateService; traffic: RoutedTraffic } {
    const { model } = ctx;
    const { network, alb, legacy, secrets } = deps;
    let attach: (rules: pulumi.Resource[]) => void = () => undefined;
    const targetGroupsAttached = new Promise<pulumi.Resource[]>((resolve) => (attach = resolve));

    const spring = new FargateService("spring", {
        spring: model.spring,
        vpcId: network.vpcId,
        privateSubnetIds: network.privateSubnetIds,
        albSecurityGroupId: alb.securityGroup.id,
        albIdleTimeoutSeconds: model.alb.idleTimeoutSeconds,
        serviceDependsOn: targetGroupsAttached,
        protect: ctx.protect,
        tags: ctx.tags,
    });
    const traffic = alb.routeTraffic({
        rules: deps.rules,
        originVerifyValues: { a: secrets.originVerify.a.result, b: secrets.originVerify.b.result },
        qaTokenValue: secrets.qaToken.result,
        targetGroups: {
            spring: { blue: spring.colors.blue.targetGroup.arn, green: spring.colors.green.targetGroup.arn },
            ...(legacy ? { legacy: { blue: legacy.colors.blue.targetGroupArn, green: legacy.colors.green.targetGroupArn } } : {}),
        },
        weightedRulesDependOn: [...spring.services, ...(legacy?.environments ?? [])],
        migration: model.migration,
        headers: { originVerify: model.alb.originVerifyHeader, route: model.qa.routeHeader, token: model.qa.tokenHeader },
    });
    attach(traffic.targetGroupAttachments);
    return { spring, traffic };
}

function declareHealthSignals(ctx: StackContext, alb: RoutedAlb, spring: FargateService, legacy?: LegacyBeanstalkPair): HealthSignals {
    const signalTargets: SignalTarget[] = [
        ...(legacy ? COLORS.map((color) => ({ side: "legacy" as const, color, targetGroupArnSuffix: legacy.colors[color].targetGroupArnSuffix })) : []),
        ...COLORS.map((color) => ({ side: "spring" as const, color, targetGroupArnSuffix: spring.colors[color].targetGroup.arnSuffix })),
    ];
    const { notifications, ...thresholds } = ctx.model.health;
    return new HealthSignals("health", {
        loadBalancerArnSuffix: alb.loadBalancer.arnSuffix,
        targets: signalTargets,
        thresholds,
        notifications,
        tags: ctx.tags,
    });
}

/**
 * The edge in front of the routed ALB. With a cut-in, the live distribution stays the
 * viewer-facing edge (adopted, moved in phases: components/cutinEdge.ts); otherwise the
 * program declares its own distribution. Both reach the ALB the same way (routedEdgeConfig).
 */
function declareEdge(ctx: StackContext, alb: RoutedAlb, secrets: Secrets): EdgeDistribution | CutinEdge {
    const { model } = ctx;
    const viewerFilter = model.qa.sourceCidrs.length > 0 ? qaViewerFilter("qa-viewer-filter", model.qa) : undefined;
    const routed: RoutedEdgeArgs = {
        // Required with the ALB certificate (lib/config.ts): CloudFront validates the certificate against it.
        originDomain: model.edge.originDomain!,
        originVerifyHeader: model.alb.originVerifyHeader,
        originVerifyValue: secrets.originVerify[model.alb.originVerify.send].result,
        // Internal ALB: every distribution (the edge, the cut-in's staging and promoted primary) goes through its VPC origin.
        vpcOriginId: alb.vpcOriginId,
        originKeepaliveSeconds: model.edge.originKeepaliveSeconds,
        originReadTimeoutSeconds: model.edge.originReadTimeoutSeconds,
        viewerFilterArn: viewerFilter?.arn,
    };
    const originDns =
        model.edge.originDnsZoneId && model.edge.originDomain
            ? {
                  zoneId: model.edge.originDnsZoneId,
                  name: model.edge.originDomain,
                  target: { dnsName: alb.loadBalancer.dnsName, zoneId: alb.loadBalancer.zoneId },
              }
            : undefined;
    if (model.cutin) {
        const header = model.cutin.header;
        return new CutinEdge("cutin", {
            ...model.cutin,
            // The slot the policy matches; its value is secret config (lib/config.ts).
            header: { name: slotHeader(header.name, header.send), value: header.values[header.send] },
            distribution: model.cutin.distribution as ConstructorParameters<typeof CutinEdge>[1]["distribution"],
            // Once the cut-in has ended nothing of the old system is read: its application may be gone.
            oldApplication: model.cutin.ended ? undefined : model.cutin.oldPair?.application,
            railsVersions: model.cutin.oldPair && { old: model.cutin.oldPair.versionLabel, new: model.legacy[model.legacy.liveColor].versionLabel },
            routed,
            originDns,
            protect: ctx.protect,
            tags: ctx.tags,
        });
    }
    return new EdgeDistribution("edge", {
        edge: model.edge,
        routed,
        routingHeaders: [model.qa.routeHeader, model.qa.tokenHeader],
        originDns,
        protect: ctx.protect,
        tags: ctx.tags,
    });
}

/**
 * Viewer DNS last: it waits for the distribution and for the catch-all rule, which waits for
 * both Spring services and both Beanstalk environments (and so for the QA rules that attach
 * the target groups): the first viewer request finds its route.
 */
function declareViewerDns(ctx: StackContext, edge: EdgeDistribution | CutinEdge, traffic: RoutedTraffic): ViewerDns | undefined {
    const { edge: cfg } = ctx.model;
    // With a cut-in, the viewer records stay on the live distribution (adopted by CutinEdge).
    if (!cfg.aliasDnsZoneId || !(edge instanceof EdgeDistribution)) return undefined;
    return new ViewerDns("viewer-dns", {
        zoneId: cfg.aliasDnsZoneId,
        names: cfg.aliases,
        distributionDomain: edge.domainName,
        takeOver: cfg.aliasRecordsTakeOver,
        dependsOn: [edge.distribution, traffic.catchAll],
    });
}

function stackOutputs(
    ctx: StackContext,
    r: {
        alb: RoutedAlb;
        legacy?: LegacyBeanstalkPair;
        spring: FargateService;
        traffic: RoutedTraffic;
        health: HealthSignals;
        edge: EdgeDistribution | CutinEdge;
        secrets: Secrets;
        record: PositionRecord;
    },
): StackOutputs {
    const { model } = ctx;
    const { legacy, spring, health } = r;
    return {
        cloudfrontDomain: r.edge.domainName,
        albDnsName: r.alb.loadBalancer.dnsName,
        qaTokenSecretId: qaTokenSecretId(model.project, model.stack),
        qaRouteHeader: model.qa.routeHeader,
        qaTokenHeader: model.qa.tokenHeader,
        ...deployedState(model),
        position: r.record.position,
        knownGood: r.record.knownGood,
        routing: routingSummary(r.traffic.rules),
        springServices: { blue: spring.colors.blue.service.name, green: spring.colors.green.service.name },
        health: {
            compositeAlarm: health.springCanaryUnhealthy.alarmName,
            alarms: Object.fromEntries(Object.entries(health.alarms).map(([label, a]) => [label, Object.values(a).map((x) => x.name)])),
            topicArn: health.topic.arn,
            dashboard: health.dashboard.dashboardName,
        },
        legacyEnvironments: legacy ? { blue: legacy.colors.blue.environmentName, green: legacy.colors.green.environmentName } : null,
        legacyTargetGroupArns: legacyTargetGroupArns(legacy),
    };
}

/** The pair's target groups by color (looked up by tag, or from legacy.targetGroupArns), null without a pair. */
function legacyTargetGroupArns(legacy?: LegacyBeanstalkPair): Record<Color, pulumi.Output<string>> | null {
    return legacy ? { blue: legacy.colors.blue.targetGroupArn, green: legacy.colors.green.targetGroupArn } : null;
}

/** The routing table as plain data, for the stack outputs (and so for `canary status`). */
export function routingSummary(rules: readonly PlannedRule[]): StackOutputs["routing"] {
    return rules.map((rule) => {
        const percents = targetPercents(rule.targets);
        return {
            name: rule.name,
            priority: rule.priority,
            targets: rule.targets.map((t, i) => ({ target: `${t.side}-${t.color}`, weight: t.weight, percent: percents[i] })),
        };
    });
}
