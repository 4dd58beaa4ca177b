/**
 * The policy pack applied to an offline plan, with the stack's policy config file
 * (`policy-config.<stack>.json`, the same file CI passes to `--policy-pack-config`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PACK_ENFORCEMENT_LEVEL, policies } from "../../policy/policies";
import type { PlanRun } from "../plan/run";
import { PROJECT_DIR } from "../plan/run";
import { PolicyConfigError, PolicyReport, evaluatePolicies, mandatoryViolations, resolvePolicyConfig } from "./evaluate";

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
    try {
        return JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
    } catch (err) {
        throw new PolicyConfigError(`${path.basename(file)}: ${(err as Error).message}`);
    }
}

/**
 * The organization the stack lives in, as the pack is configured with it
 * (position-recorded.organization; the default is what self-managed backends report):
 * the offline plan and the protocol run give the program the same, as `pulumi preview` does.
 */
export function stackOrganization(dir: string, stack: string): string {
    const config = resolvePolicyConfig(policies, PACK_ENFORCEMENT_LEVEL, loadPolicyConfig(dir, stack));
    return String(config["position-recorded"].properties.organization);
}

export async function checkPlan(plan: PlanRun, opts: { dir?: string; policyConfigFile?: string } = {}): Promise<PolicyReport> {
    const file = loadPolicyConfig(opts.dir ?? PROJECT_DIR, plan.stack, opts.policyConfigFile);
    const config = resolvePolicyConfig(policies, PACK_ENFORCEMENT_LEVEL, file);
    return evaluatePolicies(policies, config, plan.states);
}

export function renderViolations(report: PolicyReport): string {
    const mandatory = mandatoryViolations(report).length;
    const advisory = report.violations.length - mandatory;
    const lines = [`Policy pack: ${mandatory} mandatory, ${advisory} advisory violation(s)`];
    for (const v of [...report.violations].sort((a, b) => (a.level === b.level ? 0 : a.level === "mandatory" ? -1 : 1))) {
        const resource = v.urn ? v.urn.split("::").pop() : "(stack)";
        lines.push(`  [${v.level}] ${v.policy}  ${resource}`);
        lines.push(`      ${v.message}`);
    }
    return lines.join("\n");
}
