import type * as aws from "@pulumi/aws";
import type { Unwrap } from "@pulumi/pulumi";
import { PlanResource, PlanRun, runPlan } from "../tools/plan/run";
import { FIXTURES, shared } from "./helpers";

const state = shared("planCache", () => ({ cache: new Map<string, Promise<PlanRun>>(), chain: Promise.resolve() as Promise<unknown> }));

/**
 * One plan per (fixture stack, --set list, --deployed list), run one at a time (the Pulumi
 * runtime is process-global). `dir` is the project directory (@default tests/fixtures);
 * `program` a variant of the program module (@default index.ts).
 */
export async function plan(stack: string, sets: string[] = [], deployedSets: string[] = [], dir = FIXTURES, program?: string): Promise<PlanRun> {
    const key = JSON.stringify([dir, stack, sets, deployedSets, program]);
    let p = state.cache.get(key);
    if (!p) {
        p = state.chain.then(() => runPlan({ stack, sets, deployedSets, dir, program }));
        state.chain = p.catch(() => undefined);
        state.cache.set(key, p);
    }
    // Each caller its own copy: a test that edits the plan it was given must not change another's.
    return structuredClone(await p);
}

/** The provider's arguments of each resource type the tests read, by type token. */
interface ArgsByType {
    "aws:cloudfront/continuousDeploymentPolicy:ContinuousDeploymentPolicy": aws.cloudfront.ContinuousDeploymentPolicyArgs;
    "aws:cloudfront/distribution:Distribution": aws.cloudfront.DistributionArgs;
    "aws:cloudfront/function:Function": aws.cloudfront.FunctionArgs;
    "aws:cloudfront/vpcOrigin:VpcOrigin": aws.cloudfront.VpcOriginArgs;
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": aws.cloudwatch.CompositeAlarmArgs;
    "aws:cloudwatch/dashboard:Dashboard": aws.cloudwatch.DashboardArgs;
    "aws:cloudwatch/logGroup:LogGroup": aws.cloudwatch.LogGroupArgs;
    "aws:cloudwatch/metricAlarm:MetricAlarm": aws.cloudwatch.MetricAlarmArgs;
    "aws:ec2/securityGroup:SecurityGroup": aws.ec2.SecurityGroupArgs;
    "aws:ecs/service:Service": aws.ecs.ServiceArgs;
    "aws:ecs/taskDefinition:TaskDefinition": aws.ecs.TaskDefinitionArgs;
    "aws:elasticbeanstalk/application:Application": aws.elasticbeanstalk.ApplicationArgs;
    "aws:elasticbeanstalk/applicationVersion:ApplicationVersion": aws.elasticbeanstalk.ApplicationVersionArgs;
    "aws:elasticbeanstalk/environment:Environment": aws.elasticbeanstalk.EnvironmentArgs;
    "aws:iam/role:Role": aws.iam.RoleArgs;
    "aws:iam/rolePolicy:RolePolicy": aws.iam.RolePolicyArgs;
    "aws:lb/listener:Listener": aws.lb.ListenerArgs;
    "aws:lb/listenerRule:ListenerRule": aws.lb.ListenerRuleArgs;
    "aws:lb/loadBalancer:LoadBalancer": aws.lb.LoadBalancerArgs;
    "aws:lb/targetGroup:TargetGroup": aws.lb.TargetGroupArgs;
    "aws:route53/record:Record": aws.route53.RecordArgs;
    "aws:s3/bucketPolicy:BucketPolicy": aws.s3.BucketPolicyArgs;
    "aws:sns/topicSubscription:TopicSubscription": aws.sns.TopicSubscriptionArgs;
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": aws.vpc.SecurityGroupIngressRuleArgs;
}

export type PlannedType = keyof ArgsByType;

/**
 * A resource's inputs as the plan records them: what the program passed to the provider's
 * constructor, every Input resolved (secrets as their placeholder, unknowns as "[unknown]").
 */
export type InputsOf<T extends PlannedType> = Unwrap<ArgsByType[T]>;

/** A planned resource of type `T`, its inputs typed as that type's arguments. */
export type Planned<T extends PlannedType> = Omit<PlanResource, "inputs"> & { type: T; inputs: InputsOf<T> };

/** Whether `r` is of `type`; if so, its inputs are the program's arguments of that resource type. */
export const isOfType = <T extends PlannedType>(r: PlanResource, type: T): r is PlanResource & Planned<T> => r.type === type;

/** Every planned resource of `type`, in registration order. */
export function resources<T extends PlannedType>(p: { resources: readonly PlanResource[] }, type: T): Planned<T>[] {
    return p.resources.filter((r) => isOfType(r, type));
}

/** The planned resource of `type` named `name` (fails the test when there is none). */
export function resource<T extends PlannedType>(p: { resources: readonly PlanResource[] }, type: T, name: string): Planned<T> {
    const r = resources(p, type).find((x) => x.name === name);
    if (!r) throw new Error(`no ${type} named ${name}`);
    return r;
}
