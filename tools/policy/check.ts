/**
 * The policy pack applied to an offline plan, with the stack's policy config file
 * (`policy-config.<stack>.json`, the same file CI passes to `--policy-pack-config`).
 */
import { PROJECT_DIR } from "../projectDir";
import type { PlanRun } from "../plan/types";
import { resolvedPolicyConfig } from "./config";
import { PolicyReport, evaluatePolicies, mandatoryViolations } from "./evaluate";
import { policies } from "../../policy/policies";

export { loadPolicyConfig, policyConfigPath, stackOrganization } from "./config";

export async function checkPlan(plan: PlanRun, opts: { dir?: string; policyConfigFile?: string } = {}): Promise<PolicyReport> {
    const config = resolvedPolicyConfig(opts.dir ?? PROJECT_DIR, plan.stack, opts.policyConfigFile);
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
