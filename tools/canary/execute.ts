/**
 * Carry out a proposal step by step: edit the stack file in memory, plan it offline,
 * run the policy pack, show before/after routing and the resource diff, and only then
 * write the file (and, with --apply, run the update). A step that the pack refuses is
 * not written — unless it is a move back, which is never blocked.
 */
import { StackModel, modelFromFlatConfig } from "../../lib/config";
import { PACK_ENFORCEMENT_LEVEL, policies } from "../../policy/policies";
import { diffPlans, renderDiff } from "../plan/diff";
import { renderRouting } from "../plan/render";
import { runPlan } from "../plan/run";
import { checkPlan, loadPolicyConfig, renderViolations } from "../policy/check";
import { mandatoryViolations, resolvePolicyConfig } from "../policy/evaluate";
import { Engine, upCommand } from "./adapters";
import { Proposal } from "./proposals";
import { StackDocument } from "./stackDocument";

export interface CanaryContext {
    dir: string;
    stack: string;
    /** Run `pulumi up` (Automation API, policy pack) after writing each step. */
    apply: boolean;
    engine: Engine;
    out: (text: string) => void;
}

export function readModel(ctx: Pick<CanaryContext, "dir" | "stack">): StackModel {
    const loaded = StackDocument.read(ctx.dir, ctx.stack).loaded();
    return modelFromFlatConfig(loaded.config, loaded.project, loaded.stack);
}

/** The ladder the canary-step-limit policy enforces for this stack (its policy config, or the schema default). */
export function ladderOf(dir: string, stack: string): readonly number[] {
    const config = resolvePolicyConfig(policies, PACK_ENFORCEMENT_LEVEL, loadPolicyConfig(dir, stack));
    return config["canary-step-limit"].properties.ladder as number[];
}

/** Exit code: 0 every step written (and applied with --apply), 1 refused by the pack or an update failed. */
export async function execute(ctx: CanaryContext, proposal: Proposal): Promise<number> {
    const { out } = ctx;
    out(`canary ${proposal.command} on ${ctx.stack}: ${proposal.steps.length} step(s)`);
    proposal.steps.forEach((s, i) => out(`  ${i + 1}. [${s.kind}] ${s.description}`));

    // What is deployed: the stack's real outputs when a Pulumi CLI can read them, else the
    // stack file as it is (the policy check compares the proposal with this).
    const deployedNow = async () => (ctx.engine.available() ? ctx.engine.outputs(ctx.stack) : undefined);

    for (const [i, step] of proposal.steps.entries()) {
        out(`\nStep ${i + 1}/${proposal.steps.length}: ${step.description}`);
        const doc = StackDocument.read(ctx.dir, ctx.stack);
        const beforeConfig = doc.loaded();
        for (const edit of step.edits) doc.set(edit.path, edit.value);
        for (const edit of step.edits) out(`  pulumi config set --path '${edit.path}' '${JSON.stringify(edit.value)}'`);

        const deployed = await deployedNow();
        const before = await runPlan({ stack: ctx.stack, dir: ctx.dir, loaded: beforeConfig, deployed });
        const after = await runPlan({ stack: ctx.stack, dir: ctx.dir, loaded: doc.loaded(), deployed });
        const report = await checkPlan(after, { dir: ctx.dir });
        out(`\nBefore:\n${renderRouting(before)}\n\nAfter:\n${renderRouting(after)}`);
        out(`\n${renderDiff(diffPlans(before, after))}`);
        out(`\n${renderViolations(report)}`);

        const blocking = mandatoryViolations(report);
        if (blocking.length > 0 && !proposal.rollback) {
            out(`\nRefused: the policy pack rejects this step; ${doc.file} is unchanged.`);
            return 1;
        }
        if (blocking.length > 0) {
            out("\nRolling back anyway: policies never block a move back. Fix the violations above separately.");
        }
        doc.write();
        out(`\nWrote ${doc.file}.`);

        if (!ctx.apply) {
            out(`Next: ${upCommand(ctx.stack)}`);
            const rest = proposal.steps.slice(i + 1);
            if (rest.length > 0) {
                out(`Then run the same command again for: ${rest.map((s) => s.description).join("; ")}`);
                out("(capacity first, traffic after it is healthy: the steps are separate updates)");
            }
            return 0;
        }
        out(`Applying: ${upCommand(ctx.stack)}`);
        try {
            await ctx.engine.up(ctx.stack, (line) => out(`  ${line}`));
        } catch (err) {
            out(`\nThe update failed: ${(err as Error).message}\nThe stack file holds the new config; fix the cause and re-run ${upCommand(ctx.stack)}, or roll back: npm run canary -- rollback --stack ${ctx.stack} --apply`);
            return 1;
        }
        out("Applied.");
    }
    return 0;
}
