/**
 * Pulumi mocks for the offline plan and the tests: every resource gets the outputs a
 * real provider would return (ids, ARNs, names, DNS names), deterministic so that two
 * plans of the same config are identical and diffs show only real changes.
 */
import { READ_OUTPUTS, RESOURCE_MODEL } from "../../lib/resourceModel";
import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";

export const MOCK_ACCOUNT = "111111111111";
export const CLOUDFRONT_PREFIX_LIST_ID = "pl-a3a144ca";
/** The id CloudFront's VPC-origin security group (CloudFront-VPCOrigins-Service-SG) has under the mocks. */
export const CLOUDFRONT_VPC_ORIGIN_SECURITY_GROUP_ID = "sg-0cf0c0ffee0000001";

function short(text: string, n = 8): string {
    return createHash("sha1").update(text).digest("hex").slice(0, n);
}

/**
 * A generated secret's mock value: random-looking and free of its name, as a real one is (the
 * pack finds a secret by its pieces: a name inside it would be found in every id and ARN).
 */
export const mockSecret = (name: string): string => short(`secret:${name}`, 40);

/** The mock id of the Beanstalk environment declared as resource `resourceName`. */
function environmentId(resourceName: string): string {
    return `e-${short(resourceName, 10)}`;
}

/** The target group Beanstalk creates for an environment (mock ARN, from its environment id). */
function beanstalkTargetGroupArn(region: string, envId: string): string {
    return `arn:aws:elasticloadbalancing:${region}:${MOCK_ACCOUNT}:targetgroup/awseb-${short(envId, 10)}/${short(envId, 16)}`;
}

/**
 * What the pair's tag lookup finds under the mocks for the environment declared as
 * `environmentResourceName`: the offline plan derives a deployed state that names it, as
 * a deployment of the same config would have exported it.
 */
export function mockBeanstalkTargetGroupArn(region: string, environmentResourceName: string): string {
    return beanstalkTargetGroupArn(region, environmentId(environmentResourceName));
}

/** Provider-style autoname: the resource name plus a stable suffix. */
function autoname(name: string): string {
    return `${name}-${short(name, 7)}`;
}

export interface RecordedResource {
    urn: string;
    type: string;
    name: string;
    parent: string | null;
    custom: boolean;
    inputs: Record<string, unknown>;
    /** What the mock returned as outputs (for the plan's routing table). */
    outputs: Record<string, unknown>;
    options: {
        protect: boolean;
        ignoreChanges: string[];
        retainOnDelete: boolean;
        dependsOn: string[];
        /** The `import` resource option (the id of a live resource to adopt), when set. */
        import?: string;
    };
}

/** Maps of fake ids so the plan can name what an ARN points at. */
export interface MockWorld {
    region: string;
    /** Beanstalk environment id → resource name. */
    environmentIds: Map<string, string>;
    /** Target group ARN (Beanstalk's, found by the environment-id tag) → environment resource name. */
    beanstalkTargetGroups: Map<string, string>;
}

/** What a mock provider knows while it answers one registration: the region, the world, the deployed outputs. */
interface MockContext {
    region: string;
    world: MockWorld;
    deployedOutputs: Record<string, unknown>;
    arn(service: string, resource: string): string;
}

/** A registration: its logical name, type, inputs, and the state built so far (inputs, `name`). */
interface Registration {
    name: string;
    type: string;
    inputs: Record<string, unknown>;
    state: Record<string, unknown>;
}

/** The inputs of the tag lookups that find Beanstalk's target group. */
interface TagLookup {
    tagFilters?: { key?: string; values?: string[] }[];
    tags?: Record<string, string>;
    name?: string;
}

type Outputs = (r: Registration, ctx: MockContext) => { id?: string; state?: Record<string, unknown> } | void;

/** The outputs a provider computes, per resource type (the rest: an ARN, for custom resources). */
const RESOURCE_OUTPUTS: Record<string, Outputs> = {
    "aws:lb/loadBalancer:LoadBalancer": ({ state }, { arn, region }) => {
        const name = String(state.name);
        const suffix = `app/${name}/${short(name, 16)}`;
        Object.assign(state, {
            arn: arn("elasticloadbalancing", `loadbalancer/${suffix}`),
            arnSuffix: suffix,
            dnsName: `${name}-${short(name, 10)}.${region}.elb.amazonaws.com`,
            zoneId: "Z32O12XQLNTSW2",
        });
    },
    "aws:lb/targetGroup:TargetGroup": ({ state }, { arn }) => {
        const suffix = `targetgroup/${String(state.name).slice(0, 32)}/${short(String(state.name), 16)}`;
        Object.assign(state, { arn: arn("elasticloadbalancing", suffix), arnSuffix: suffix });
    },
    "aws:lb/listener:Listener": ({ name, state }, { arn }) => void (state.arn = arn("elasticloadbalancing", `listener/app/${short(name, 16)}`)),
    "aws:lb/listenerRule:ListenerRule": ({ name, state }, { arn }) => void (state.arn = arn("elasticloadbalancing", `listener/app/${short(name, 16)}`)),
    "aws:ec2/securityGroup:SecurityGroup": ({ name, state }, { arn }) => ({
        id: `sg-${short(name, 17)}`,
        state: { ...state, arn: arn("ec2", `security-group/sg-${short(name, 17)}`) },
    }),
    "aws:elasticbeanstalk/environment:Environment": ({ name, inputs, state }, { arn, region, world }) => {
        const envId = environmentId(name);
        world.environmentIds.set(envId, name);
        Object.assign(state, {
            arn: arn("elasticbeanstalk", `environment/${String(inputs.application)}/${String(state.name)}`),
            cname: `${String(state.name)}.${region}.elasticbeanstalk.com`,
            endpointUrl: `awseb-${short(String(state.name), 10)}.${region}.elb.amazonaws.com`,
        });
        return { id: envId, state };
    },
    "aws:cloudfront/distribution:Distribution": ({ name, state }) =>
        void Object.assign(state, {
            arn: `arn:aws:cloudfront::${MOCK_ACCOUNT}:distribution/E${short(name, 13).toUpperCase()}`,
            domainName: `d${short(name, 13)}.cloudfront.net`,
            hostedZoneId: "Z2FDTNDATAQYW2",
        }),
    // A placeholder, never a usable secret: the plan is offline.
    "random:index/randomPassword:RandomPassword": ({ name, state }) => void (state.result = mockSecret(name)),
    "pulumi:pulumi:StackReference": ({ inputs }, { deployedOutputs }) => ({
        id: String(inputs.name),
        state: { name: inputs.name, outputs: deployedOutputs, secretOutputNames: [] },
    }),
    "awsx:ec2:Vpc": ({ name, state }) =>
        void Object.assign(state, {
            vpcId: `vpc-${short(name, 17)}`,
            publicSubnetIds: [0, 1, 2].map((i) => `subnet-${short(`${name}-public-${i}`, 17)}`),
            privateSubnetIds: [0, 1, 2].map((i) => `subnet-${short(`${name}-private-${i}`, 17)}`),
        }),
};

/** Beanstalk's own target group, found by its environment-id tag (recorded in the world for the routing table). */
function beanstalkTargetGroup(envId: string, { region, world }: MockContext): string {
    const tgArn = beanstalkTargetGroupArn(region, envId);
    const envName = world.environmentIds.get(envId);
    if (envName) world.beanstalkTargetGroups.set(tgArn, envName);
    return tgArn;
}

/** What each data source (invoke) the program calls returns. */
const CALL_RESULTS: Record<string, (inputs: Record<string, unknown>, ctx: MockContext) => Record<string, unknown>> = {
    "aws:ec2/getManagedPrefixList:getManagedPrefixList": (inputs) => ({
        id: CLOUDFRONT_PREFIX_LIST_ID,
        name: inputs.name,
        addressFamily: "IPv4",
        maxEntries: 55,
    }),
    // CloudFront's VPC-origin security group, found by name in the ALB's VPC once the VPC origin exists.
    "aws:ec2/getSecurityGroup:getSecurityGroup": (inputs, { arn }) => ({
        id: CLOUDFRONT_VPC_ORIGIN_SECURITY_GROUP_ID,
        name: inputs.name,
        vpcId: inputs.vpcId,
        arn: arn("ec2", `security-group/${CLOUDFRONT_VPC_ORIGIN_SECURITY_GROUP_ID}`),
    }),
    // An extended VPC: a secondary block beside the primary (the ALB must reach both).
    "aws:ec2/getVpc:getVpc": (inputs) => ({
        id: inputs.id,
        cidrBlock: "10.0.0.0/16",
        cidrBlockAssociations: [
            { associationId: "vpc-cidr-assoc-1", cidrBlock: "10.0.0.0/16", state: "associated" },
            { associationId: "vpc-cidr-assoc-2", cidrBlock: "100.64.0.0/16", state: "associated" },
        ],
    }),
    "aws:index/getRegion:getRegion": (_, { region }) => ({ id: region, name: region, region }),
    "aws:index/getCallerIdentity:getCallerIdentity": () => ({
        accountId: MOCK_ACCOUNT,
        arn: `arn:aws:iam::${MOCK_ACCOUNT}:user/plan`,
        id: MOCK_ACCOUNT,
        userId: "plan",
    }),
    // The newest platform whose name matches: an example name, as the API would return one.
    "aws:elasticbeanstalk/getSolutionStack:getSolutionStack": (inputs, { region }) => ({
        id: region,
        name: "64bit Amazon Linux 2023 v4.7.1 running Ruby 3.3",
        nameRegex: inputs.nameRegex,
        mostRecent: inputs.mostRecent,
    }),
    // The regional ELB account that delivers access logs (eu-west-1's, the stacks' region).
    "aws:elb/getServiceAccount:getServiceAccount": () => ({ id: "156460612806", arn: "arn:aws:iam::156460612806:root" }),
    "aws:resourcegroupstaggingapi/getResources:getResources": (inputs, ctx) => {
        const filter = (inputs as TagLookup).tagFilters?.[0];
        const envId = filter?.values?.[0] ?? "unknown";
        const tags = { [String(filter?.key)]: envId };
        return { id: ctx.region, resourceTagMappingLists: [{ resourceArn: beanstalkTargetGroup(envId, ctx), complianceDetails: [], tags }] };
    },
    "aws:lb/getTargetGroup:getTargetGroup": (inputs, ctx) => {
        const lookup = inputs as TagLookup;
        const tgArn = beanstalkTargetGroup(lookup.tags?.["elasticbeanstalk:environment-id"] ?? lookup.name ?? "unknown", ctx);
        return { arn: tgArn, arnSuffix: tgArn.split(":").pop(), tags: lookup.tags ?? {} };
    },
};

/**
 * @param deployedOutputs what a StackReference to this stack returns: the outputs of the
 *   last deployment (the plan derives them from the stack file as committed).
 */
export function createMocks(
    region: string,
    deployedOutputs: Record<string, unknown> = {},
    opts: { firstDeploy?: boolean } = {},
): { mocks: pulumi.runtime.Mocks; world: MockWorld } {
    const world: MockWorld = { region, environmentIds: new Map(), beanstalkTargetGroups: new Map() };
    const ctx: MockContext = { region, world, deployedOutputs, arn: (service, resource) => `arn:aws:${service}:${region}:${MOCK_ACCOUNT}:${resource}` };
    const mocks: pulumi.runtime.Mocks = {
        newResource(args) {
            const inputs = args.inputs as Record<string, unknown>;
            if (opts.firstDeploy && args.type !== "pulumi:pulumi:StackReference") {
                // A first preview: nothing exists yet, so a provider knows only the inputs;
                // every computed output (ids, ARNs, names, generated values) is unknown.
                return { id: undefined, state: { ...inputs } };
            }
            const name = typeof inputs.name === "string" ? inputs.name : autoname(args.name);
            const registration: Registration = { name: args.name, type: args.type, inputs, state: { ...inputs, name } };
            const computed = RESOURCE_OUTPUTS[args.type]?.(registration, ctx) ?? defaultOutputs(registration, args.custom !== false, ctx);
            return {
                id: computed?.id ?? `${args.name}-${short(args.type + args.name)}`,
                state: withEveryAttribute(args.type, computed?.state ?? registration.state),
            };
        },
        call: (args) => CALL_RESULTS[args.token]?.(args.inputs as Record<string, unknown>, ctx) ?? {},
    };
    return { mocks, world };
}

/**
 * A provider's state holds every attribute of the resource's schema, null when unset (a Terraform-
 * bridged provider returns them all): the attributes the pack and the position read are there, so
 * a preview (the protocol run is one) sees null, never an unknown, for what the program left unset.
 */
function withEveryAttribute(type: string, state: Record<string, unknown>): Record<string, unknown> {
    const model = RESOURCE_MODEL[type];
    if (!model?.strip) return state;
    const out = { ...state };
    for (const key of [...Object.keys(model.props), ...READ_OUTPUTS]) if (!(key in out)) out[key] = null;
    return out;
}

/** A custom resource of a type without its own outputs gets an ARN of its package and module. */
function defaultOutputs({ name, type, state }: Registration, custom: boolean, { arn }: MockContext): void {
    if (!custom) return;
    const [pkg, mod] = type.split(/[:/]/);
    state.arn ??= arn(mod || pkg, `${name}/${short(name)}`);
}

/** How an unknown value (a first preview's computed output) appears in a plan. */
export const UNKNOWN = "[unknown]";
