/**
 * A stack's policy config file (`policy-config.<stack>.json`, the file CI passes to
 * `--policy-pack-config`), read and resolved against the pack as the CLI would, with every
 * error naming the file.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PACK_ENFORCEMENT_LEVEL, policies } from "../../policy/policies";
import { PolicyConfigError, ResolvedPolicyConfig, resolvePolicyConfig } from "./evaluate";

export function policyConfigPath(dir: string, stack: string): string {
    return path.join(dir, `policy-config.${stack}.json`);
}

/** The policy config for a stack: an explicit file, else policy-config.<stack>.json if present, else none. */
export function loadPolicyConfig(dir: string, stack: string, explicit?: string): Record<string, unknown> {
    const file = explicit ?? policyConfigPath(dir, stack);
    if (!fs.existsSync(file)) {
        if (explicit) throw new PolicyConfigError(`no policy config file ${explicit}`);
        return {};
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
        throw new PolicyConfigError(`${path.basename(file)} is not valid JSON: ${(err as Error).message}`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        throw new PolicyConfigError(`${path.basename(file)}: expected an object of policy names to levels or settings`);
    }
    return parsed as Record<string, unknown>;
}

/** The stack's policy config resolved against the pack (defaults, levels, schemas checked), errors naming the file. */
export function resolvedPolicyConfig(dir: string, stack: string, explicit?: string): Record<string, ResolvedPolicyConfig> {
    const file = loadPolicyConfig(dir, stack, explicit);
    try {
        return resolvePolicyConfig(policies, PACK_ENFORCEMENT_LEVEL, file);
    } catch (e) {
        if (e instanceof PolicyConfigError) throw new PolicyConfigError(`${path.basename(explicit ?? policyConfigPath(dir, stack))}: ${e.message}`);
        throw e;
    }
}

/**
 * The organization the stack lives in, as the pack is configured with it
 * (position-recorded.organization; the default is what self-managed backends report):
 * the offline plan and the protocol run give the program the same, as `pulumi preview` does.
 */
export function stackOrganization(dir: string, stack: string): string {
    return String(resolvedPolicyConfig(dir, stack)["position-recorded"].properties.organization);
}
