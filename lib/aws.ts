/**
 * The @pulumi/aws modules this program uses, imported one by one. The package index also
 * loads every service's enums, which costs the offline tools about 0.1 s per run for
 * nothing; with these imports a component still reads `aws.lb.ListenerRule`.
 */
export * as cloudfront from "@pulumi/aws/cloudfront";
export * as cloudwatch from "@pulumi/aws/cloudwatch";
export * as ec2 from "@pulumi/aws/ec2";
export * as ecs from "@pulumi/aws/ecs";
export * as elasticbeanstalk from "@pulumi/aws/elasticbeanstalk";
export * as elb from "@pulumi/aws/elb";
export * as iam from "@pulumi/aws/iam";
export * as lb from "@pulumi/aws/lb";
export * as resourcegroupstaggingapi from "@pulumi/aws/resourcegroupstaggingapi";
export * as route53 from "@pulumi/aws/route53";
export * as s3 from "@pulumi/aws/s3";
export * as secretsmanager from "@pulumi/aws/secretsmanager";
export * as sns from "@pulumi/aws/sns";
export * as vpc from "@pulumi/aws/vpc";
export { getRegionOutput } from "@pulumi/aws/getRegion";
export type * as types from "@pulumi/aws/types";
