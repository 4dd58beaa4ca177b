/**
 * The one table of input properties whose change makes the provider replace the resource
 * (delete and create, shown `+-`) instead of updating it in place. `@pulumi/aws` is the
 * Terraform AWS provider bridged: a property replaces exactly where the provider's schema
 * says `ForceNew: true` (SDKv2) or `RequiresReplace()` (plugin framework). The npm package
 * ships no schema file, so each entry names its source in hashicorp/terraform-provider-aws
 * (and terraform-provider-random for `random`). Only resource types this program declares
 * are listed (every one, tests/tools/diff.test.ts checks it); a property absent here is
 * updated in place. An empty list: no argument of that type forces a replacement.
 */

export const REPLACE_ON_CHANGE: Readonly<Record<string, readonly string[]>> = {
    // internal/service/elbv2/target_group.go: name, name_prefix, port, protocol, protocol_version, vpc_id, target_type, ip_address_type
    "aws:lb/targetGroup:TargetGroup": ["name", "namePrefix", "port", "protocol", "protocolVersion", "vpcId", "targetType", "ipAddressType"],
    // internal/service/elbv2/listener_rule.go: listener_arn
    "aws:lb/listenerRule:ListenerRule": ["listenerArn"],
    // internal/service/elbv2/listener.go: load_balancer_arn
    "aws:lb/listener:Listener": ["loadBalancerArn"],
    // internal/service/elbv2/load_balancer.go: name, name_prefix, internal, load_balancer_type
    "aws:lb/loadBalancer:LoadBalancer": ["name", "namePrefix", "internal", "loadBalancerType"],
    // internal/service/elasticbeanstalk/environment.go: name, cname_prefix, tier are ForceNew.
    // application too in effect: UpdateEnvironment has no ApplicationName (Elastic Beanstalk API
    // reference), an environment cannot move to another application. solution_stack_name,
    // platform_arn, version_label and setting are updated in place by UpdateEnvironment.
    "aws:elasticbeanstalk/environment:Environment": ["name", "application", "cnamePrefix", "tier"],
    // internal/service/elasticbeanstalk/application.go: name
    "aws:elasticbeanstalk/application:Application": ["name"],
    // internal/service/elasticbeanstalk/application_version.go: application, bucket, key, name
    "aws:elasticbeanstalk/applicationVersion:ApplicationVersion": ["application", "bucket", "key", "name"],
    // internal/service/ecs/service.go: name, cluster, iam_role, scheduling_strategy
    "aws:ecs/service:Service": ["name", "cluster", "iamRole", "schedulingStrategy"],
    // internal/service/ecs/task_definition.go: a task definition revision is immutable — every
    // argument but tags (and skip_destroy / track_latest) forces a new revision
    "aws:ecs/taskDefinition:TaskDefinition": [
        "family",
        "containerDefinitions",
        "cpu",
        "memory",
        "executionRoleArn",
        "taskRoleArn",
        "networkMode",
        "requiresCompatibilities",
        "runtimePlatform",
        "volumes",
        "ephemeralStorage",
        "pidMode",
        "ipcMode",
        "proxyConfiguration",
        "placementConstraints",
    ],
    // internal/service/ecs/cluster.go: name
    "aws:ecs/cluster:Cluster": ["name"],
    // internal/service/ec2/vpc_security_group.go: name, name_prefix, description, vpc_id
    "aws:ec2/securityGroup:SecurityGroup": ["name", "namePrefix", "description", "vpcId"],
    // internal/service/logs/group.go: name, name_prefix
    "aws:cloudwatch/logGroup:LogGroup": ["name", "namePrefix"],
    // internal/service/cloudwatch/metric_alarm.go and composite_alarm.go: alarm_name
    "aws:cloudwatch/metricAlarm:MetricAlarm": ["name"],
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": ["alarmName"],
    // internal/service/cloudwatch/dashboard.go: dashboard_name
    "aws:cloudwatch/dashboard:Dashboard": ["dashboardName"],
    // internal/service/iam/role.go: name, name_prefix, path
    "aws:iam/role:Role": ["name", "namePrefix", "path"],
    // internal/service/iam/role_policy.go: name, name_prefix, role
    "aws:iam/rolePolicy:RolePolicy": ["name", "namePrefix", "role"],
    // internal/service/route53/record.go: name, zone_id
    "aws:route53/record:Record": ["name", "zoneId"],
    // internal/service/sns/topic.go: name, name_prefix, fifo_topic
    "aws:sns/topic:Topic": ["name", "namePrefix", "fifoTopic"],
    // internal/service/sns/topic_subscription.go: topic_arn, protocol, endpoint
    "aws:sns/topicSubscription:TopicSubscription": ["topic", "protocol", "endpoint"],
    // internal/service/cloudfront/distribution.go: no ForceNew argument — every change is an
    // update, though one that takes minutes to deploy
    "aws:cloudfront/distribution:Distribution": [],
    // internal/service/cloudfront/continuous_deployment_policy.go (plugin framework): no
    // RequiresReplace — weight, header and staging DNS names change in place (UpdateContinuousDeploymentPolicy)
    "aws:cloudfront/continuousDeploymentPolicy:ContinuousDeploymentPolicy": [],
    // internal/service/cloudfront/vpc_origin.go (plugin framework): no RequiresReplace — the
    // endpoint config changes in place (UpdateVpcOrigin), waiting until it is deployed again
    "aws:cloudfront/vpcOrigin:VpcOrigin": [],
    // internal/service/ec2/vpc_security_group_ingress_rule.go (plugin framework): security_group_id
    // (a change of the source's kind, e.g. group → CIDR, also replaces it: its ModifyPlan)
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ["securityGroupId"],
    // internal/service/secretsmanager/secret.go: name, name_prefix
    "aws:secretsmanager/secret:Secret": ["name", "namePrefix"],
    // internal/service/secretsmanager/secret_version.go: secret_id, secret_string, secret_binary
    // (a new token is a new version: the QA token's rotation)
    "aws:secretsmanager/secretVersion:SecretVersion": ["secretId", "secretString", "secretBinary"],
    // internal/service/cloudfront/function.go: name (code, runtime and comment are updated and republished)
    "aws:cloudfront/function:Function": ["name"],
    // internal/service/s3/bucket.go: bucket, bucket_prefix, object_lock_enabled
    "aws:s3/bucket:Bucket": ["bucket", "bucketPrefix", "objectLockEnabled"],
    // internal/service/s3/bucket_policy.go: bucket
    "aws:s3/bucketPolicy:BucketPolicy": ["bucket"],
    // internal/service/s3/bucket_public_access_block.go: bucket
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": ["bucket"],
    // terraform-provider-random internal/provider/resource_password.go: every argument has
    // RequiresReplace — a new value is generated (e.g. the origin-verify keepers.generation)
    "random:index/randomPassword:RandomPassword": [
        "keepers",
        "length",
        "special",
        "upper",
        "lower",
        "numeric",
        "number",
        "minNumeric",
        "minUpper",
        "minLower",
        "minSpecial",
        "overrideSpecial",
    ],
};

/** The top-level input property a diff path starts with: `actions[0].forward…` → `actions`. */
export function topProperty(path: string): string {
    return /^[^.[]+/.exec(path)?.[0] ?? path;
}

/** Whether a change at `path` (an input property path) makes the provider replace a resource of `type`. */
export function forcesReplacement(type: string, path: string): boolean {
    return REPLACE_ON_CHANGE[type]?.includes(topProperty(path)) ?? false;
}
