/**
 * Pulumi mocks for the offline plan and the tests: every resource gets the outputs a
 * real provider would return (ids, ARNs, names, DNS names), deterministic so that two
 * plans of the same config are identical and diffs show only real changes.
 */
import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";

export const MOCK_ACCOUNT = "111111111111";
export const CLOUDFRONT_PREFIX_LIST_ID = "pl-a3a144ca";
/** The id CloudFront's VPC-origin security group (CloudFront-VPCOrigins-Service-SG) has under the mocks. */
export const CLOUDFRONT_VPC_ORIGIN_SECURITY_GROUP_ID = "sg-0cf0c0ffee0000001";

function short(text: string, n = 8): string {
    return createHash("sha1").update(text).digest("hex").slice(0, n);
}

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
    const arn = (service: string, resource: string) => `arn:aws:${service}:${region}:${MOCK_ACCOUNT}:${resource}`;

    const mocks: pulumi.runtime.Mocks = {
        newResource(args) {
            const inputs = args.inputs as Record<string, any>;
            if (opts.firstDeploy && args.type !== "pulumi:pulumi:StackReference") {
                // A first preview: nothing exists yet, so a provider knows only the inputs;
                // every computed output (ids, ARNs, names, generated values) is unknown.
                return { id: undefined, state: { ...inputs } };
            }
            const name = typeof inputs.name === "string" ? inputs.name : autoname(args.name);
            const id = `${args.name}-${short(args.type + args.name)}`;
            const state: Record<string, unknown> = { ...inputs, name };
            switch (args.type) {
                case "aws:lb/loadBalancer:LoadBalancer": {
                    const suffix = `app/${name}/${short(name, 16)}`;
                    Object.assign(state, {
                        arn: arn("elasticloadbalancing", `loadbalancer/${suffix}`),
                        arnSuffix: suffix,
                        dnsName: `${name}-${short(name, 10)}.${region}.elb.amazonaws.com`,
                        zoneId: "Z32O12XQLNTSW2",
                    });
                    break;
                }
                case "aws:lb/targetGroup:TargetGroup": {
                    const suffix = `targetgroup/${name.slice(0, 32)}/${short(name, 16)}`;
                    Object.assign(state, { arn: arn("elasticloadbalancing", suffix), arnSuffix: suffix });
                    break;
                }
                case "aws:lb/listener:Listener":
                case "aws:lb/listenerRule:ListenerRule":
                    state.arn = arn("elasticloadbalancing", `listener/app/${short(args.name, 16)}`);
                    break;
                case "aws:ec2/securityGroup:SecurityGroup":
                    return { id: `sg-${short(args.name, 17)}`, state: { ...state, arn: arn("ec2", `security-group/sg-${short(args.name, 17)}`) } };
                case "aws:elasticbeanstalk/environment:Environment": {
                    const envId = environmentId(args.name);
                    world.environmentIds.set(envId, args.name);
                    Object.assign(state, {
                        arn: arn("elasticbeanstalk", `environment/${inputs.application}/${name}`),
                        cname: `${name}.${region}.elasticbeanstalk.com`,
                        endpointUrl: `awseb-${short(name, 10)}.${region}.elb.amazonaws.com`,
                    });
                    return { id: envId, state };
                }
                case "aws:cloudfront/distribution:Distribution":
                    Object.assign(state, {
                        arn: `arn:aws:cloudfront::${MOCK_ACCOUNT}:distribution/E${short(args.name, 13).toUpperCase()}`,
                        domainName: `d${short(args.name, 13)}.cloudfront.net`,
                        hostedZoneId: "Z2FDTNDATAQYW2",
                    });
                    break;
                case "random:index/randomPassword:RandomPassword":
                    // A placeholder, never a usable secret: the plan is offline.
                    state.result = `mock-${args.name}-${short(args.name, 16)}`;
                    break;
                case "pulumi:pulumi:StackReference":
                    return { id: String(inputs.name), state: { name: inputs.name, outputs: deployedOutputs, secretOutputNames: [] } };
                case "awsx:ec2:Vpc":
                    Object.assign(state, {
                        vpcId: `vpc-${short(args.name, 17)}`,
                        publicSubnetIds: [0, 1, 2].map((i) => `subnet-${short(`${args.name}-public-${i}`, 17)}`),
                        privateSubnetIds: [0, 1, 2].map((i) => `subnet-${short(`${args.name}-private-${i}`, 17)}`),
                    });
                    break;
                default:
                    if (args.custom !== false) {
                        const [pkg, mod] = args.type.split(/[:/]/);
                        state.arn ??= arn(mod || pkg, `${args.name}/${short(args.name)}`);
                    }
            }
            return { id, state };
        },
        call(args) {
            const inputs = args.inputs as Record<string, any>;
            switch (args.token) {
                case "aws:ec2/getManagedPrefixList:getManagedPrefixList":
                    return { id: CLOUDFRONT_PREFIX_LIST_ID, name: inputs.name, addressFamily: "IPv4", maxEntries: 55 };
                case "aws:ec2/getSecurityGroup:getSecurityGroup":
                    // CloudFront's VPC-origin security group, found by name in the ALB's VPC once the VPC origin exists.
                    return {
                        id: CLOUDFRONT_VPC_ORIGIN_SECURITY_GROUP_ID,
                        name: inputs.name,
                        vpcId: inputs.vpcId,
                        arn: arn("ec2", `security-group/${CLOUDFRONT_VPC_ORIGIN_SECURITY_GROUP_ID}`),
                    };
                case "aws:ec2/getVpc:getVpc":
                    // An extended VPC: a secondary block beside the primary (the ALB must reach both).
                    return {
                        id: inputs.id,
                        cidrBlock: "10.0.0.0/16",
                        cidrBlockAssociations: [
                            { associationId: "vpc-cidr-assoc-1", cidrBlock: "10.0.0.0/16", state: "associated" },
                            { associationId: "vpc-cidr-assoc-2", cidrBlock: "100.64.0.0/16", state: "associated" },
                        ],
                    };
                case "aws:index/getRegion:getRegion":
                    return { id: region, name: region, region };
                case "aws:index/getCallerIdentity:getCallerIdentity":
                    return { accountId: MOCK_ACCOUNT, arn: `arn:aws:iam::${MOCK_ACCOUNT}:user/plan`, id: MOCK_ACCOUNT, userId: "plan" };
                case "aws:elasticbeanstalk/getSolutionStack:getSolutionStack":
                    // The newest platform whose name matches: an example name, as the API would return one.
                    return { id: region, name: "64bit Amazon Linux 2023 v4.7.1 running Ruby 3.3", nameRegex: inputs.nameRegex, mostRecent: inputs.mostRecent };
                case "aws:elb/getServiceAccount:getServiceAccount":
                    // The regional ELB account that delivers access logs (eu-west-1's, the stacks' region).
                    return { id: "156460612806", arn: "arn:aws:iam::156460612806:root" };
                case "aws:resourcegroupstaggingapi/getResources:getResources": {
                    // Beanstalk's own target group, found by its environment-id tag.
                    const envId = inputs.tagFilters?.[0]?.values?.[0] ?? "unknown";
                    const tgArn = beanstalkTargetGroupArn(region, envId);
                    const envName = world.environmentIds.get(envId);
                    if (envName) world.beanstalkTargetGroups.set(tgArn, envName);
                    return {
                        id: region,
                        resourceTagMappingLists: [{ resourceArn: tgArn, complianceDetails: [], tags: { [inputs.tagFilters?.[0]?.key]: envId } }],
                    };
                }
                case "aws:lb/getTargetGroup:getTargetGroup": {
                    // Beanstalk's own target group, found by its environment-id tag.
                    const envId = inputs.tags?.["elasticbeanstalk:environment-id"] ?? inputs.name ?? "unknown";
                    const tgArn = beanstalkTargetGroupArn(region, envId);
                    const envName = world.environmentIds.get(envId);
                    if (envName) world.beanstalkTargetGroups.set(tgArn, envName);
                    return { arn: tgArn, arnSuffix: tgArn.split(":").pop(), tags: inputs.tags ?? {} };
                }
                default:
                    return {};
            }
        },
    };
    return { mocks, world };
}

/** How an unknown value (a first preview's computed output) appears in a plan. */
export const UNKNOWN = "[unknown]";
