/**
 * Every policy of the pack, by domain. Tests and the offline plan import this module;
 * only index.ts constructs the PolicyPack (which starts a gRPC server).
 */
import type { EnforcementLevel, Policies } from "@pulumi/policy";
import { accessPolicies } from "./access";
import { closedWorldPolicies } from "./closedWorld";
import { cutinPolicies } from "./cutin";
import { cutinMirrorPolicies } from "./cutinMirror";
import { dnsPolicies } from "./dns";
import { edgePolicies } from "./edge";
import { healthPolicies } from "./health";
import { iamPolicies } from "./iam";
import { logPolicies } from "./logs";
import { networkPolicies } from "./network";
import { rollbackPolicies } from "./rollback";
import { rollbackTimePolicies } from "./rollbackTime";
import { rolloutPolicies } from "./rollout";
import { secretPolicies } from "./secrets";
import { securityPolicies } from "./security";
import { statePolicies } from "./state";
import { taskPolicies } from "./tasks";
import { trafficPolicies } from "./traffic";

export const POLICY_PACK_NAME = "payments-migration";
/** Without a policy config file every policy is mandatory (unless the policy says otherwise). */
export const PACK_ENFORCEMENT_LEVEL: EnforcementLevel = "mandatory";

export const policies: Policies = [
    ...statePolicies,
    ...closedWorldPolicies,
    ...rollbackPolicies,
    ...rollbackTimePolicies,
    ...trafficPolicies,
    ...accessPolicies,
    ...edgePolicies,
    ...dnsPolicies,
    ...networkPolicies,
    ...rolloutPolicies,
    ...securityPolicies,
    ...cutinPolicies,
    ...cutinMirrorPolicies,
    ...iamPolicies,
    ...secretPolicies,
    ...healthPolicies,
    ...logPolicies,
    ...taskPolicies,
];
