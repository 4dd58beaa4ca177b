/**
 * The CrossGuard policy pack: `pulumi preview --policy-pack policy --policy-pack-config policy-config.<stack>.json`.
 * Constructing the pack starts its gRPC server: never import this file from a test.
 */
import { PolicyPack } from "@pulumi/policy";
import { PACK_ENFORCEMENT_LEVEL, POLICY_PACK_NAME, policies } from "./policies";

new PolicyPack(POLICY_PACK_NAME, { enforcementLevel: PACK_ENFORCEMENT_LEVEL, policies });
