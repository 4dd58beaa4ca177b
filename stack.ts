/**
 * The whole migration stack, wired from the validated config model. `index.ts` calls
 * this with the stack's config; the tests and the offline plan call it the same way.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { CutinEdge } from "./components/cutinEdge";
import { EdgeDistribution, EdgeDistributionArgs } from "./components/edgeDistribution";
import { FargateService } from "./components/fargateService";
import { HealthSignals, SignalTarget } from "./components/healthSignals";
import { LegacyBeanstalkPair } from "./components/legacyBeanstalkPair";
import { Network } from "./components/network";
import { RoutedAlb } from "./components/routedAlb";
import { StackModel } from "./lib/config";
import { DEPLOYED_STATE_REFERENCE } from "./lib/contract";
import { PlannedRule, RulePlanInput, planRules, ruleSetProblems } from "./lib/rules";
import { COLORS, Color, targetPercents } from "./lib/weights";

export interface StackOutputs {
    cloudfrontDomain: pulumi.Output<string>;
    albDnsName: pulumi.Output<string>;
    /** True when the ALB has no certificate: CloudFront talks HTTP to it (staging only). */
    httpOnly: boolean;
    qaToken: pulumi.Output<string>;
    qaRouteHeader: string;
    qaTokenHeader: string;
    liveColors: { legacy: Color | null; spring: Color };
    /** What this update deploys; the next update reads it back as the last deployed canary. */
    canary: CanaryState;
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
    /** Where the cut-in from the live system stands (null: no cut-in configured). */
    cutin: CutinState | null;
}

/** The cut-in as deployed: the next update's policies judge a phase move against it. */
export interface CutinState {
    phase: string;
    edgeWeight: number;
    /** The primary's WAF web ACL: CloudFront refuses to change it while a policy is attached. */
    webAclId: string | null;
    cutinDate: string | null;
    retired: boolean;
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

/** The exports a later update (its policies, the canary tool) reads back as "what is deployed". */
export function deployedState(model: StackModel): Pick<StackOutputs, "canary" | "liveColors" | "cutin"> {
    const c = model.cutin;
    return {
        canary: canaryState(model),
        cutin: c ? { phase: c.phase, edgeWeight: c.edgeWeight, webAclId: c.distribution.args.webAclId ?? null, cutinDate: c.cutinDate ?? null, retired: c.retired, oldOrigin: c.retired ? null : c.oldPair[c.oldPair.liveColor].cname, header: c.header.name } : null,
        liveColors: { legacy: model.legacyPresent ? model.legacy.liveColor : null, spring: model.spring.liveColor },
    };
}


export function routingInput(model: StackModel): RulePlanInput {
    return {
        canaryWeight: model.canary.weight,
        stickinessSeconds: model.canary.stickinessSeconds,
        routes: model.canary.routes,
        legacyLiveColor: model.legacy.liveColor,
        springLiveColor: model.spring.liveColor,
        legacyPresent: model.legacyPresent,
        originVerifyHeader: model.alb.originVerifyHeader,
        originVerify: { send: model.alb.originVerify.send, accept: model.alb.originVerify.accept },
        qa: model.qa,
    };
}

export function defineStack(model: StackModel): StackOutputs {
    // Check the rule set against the ALB limits before a single resource is declared.
    const routing = routingInput(model);
    const plannedRules = planRules(routing);
    const problems = ruleSetProblems(plannedRules, model.alb.maxRules, model.legacyPresent);
    if (problems.length > 0) {
        throw new Error(`the ALB rule set exceeds AWS limits:\n  ${problems.join("\n  ")}`);
    }

    const tags = { "payments:stack": model.stack, "payments:managed-by": "pulumi", ...model.tags };
    const protect = model.protectRollbackTargets;

    // The stack's own previous outputs: what is deployed now. CrossGuard sees only the new
    // state, so this reference is how the canary-step-limit policy knows where a move starts.
    new pulumi.StackReference(DEPLOYED_STATE_REFERENCE, {
        name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`,
    });

    const network = new Network("network", { network: model.network, tags });

    // Generated, never written anywhere: the header CloudFront adds (so only CloudFront can
    // use the ALB) and the token QA testers send with a routing header. The origin-verify
    // secret has two slots, so that a rotation never has a moment where CloudFront sends a
    // value the ALB does not accept; raising a slot's generation replaces its value.
    const generation = model.alb.originVerify.generation;
    const originVerify = {
        a: new random.RandomPassword("origin-verify", { length: 48, special: false, keepers: { generation: String(generation.a) } }),
        b: new random.RandomPassword("origin-verify-b", { length: 48, special: false, keepers: { generation: String(generation.b) } }),
    };
    const qaToken = new random.RandomPassword("qa-token", { length: 48, special: false });

    const alb = new RoutedAlb("alb", {
        vpcId: network.vpcId,
        vpcCidr: network.vpcCidr,
        publicSubnetIds: network.publicSubnetIds,
        certificateArn: model.alb.certificateArn,
        sslPolicy: model.alb.sslPolicy,
        deletionProtection: model.alb.deletionProtection,
        idleTimeoutSeconds: model.alb.idleTimeoutSeconds,
        accessLogs: model.alb.accessLogs,
        protect,
        tags,
    });

    let legacy: LegacyBeanstalkPair | undefined;
    if (model.legacyPresent) {
        const l = model.legacy;
        legacy = new LegacyBeanstalkPair("legacy", {
            application: l.application,
            createApplication: l.createApplication,
            solutionStack: l.solutionStack,
            liveColor: l.liveColor,
            blue: l.blue,
            green: l.green,
            vpcId: network.vpcId,
            privateSubnetIds: network.privateSubnetIds,
            sharedLoadBalancerArn: alb.loadBalancer.arn,
            albSecurityGroupId: alb.securityGroup.id,
            beanstalkListenerPort: alb.beanstalkListenerPort,
            dependsOn: [alb.httpListener, alb.trafficListener],
            instanceType: l.instanceType,
            minInstances: l.minInstances,
            maxInstances: l.maxInstances,
            healthCheckPath: l.healthCheckPath,
            port: l.port,
            deploymentPolicy: l.deploymentPolicy,
            deregistrationDelaySeconds: l.deregistrationDelaySeconds,
            instanceProfile: l.instanceProfile,
            serviceRole: l.serviceRole,
            targetGroupArns: l.targetGroupArns,
            // Only the pair itself can be unprotected on its own (canary decommission, step 1).
            protect: l.protect ?? protect,
            tags,
        });
    }

    // ECS needs each Spring target group attached to the ALB before its service exists;
    // the rules that attach them need the target groups. The services therefore depend on
    // a promise that the rules below fulfil.
    let attachTargetGroups: (rules: pulumi.Resource[]) => void = () => undefined;
    const targetGroupsAttached = new Promise<pulumi.Resource[]>((resolve) => (attachTargetGroups = resolve));

    const s = model.spring;
    const spring = new FargateService("spring", {
        vpcId: network.vpcId,
        privateSubnetIds: network.privateSubnetIds,
        albSecurityGroupId: alb.securityGroup.id,
        blue: s.blue,
        green: s.green,
        cpu: s.cpu,
        memory: s.memory,
        containerPort: s.containerPort,
        healthCheckPath: s.healthCheckPath,
        healthCheckGraceSeconds: s.healthCheckGraceSeconds,
        deregistrationDelaySeconds: s.deregistrationDelaySeconds,
        logRetentionDays: s.logRetentionDays,
        albIdleTimeoutSeconds: model.alb.idleTimeoutSeconds,
        environment: s.environment,
        serviceDependsOn: targetGroupsAttached,
        protect,
        tags,
    });

    const traffic = alb.routeTraffic({
        routing,
        originVerifyValues: { a: originVerify.a.result, b: originVerify.b.result },
        qaTokenValue: qaToken.result,
        targetGroups: {
            spring: { blue: spring.colors.blue.targetGroup.arn, green: spring.colors.green.targetGroup.arn },
            ...(legacy ? { legacy: { blue: legacy.colors.blue.targetGroupArn, green: legacy.colors.green.targetGroupArn } } : {}),
        },
        weightedRulesDependOn: spring.services,
        maxRules: model.alb.maxRules,
        migration: model.migration,
    });
    attachTargetGroups(traffic.targetGroupAttachments);

    const signalTargets: SignalTarget[] = [
        ...(legacy ? COLORS.map((color) => ({ side: "legacy" as const, color, targetGroupArnSuffix: legacy!.colors[color].targetGroupArnSuffix })) : []),
        ...COLORS.map((color) => ({ side: "spring" as const, color, targetGroupArnSuffix: spring.colors[color].targetGroup.arnSuffix })),
    ];
    const { notifications, ...thresholds } = model.health;
    const health = new HealthSignals("health", {
        loadBalancerArnSuffix: alb.loadBalancer.arnSuffix,
        targets: signalTargets,
        thresholds,
        notifications,
        tags,
    });

    const originDns: EdgeDistributionArgs["originDns"] =
        model.edge.originDnsZoneId && model.edge.originDomain
            ? {
                  zoneId: model.edge.originDnsZoneId,
                  name: model.edge.originDomain,
                  target: { dnsName: alb.loadBalancer.dnsName, zoneId: alb.loadBalancer.zoneId },
              }
            : undefined;
    const routedEdge = {
        originDomain: model.edge.originDomain ?? alb.loadBalancer.dnsName,
        originProtocol: alb.httpOnly ? ("http" as const) : ("https" as const),
        originVerifyHeader: model.alb.originVerifyHeader,
        originVerifyValue: originVerify[model.alb.originVerify.send].result,
        originKeepaliveSeconds: model.edge.originKeepaliveSeconds,
        originReadTimeoutSeconds: model.edge.originReadTimeoutSeconds,
    };
    // With a cut-in, the live distribution stays the viewer-facing edge (adopted, moved in phases);
    // otherwise the program declares its own distribution in front of the ALB.
    const edge = model.cutin
        ? new CutinEdge("cutin", {
              ...model.cutin,
              distribution: model.cutin.distribution as ConstructorParameters<typeof CutinEdge>[1]["distribution"],
              oldApplication: model.cutin.oldPair.application,
              railsVersions: { old: model.cutin.oldPair.versionLabel, new: model.legacy[model.legacy.liveColor].versionLabel },
              routed: routedEdge,
              originDns,
              protect,
              tags,
          })
        : new EdgeDistribution("edge", {
              ...routedEdge,
              routingHeaders: [model.qa.routeHeader, model.qa.tokenHeader],
              aliases: model.edge.aliases,
              certificateArn: model.edge.certificateArn,
              webAclArn: model.edge.webAclArn,
              priceClass: model.edge.priceClass,
              originDns,
              aliasZoneId: model.edge.aliasDnsZoneId,
              tags,
          });

    return {
        cloudfrontDomain: edge.domainName,
        albDnsName: alb.loadBalancer.dnsName,
        httpOnly: alb.httpOnly,
        qaToken: pulumi.secret(qaToken.result),
        qaRouteHeader: model.qa.routeHeader,
        qaTokenHeader: model.qa.tokenHeader,
        ...deployedState(model),
        routing: routingSummary(traffic.rules),
        springServices: { blue: spring.colors.blue.service.name, green: spring.colors.green.service.name },
        health: {
            compositeAlarm: health.springCanaryUnhealthy.alarmName,
            alarms: Object.fromEntries(Object.entries(health.alarms).map(([label, a]) => [label, Object.values(a).map((x) => x.name)])),
            topicArn: health.topic.arn,
            dashboard: health.dashboard.dashboardName,
        },
        legacyEnvironments: legacy ? { blue: legacy.colors.blue.environmentName, green: legacy.colors.green.environmentName } : null,
    };
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
