/**
 * The closed world: every resource type the stack declares, every input property the program
 * sets on it, and who judges each one. The policy pack refuses a type that is not here, a
 * property that is not here set to anything but its default (absent), and an option beyond
 * the ones listed (policy/closedWorld.ts). A new AWS feature becomes usable when a row here
 * names the policy that judges it.
 *
 * The same rows say what a position fingerprints (lib/position.ts): every listed property of
 * every resource, except the coordinates the position reads on its own (weights, colors,
 * images, capacity, the edge's origin and policy), so that a change anywhere else makes a move
 * forward, never back.
 *
 * Pure: no Pulumi runtime.
 */
import { COMPONENT_TYPES } from "./contract";
import { ResourceView, TYPES, UNKNOWN, Unknown, read, typeChainOf } from "./resources";

/**
 * Who judges a property: a policy of the pack by name, or `inert` for what cannot move
 * traffic, open access or hide a change (descriptions, names, tags, log settings).
 */
export type Judge = string;
const INERT = "inert";

export interface TypeModel {
    /** Each input property the program may set, and the policy that judges its value. */
    props: Readonly<Record<string, Judge>>;
    /** ignoreChanges paths allowed on this type (anything else is refused). @default none */
    ignoreChanges?: readonly string[];
    /** Whether `import` may adopt such a resource (the cut-in's live distribution and records). @default false */
    importable?: boolean;
    /** Whether the `aliases` option may move such a resource in the state without a delete (the cut-in's end). @default false */
    aliasable?: boolean;
    /** Whether `deleteBeforeReplace` may be set (Route 53 refuses a second record of the same name). @default false */
    deleteBeforeReplace?: boolean;
    /** Listed properties the fingerprint keeps resolved (a reference to another resource, by that resource's key), read before the strip. */
    resolve?: (view: ResourceView, ctx: FingerprintContext) => Props;
    /** Remove the coordinates a position reads on its own; undefined: not fingerprinted. */
    strip?: (props: Record<string, unknown>, ctx: FingerprintContext) => Record<string, unknown> | undefined;
}

export interface FingerprintContext {
    /** The cut-in's old origin (a coordinate of the edge), kept out of the primary's fingerprint. */
    oldOrigin: string | null;
    /** Which task definition an ECS service runs, stable across revisions (lib/position.ts): its image is `runs`, the choice is fingerprinted. */
    taskDefinitionOf?: (service: ResourceView) => string;
    /** Which of the stack's staging distributions a continuous deployment policy names, by key (stable while a preview recreates one). */
    stagingDistributionOf?: (policy: ResourceView) => string | Unknown;
    /** Which of the stack's continuous deployment policies a distribution attaches, by key (null: none). */
    continuousDeploymentPolicyOf?: (distribution: ResourceView) => string | null | Unknown;
}

const tags = { tags: INERT } as const;

/** The ALB's tag Beanstalk maintains (LoadBalancerIsShared: it counts the environments sharing the ALB). */
export const BEANSTALK_SHARED_ALB_TAG = "elasticbeanstalk:shared-elb-environment-count";

type Props = Record<string, unknown>;
const without = (props: Props, ...keys: string[]): Props => Object.fromEntries(Object.entries(props).filter(([k]) => !keys.includes(k)));

/**
 * A listener rule's weights and stickiness are coordinates (traffic shares, live colors,
 * stickiness). Which target groups it names stays in the fingerprint: a target at weight 0 has
 * no share, yet adding, dropping or re-pointing one is a change (a foreign target group, a
 * rollback target left out of the forward).
 */
function stripRule(props: Props): Props {
    const actions = Array.isArray(props.actions) ? props.actions : [];
    const forward = (f: Props): Props => ({
        ...without(f, "targetGroups", "stickiness"),
        targetGroups: (Array.isArray(f.targetGroups) ? f.targetGroups : []).map((g: Props) => (g && typeof g === "object" ? without(g, "weight") : g)),
    });
    return { ...props, actions: actions.map((a: Props) => (a?.forward ? { ...a, forward: forward(a.forward as Props) } : a)) };
}

/**
 * The distribution's coordinates: the old origin's domain (the cut-in's rollback target), which
 * origin the behaviors target and the policy id (the phase). The rest of the old origin (its
 * protocol, ports, timeouts, headers) stays in the fingerprint: a change there is a move like any
 * other, never "same" (a policy judging it would otherwise be excused).
 */
function stripDistribution(props: Props, ctx: FingerprintContext): Props {
    const origins = Array.isArray(props.origins) ? props.origins : [];
    const isOld = (o: Props) => !!ctx.oldOrigin && String(o?.domainName ?? "").toLowerCase() === ctx.oldOrigin;
    const behavior = (b: unknown) => (b && typeof b === "object" ? without(b as Props, "targetOriginId") : b);
    return {
        ...without(props, "continuousDeploymentPolicyId", "staging"),
        origins: origins.map((o: Props) => (isOld(o) ? { ...without(o, "domainName"), oldOrigin: true } : o)),
        defaultCacheBehavior: behavior(props.defaultCacheBehavior),
        orderedCacheBehaviors: Array.isArray(props.orderedCacheBehaviors) ? props.orderedCacheBehaviors.map(behavior) : props.orderedCacheBehaviors,
    };
}

/** A continuous deployment policy without its coordinates: `enabled` and the single weight. */
function stripContinuousDeploymentPolicy(props: Props): Props {
    const traffic = props.trafficConfig && typeof props.trafficConfig === "object" ? (props.trafficConfig as Props) : undefined;
    const weight = traffic?.singleWeightConfig && typeof traffic.singleWeightConfig === "object" ? (traffic.singleWeightConfig as Props) : undefined;
    return {
        ...without(props, "enabled"),
        ...(traffic ? { trafficConfig: { ...traffic, ...(weight ? { singleWeightConfig: without(weight, "weight") } : {}) } } : {}),
    };
}

/** The containers' images are the `runs` coordinate. */
function stripTaskDefinition(props: Props): Props {
    const json = props.containerDefinitions;
    if (typeof json !== "string") return props;
    try {
        const containers = JSON.parse(json) as Props[];
        return { ...props, containerDefinitions: containers.map((c) => without(c, "image")) };
    } catch {
        return props;
    }
}

/** The version label is `runs`, MinSize is `capacity`. */
function stripEnvironment(props: Props): Props {
    const settings = Array.isArray(props.settings) ? props.settings : [];
    return {
        ...without(props, "version"),
        settings: settings.filter((s: Props) => !(s?.namespace === "aws:autoscaling:asg" && s?.name === "MinSize")),
    };
}

const keep = (p: Props) => p;

export const RESOURCE_MODEL: Readonly<Record<string, TypeModel>> = {
    [TYPES.listenerRule]: {
        props: {
            actions: "listener-rules-accounted",
            conditions: "listener-rules-accounted",
            listenerArn: "listener-rules-accounted",
            priority: "header-routes-first",
            ...tags,
        },
        strip: stripRule,
    },
    [TYPES.listener]: {
        props: {
            loadBalancerArn: "origin-locked",
            port: "alb-https-listener",
            protocol: "alb-https-listener",
            sslPolicy: "alb-https-listener",
            // What its names cover, against what CloudFront checks: a pin in the policy config.
            certificateArn: "alb-origin-certificate",
            defaultActions: "origin-locked",
            ...tags,
        },
        strip: keep,
    },
    [TYPES.loadBalancer]: {
        props: {
            loadBalancerType: "origin-locked",
            internal: "origin-locked",
            subnets: "origin-locked",
            securityGroups: "origin-locked",
            // Against CloudFront's keep-alive and response timeout, and the app's keep-alive.
            idleTimeout: "connection-timeouts-ordered",
            dropInvalidHeaderFields: "alb-drop-invalid-headers",
            enableDeletionProtection: "alb-deletion-protection",
            accessLogs: "alb-access-logs",
            ...tags,
        },
        ignoreChanges: [`tags["${BEANSTALK_SHARED_ALB_TAG}"]`, `tagsAll["${BEANSTALK_SHARED_ALB_TAG}"]`],
        strip: keep,
    },
    [TYPES.targetGroup]: {
        props: {
            port: "targets-accounted",
            protocol: "targets-accounted",
            targetType: "targets-accounted",
            vpcId: "targets-accounted",
            // Also connection-timeouts-ordered: at least CloudFront's response timeout.
            deregistrationDelay: "rollback-time-bounded",
            // Also rollback-time-bounded: the unhealthy-hosts alarm waits for it.
            healthCheck: "zero-downtime-rollout",
            ...tags,
        },
        strip: keep,
    },
    [TYPES.securityGroup]: {
        // ingress: no-open-ingress (CIDRs), origin-locked (the ALB's), tasks-reachable (the tasks': the ALB's group only).
        props: { description: INERT, vpcId: "tasks-reachable", ingress: "no-open-ingress", egress: "tasks-reachable", ...tags },
        strip: keep,
    },
    // The internal ALB's one ingress rule (admits CloudFront's VPC-origin security group): origin-locked judges its source, no-open-ingress any CIDR.
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": {
        props: {
            securityGroupId: "origin-locked",
            referencedSecurityGroupId: "origin-locked",
            // Never set by the program (its one source is the group above): listed so that setting one is judged, not just refused.
            cidrIpv4: "no-open-ingress",
            cidrIpv6: "no-open-ingress",
            prefixListId: "origin-locked",
            ipProtocol: "origin-locked",
            fromPort: "origin-locked",
            toPort: "origin-locked",
            description: INERT,
            ...tags,
        },
        strip: keep,
    },
    // The internal ALB's CloudFront VPC origin: origin-locked checks it points at the stack's ALB, HTTPS only, TLS 1.2.
    "aws:cloudfront/vpcOrigin:VpcOrigin": { props: { vpcOriginEndpointConfig: "origin-locked", ...tags }, strip: keep },
    // Where testers read the QA token. Who may read it is IAM's (docs/real-aws.md), by its name
    // under the stack's prefix: secrets-contained keeps the name there and the value in this secret.
    "aws:secretsmanager/secret:Secret": { props: { name: "secrets-contained", description: INERT, ...tags }, strip: keep },
    "aws:secretsmanager/secretVersion:SecretVersion": {
        props: { secretId: "secrets-contained", secretString: "secrets-contained" },
        // The token is a generated secret: the fingerprint names it ("[secret:qa-token]", lib/position.ts
        // canonical), so it never holds the value, and a value that is not the generated one shows.
        strip: keep,
    },
    "aws:ecs/cluster:Cluster": { props: { settings: INERT, ...tags }, strip: keep },
    [TYPES.ecsService]: {
        props: {
            cluster: "targets-accounted",
            taskDefinition: "closed-world",
            desiredCount: "idle-color-warm",
            launchType: "single-writer",
            platformVersion: INERT,
            deploymentController: "single-writer",
            deploymentCircuitBreaker: "zero-downtime-rollout",
            deploymentMinimumHealthyPercent: "zero-downtime-rollout",
            deploymentMaximumPercent: "zero-downtime-rollout",
            healthCheckGracePeriodSeconds: "zero-downtime-rollout",
            loadBalancers: "targets-accounted",
            // Subnets and security groups: tasks-reachable; assignPublicIp: ecs-no-public-ip.
            networkConfiguration: "tasks-reachable",
            enableEcsManagedTags: INERT,
            propagateTags: INERT,
            waitForSteadyState: "zero-downtime-rollout",
            ...tags,
        },
        // desiredCount is `capacity`; the task definition's ARN changes with every revision, so the
        // fingerprint keeps which of the stack's task definitions the service runs (a rollback to
        // the known-good image registers a new revision of the same one).
        resolve: (view, ctx) => (ctx.taskDefinitionOf ? { taskDefinition: ctx.taskDefinitionOf(view) } : {}),
        strip: (p) => without(p, "desiredCount"),
    },
    [TYPES.taskDefinition]: {
        props: {
            family: INERT,
            containerDefinitions: "task-definition-contained",
            cpu: "fargate-size-valid",
            memory: "fargate-size-valid",
            networkMode: "task-definition-contained",
            requiresCompatibilities: "task-definition-contained",
            runtimePlatform: "task-definition-contained",
            executionRoleArn: "ecs-distinct-roles",
            taskRoleArn: "ecs-distinct-roles",
            ...tags,
        },
        strip: stripTaskDefinition,
    },
    "aws:cloudwatch/logGroup:LogGroup": { props: { retentionInDays: "log-retention-set", ...tags }, strip: keep },
    // managedPolicyArns and inlinePolicies: what IAM reports attached to the role, whoever attached it (the provider reads both back).
    "aws:iam/role:Role": {
        props: {
            assumeRolePolicy: "iam-least-privilege",
            managedPolicyArns: "iam-least-privilege",
            inlinePolicies: "iam-least-privilege",
            description: INERT,
            ...tags,
        },
        strip: keep,
    },
    "aws:iam/rolePolicy:RolePolicy": { props: { role: "iam-least-privilege", policy: "iam-least-privilege" }, strip: keep },
    [TYPES.beanstalkEnvironment]: {
        props: {
            application: "rollback-target-retained",
            tier: "zero-downtime-rollout",
            solutionStackName: INERT,
            platformArn: INERT,
            version: "cutin-phase-order",
            settings: "zero-downtime-rollout",
            waitForReadyTimeout: INERT,
            ...tags,
        },
        // Managed platform updates move the platform (docs/real-aws.md, "Platform updates").
        ignoreChanges: ["solutionStackName", "platformArn"],
        strip: stripEnvironment,
    },
    "aws:elasticbeanstalk/application:Application": { props: { name: INERT, description: INERT, ...tags }, strip: keep },
    "aws:elasticbeanstalk/applicationVersion:ApplicationVersion": {
        props: { application: INERT, name: INERT, bucket: INERT, key: INERT, ...tags },
        strip: keep,
    },
    // The viewer-facing distributions (the edge, the cut-in's primary and staging). policy/edge.ts
    // judges the behaviors whole (edge-behaviors-allowed; what they forward: edge-forwards-routing),
    // the web ACL (edge-web-acl-pinned) and the logs (edge-logs-contained); policy/dns.ts the
    // hostnames the records name.
    [TYPES.distribution]: {
        props: {
            enabled: "edge-behaviors-allowed",
            comment: INERT,
            aliases: "dns-owned",
            origins: "origin-locked",
            defaultCacheBehavior: "edge-behaviors-allowed",
            orderedCacheBehaviors: "edge-behaviors-allowed",
            httpVersion: "cutin-continuous-deployment-limits",
            isIpv6Enabled: INERT,
            priceClass: INERT,
            restrictions: "cutin-staging-mirrors-primary",
            viewerCertificate: "cloudfront-viewer-tls",
            webAclId: "edge-web-acl-pinned",
            loggingConfig: "edge-logs-contained",
            customErrorResponses: "edge-behaviors-allowed",
            defaultRootObject: "cutin-staging-mirrors-primary",
            staging: "cutin-phase-order",
            continuousDeploymentPolicyId: "cutin-phase-order",
            ...tags,
        },
        importable: true,
        aliasable: true,
        // The continuous deployment policy it attaches, by key: stable while a preview creates the policy (its id unknown).
        resolve: (view, ctx) => (ctx.continuousDeploymentPolicyOf ? { continuousDeploymentPolicyId: ctx.continuousDeploymentPolicyOf(view) } : {}),
        strip: stripDistribution,
    },
    [TYPES.continuousDeploymentPolicy]: {
        props: {
            enabled: "cutin-phase-order",
            stagingDistributionDnsNames: "cutin-continuous-deployment-limits",
            trafficConfig: "cutin-continuous-deployment-limits",
        },
        // `enabled` and the weight are the edge's coordinates (lib/position.ts edgeOf); everything else
        // is fingerprinted: the staging distribution it names (by key), the header and its value (a
        // fingerprint is a hash), the session stickiness. A change to any of them is a move, never "the same".
        resolve: (view, ctx) => (ctx.stagingDistributionOf ? { stagingDistributionDnsNames: ctx.stagingDistributionOf(view) } : {}),
        strip: stripContinuousDeploymentPolicy,
    },
    // The QA viewer filter: its code is what lib/viewerFilter.ts generates, published (the LIVE stage runs), on the runtime it is written for.
    [TYPES.cloudfrontFunction]: {
        props: { code: "edge-code-generated", comment: INERT, publish: "edge-code-generated", runtime: "edge-code-generated" },
        strip: keep,
    },
    "aws:cloudfront/originRequestPolicy:OriginRequestPolicy": {
        props: {
            name: INERT,
            comment: INERT,
            headersConfig: "edge-forwards-routing",
            cookiesConfig: "edge-forwards-routing",
            queryStringsConfig: "edge-forwards-routing",
        },
        strip: keep,
    },
    "aws:cloudwatch/metricAlarm:MetricAlarm": {
        props: {
            alarmDescription: INERT,
            comparisonOperator: "alarms-can-fire",
            dimensions: "alarms-can-fire",
            evaluationPeriods: "alarms-can-fire",
            extendedStatistic: "alarms-can-fire",
            metricName: "alarms-can-fire",
            metricQueries: "alarms-can-fire",
            namespace: "alarms-can-fire",
            period: "alarms-can-fire",
            statistic: "alarms-can-fire",
            threshold: "alarms-can-fire",
            treatMissingData: "alarms-can-fire",
            ...tags,
        },
        strip: keep,
    },
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": {
        props: {
            alarmName: INERT,
            alarmDescription: INERT,
            alarmRule: "alarms-can-fire",
            alarmActions: "alarms-can-fire",
            actionsEnabled: "alarms-can-fire",
            okActions: "alarms-can-fire",
            ...tags,
        },
        strip: keep,
    },
    "aws:cloudwatch/dashboard:Dashboard": { props: { dashboardName: INERT, dashboardBody: INERT }, strip: keep },
    "aws:sns/topic:Topic": { props: { ...tags }, strip: keep },
    // Who hears the alarms: alarms-can-fire holds each endpoint to the on-call allowlist (policy config).
    "aws:sns/topicSubscription:TopicSubscription": {
        props: { topic: "alarms-can-fire", protocol: "alarms-can-fire", endpoint: "alarms-can-fire" },
        strip: keep,
    },
    "aws:s3/bucket:Bucket": { props: { bucket: INERT, ...tags }, strip: keep },
    "aws:s3/bucketPolicy:BucketPolicy": { props: { bucket: "log-bucket-private", policy: "log-bucket-private" }, strip: keep },
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": {
        props: {
            bucket: "log-bucket-private",
            blockPublicAcls: "log-bucket-private",
            blockPublicPolicy: "log-bucket-private",
            ignorePublicAcls: "log-bucket-private",
            restrictPublicBuckets: "log-bucket-private",
        },
        strip: keep,
    },
    // Alias records only (no `records`, no `ttl`: closed-world): each names a distribution or the ALB of this stack.
    [TYPES.route53Record]: {
        props: {
            zoneId: "dns-owned",
            name: "dns-owned",
            type: "dns-owned",
            aliases: "dns-owned",
            allowOverwrite: "dns-owned",
        },
        importable: true,
        aliasable: true,
        strip: keep,
    },
    // keepers.generation is the origin-verify coordinate (any other keeper is fingerprinted); the value
    // is a secret. Length and character classes: secrets-contained (the program leaves the classes at
    // their default, true).
    [TYPES.randomPassword]: {
        props: {
            length: "secrets-contained",
            special: "secrets-contained",
            upper: "secrets-contained",
            lower: "secrets-contained",
            numeric: "secrets-contained",
            number: "secrets-contained",
            keepers: "origin-verify-rotation",
        },
        strip: (p) => {
            const keepers = p.keepers && typeof p.keepers === "object" ? without(p.keepers as Props, "generation") : p.keepers;
            return { ...without(p, "keepers", "result"), ...(keepers !== undefined ? { keepers } : {}) };
        },
    },
    // awsx's VPC is a remote component: its children are awsx's code (reviewed with the version pin), not judged here.
    "awsx:ec2:Vpc": {
        props: {
            cidrBlock: INERT,
            numberOfAvailabilityZones: INERT,
            natGateways: INERT,
            enableDnsHostnames: INERT,
            subnetStrategy: INERT,
            subnetSpecs: INERT,
            ...tags,
        },
    },
    [TYPES.stackReference]: { props: { name: "position-recorded" } },
    [TYPES.stack]: { props: {} },
    ...Object.fromEntries(Object.values(COMPONENT_TYPES).map((t) => [t, { props: {} }])),
};

/**
 * The resources awsx's VPC component creates (pulumi-awsx awsx/ec2/vpc.ts: the VPC, its subnets,
 * route tables, routes and associations, the internet gateway, NAT gateways and their Elastic
 * IPs, VPC endpoints). awsx is a remote component: its code, not this program, declares them,
 * and it is reviewed with its version pin. Only these types, under an awsx VPC, are left to
 * awsx; anything else the program parents under the component is judged like any resource.
 */
export const AWSX_VPC_CHILD_TYPES: ReadonlySet<string> = new Set([
    "aws:ec2/vpc:Vpc",
    "aws:ec2/subnet:Subnet",
    "aws:ec2/routeTable:RouteTable",
    "aws:ec2/routeTableAssociation:RouteTableAssociation",
    "aws:ec2/route:Route",
    "aws:ec2/internetGateway:InternetGateway",
    "aws:ec2/natGateway:NatGateway",
    "aws:ec2/eip:Eip",
    "aws:ec2/vpcEndpoint:VpcEndpoint",
]);

/** One of awsx's own VPC resources (above), under an awsx VPC component. */
export function isAwsxVpcChild(view: Pick<ResourceView, "urn" | "type">): boolean {
    return AWSX_VPC_CHILD_TYPES.has(view.type) && typeChainOf(view.urn).slice(0, -1).includes("awsx:ec2:Vpc");
}

/**
 * The props a position fingerprints for a resource (undefined: none — components, records, the
 * self-reference, a remote component's children): the model's listed properties that are set,
 * without the coordinates. A resource of a type the model does not know is fingerprinted whole.
 */
export function fingerprintProps(view: ResourceView, ctx: FingerprintContext): Props | Unknown | undefined {
    if (isAwsxVpcChild(view)) return undefined;
    const model = RESOURCE_MODEL[view.type];
    if (!model) return view.props;
    if (!model.strip) return undefined;
    // Read one property at a time: an unknown one (a preview) stays UNKNOWN, and the strip below
    // may still throw the SDK's UnknownValueError on an unknown nested value (the caller catches it).
    const resolved = model.resolve?.(view, ctx) ?? {};
    const listed = Object.fromEntries(
        Object.keys(model.props)
            .filter((k) => k in view.props)
            .map((k) => [k, k in resolved ? resolved[k] : read(() => view.props[k])]),
    );
    if (Object.values(listed).includes(UNKNOWN)) return UNKNOWN;
    return model.strip(listed, ctx);
}

/**
 * Outputs the position reads beyond a type's listed input properties (lib/position.ts: target
 * group ARNs, environment CNAMEs, names, tags, generated values, the staging distribution's domain a continuous
 * deployment policy names). With the listed properties, what
 * the program hands its position record (components/positionRecord.ts), and no more: an output
 * nobody reads must not make the record unknown in a preview.
 */
export const READ_OUTPUTS: readonly string[] = ["arn", "cname", "name", "tags", "result", "domainName"];

/** A value left at its default: not set, or empty. */
const isDefault = (v: unknown) =>
    v === undefined ||
    v === null ||
    (Array.isArray(v) && v.length === 0) ||
    (typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);

const shown = (v: unknown) => {
    const s = read(() => JSON.stringify(v));
    return s === UNKNOWN ? "(unknown)" : String(s).length > 80 ? `${String(s).slice(0, 77)}...` : String(s);
};

/** The input properties of a resource of `type` that the model has no row for and that are set (not at their default). */
export function unknownProperties(type: string, inputs: Record<string, unknown>): { key: string; value: string }[] {
    const model = RESOURCE_MODEL[type];
    if (!model) return [];
    return Object.keys(inputs)
        .filter((k) => !(k in model.props))
        .map((k) => ({ k, v: read(() => inputs[k]) }))
        .filter(({ v }) => v === UNKNOWN || !isDefault(v))
        .map(({ k, v }) => ({ key: k, value: shown(v) }));
}

/** The resource options the analyzer sees, as far as the closed world judges them. */
export interface JudgedOptions {
    ignoreChanges?: readonly string[];
    deleteBeforeReplace?: boolean;
    aliases?: readonly string[];
    customTimeouts?: { createSeconds?: number; updateSeconds?: number; deleteSeconds?: number };
    additionalSecretOutputs?: readonly string[];
}

/** Why a resource's options go beyond what the model allows its type, as sentences. */
export function optionProblems(type: string, opts: JudgedOptions): string[] {
    const model = RESOURCE_MODEL[type];
    if (!model) return [];
    const out: string[] = [];
    const ignored = (opts.ignoreChanges ?? []).filter((p) => !(model.ignoreChanges ?? []).includes(p));
    if (ignored.length > 0)
        out.push(
            `ignoreChanges ${ignored.join(", ")}: changes there would be kept from the pack and from AWS (allowed: ${(model.ignoreChanges ?? []).join(", ") || "none"})`,
        );
    if (opts.deleteBeforeReplace && !model.deleteBeforeReplace)
        out.push("deleteBeforeReplace: a replacement would delete the live resource before its successor exists");
    if ((opts.aliases ?? []).length > 0 && !model.aliasable)
        out.push(`aliases ${(opts.aliases ?? []).join(", ")}: only the edge's distribution and records move in the state by alias`);
    const t = opts.customTimeouts;
    if (t && (t.createSeconds || t.updateSeconds || t.deleteSeconds)) out.push("customTimeouts: the provider's own timeouts apply");
    if ((opts.additionalSecretOutputs ?? []).length > 0)
        out.push(`additionalSecretOutputs ${(opts.additionalSecretOutputs ?? []).join(", ")}: outputs the pack judges must stay readable`);
    return out;
}

/**
 * The options no policy pack sees (the analyzer protocol does not carry them): the program refuses
 * them itself, as it registers each resource (components/positionRecord.ts ResourceCapture).
 */
export function programOptionProblems(type: string, opts: { import?: unknown; retainOnDelete?: unknown; replaceOnChanges?: unknown }): string[] {
    const out: string[] = [];
    if (opts.import !== undefined && !RESOURCE_MODEL[type]?.importable)
        out.push(`import of a ${type}: only the cut-in adopts resources (its live distribution and records)`);
    if (opts.retainOnDelete) out.push("retainOnDelete: a resource the stack removes must go from AWS too, or it keeps serving unjudged");
    if (Array.isArray(opts.replaceOnChanges) && opts.replaceOnChanges.length > 0)
        out.push(`replaceOnChanges ${opts.replaceOnChanges.join(", ")}: a replacement of a live resource is refused (rollback-targets-not-recreated)`);
    return out;
}
