/**
 * What the program promises the policy pack: the tags and names the policies read.
 * One definition, imported by both sides.
 */

/** Tags on every listener rule. Static: a weight move never changes them. */
export const RULE_ROLE_TAG = "payments:rule-role";
export const RULE_NAME_TAG = "payments:rule";
/** The forward's target groups, in order, as side-color labels ("legacy-blue spring-green"). */
export const RULE_TARGETS_TAG = "payments:targets";
/** Tag on each color's resources. */
export const COLOR_TAG = "payments:color";
/** Resource name of the stack's StackReference to itself (its last deployment). */
export const DEPLOYED_STATE_REFERENCE = "deployed-state";
/** Component type tokens. */
export const COMPONENT_TYPES = {
    network: "payments:migration:Network",
    routedAlb: "payments:migration:RoutedAlb",
    fargateService: "payments:migration:FargateService",
    legacyBeanstalkPair: "payments:migration:LegacyBeanstalkPair",
    edgeDistribution: "payments:migration:EdgeDistribution",
    healthSignals: "payments:migration:HealthSignals",
} as const;
