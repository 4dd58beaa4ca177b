/**
 * Carry out a proposal step by step: edit the stack file in memory, plan it offline,
 * run the policy pack, show before/after routing and the resource diff, and only then
 * write the file (and, with --apply, run the update). A step that the pack refuses is
 * not written — unless it is a move back, which is never blocked. A move back is checked,
 * not trusted: a proposal marked `rollback` that raises Spring's share anywhere is refused.
 */
import { COMPONENT_TYPES } from "../../lib/contract";
import { CutinPhase, edgeShares } from "../../lib/cutin";
import { TrafficEntry, entriesAt, patternsOf, readPosition, springShare } from "../../lib/position";
import { witnessPaths } from "../../lib/pathPatterns";
import { StackModel, modelFromFlatConfig } from "../../lib/config";
import { PACK_ENFORCEMENT_LEVEL, policies } from "../../policy/policies";
import { PlanDiff, diffPlans, renderDiff } from "../plan/diff";
import { renderEdge, renderRouting } from "../plan/render";
import { PlanResult, runPlan } from "../plan/run";
import { checkPlan, loadPolicyConfig, renderViolations } from "../policy/check";
import { mandatoryViolations, resolvePolicyConfig } from "../policy/evaluate";
import { EdgeApi, Engine, ServiceInspector, detachPolicyCommands, refreshCommand, upCommand } from "./adapters";
import { configCommands } from "./configCommands";
import { KnownGood, Proposal, Step } from "./proposals";
import { StackDocument } from "./stackDocument";
import { verifyServices } from "./verify";
import type { LiveClientsFactory } from "../live/aws";
import { rollbackBoundLine } from "../live/bound";
import { liveGate } from "../live/verify";

export interface CanaryContext {
    dir: string;
    stack: string;
    /** Run `pulumi up` (Automation API, policy pack) after writing each step. */
    apply: boolean;
    engine: Engine;
    /** What ECS runs (checked after updates that touch a service). */
    services?: ServiceInspector;
    /** CloudFront, for what the provider cannot do (a step's `detachFirst`). */
    edge?: EdgeApi;
    /** Read-only AWS clients: the live check before each --apply step (tools/live/verify.ts). */
    live?: LiveClientsFactory;
    out: (text: string) => void;
    /** The command line as given, for "run the same command again". */
    argv?: readonly string[];
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

/** The edge ladder the cutin-phase-order policy enforces for this stack. */
export function edgeLadderOf(dir: string, stack: string): readonly number[] {
    const config = resolvePolicyConfig(policies, PACK_ENFORCEMENT_LEVEL, loadPolicyConfig(dir, stack));
    return config["cutin-phase-order"].properties.edgeLadder as number[];
}

/**
 * The least a color may keep when `idle-color-warm` is mandatory for this stack (its
 * minTasks / minInstances), so a scale-down the pack would refuse is a usage error up front;
 * 0 when the policy is advisory or disabled. `source` names where the floor comes from.
 */
export function idleFloorOf(dir: string, stack: string, side: "spring" | "legacy"): { floor: number; source: string } {
    const config = resolvePolicyConfig(policies, PACK_ENFORCEMENT_LEVEL, loadPolicyConfig(dir, stack));
    const idle = config["idle-color-warm"];
    if (idle.enforcementLevel !== "mandatory") return { floor: 0, source: "" };
    const key = side === "spring" ? "minTasks" : "minInstances";
    return { floor: Number(idle.properties[key]), source: `idle-color-warm.${key}, mandatory for ${stack}` };
}

/**
 * The state a forward move records as last known-good: what is deployed (the stack's
 * outputs `canary` and `liveColors`) when a Pulumi CLI can read it; undefined without one
 * (the proposal then records the stack file's state, and the step says so plainly).
 */
export async function knownGoodFrom(ctx: CanaryContext): Promise<KnownGood | undefined> {
    if (!ctx.engine.available()) return undefined;
    const out = await ctx.engine.outputs(ctx.stack);
    const canary = out.canary as { weight?: number; routes?: Record<string, number> } | undefined;
    const colors = out.liveColors as { legacy?: KnownGood["liveColors"]["legacy"] | null; spring?: KnownGood["liveColors"]["spring"] } | undefined;
    if (typeof canary?.weight !== "number" || !colors?.spring) return undefined;
    return { weight: canary.weight, routes: canary.routes ?? {}, liveColors: { ...(colors.legacy ? { legacy: colors.legacy } : {}), spring: colors.spring } };
}

const LISTENER_RULE = "aws:lb/listenerRule:ListenerRule";
/**
 * What a traffic step may change in place and deploy alone: listener rules (weights, colors)
 * and, for the cut-in, the continuous deployment policy (edge weight, on/off) and the primary
 * distribution (its origin). So a pending change elsewhere never holds back a cut-in rollback.
 */
const TRAFFIC_TYPES: ReadonlySet<string> = new Set([
    LISTENER_RULE,
    "aws:cloudfront/continuousDeploymentPolicy:ContinuousDeploymentPolicy",
    "aws:cloudfront/distribution:Distribution",
]);

/**
 * A traffic step deploys only the listener rules it changes (`pulumi up --target`), so a
 * pending Beanstalk or ECS change never holds back a weight move or a rollback. The stack
 * resource is targeted too: it carries the outputs the next step reads as "deployed".
 * Without --target-dependents: nothing depends on a rule's weights. A traffic step that
 * changes anything but rules is deployed whole (undefined).
 */
function trafficTargets(step: Step, diff: PlanDiff, after: PlanResult): string[] | undefined {
    if (step.kind !== "traffic" || diff.added.length > 0 || diff.removed.length > 0 || diff.changed.length === 0) return undefined;
    if (diff.changed.some((c) => !TRAFFIC_TYPES.has(c.type))) return undefined;
    const root =
        after.resources.find((r) => r.type === "pulumi:pulumi:Stack")?.urn ??
        `urn:pulumi:${after.stack}::${after.project}::pulumi:pulumi:Stack::${after.project}-${after.stack}`;
    // The position record too: it records (and the stack exports) the position of every resource as
    // the engine returns it, the untargeted ones at their deployed state (components/positionRecord.ts).
    const record = after.resources.filter((r) => r.type === COMPONENT_TYPES.positionRecord).map((r) => r.urn);
    return [root, ...record, ...diff.changed.map((c) => c.urn)];
}

/** Spring's share per request path in a plan's (or the deployed stack's) outputs, and the viewers' share to the routed ALB. */
function sharesOf(outputs: Record<string, unknown>): { traffic?: TrafficEntry[]; routed?: number } {
    const state = readPosition(outputs.position);
    const cutin = outputs.cutin as { phase?: CutinPhase; edgeWeight?: number } | null | undefined;
    return {
        traffic: typeof state === "string" ? undefined : state.traffic,
        routed: cutin?.phase ? edgeShares(cutin.phase, cutin.edgeWeight ?? 0).routed : undefined,
    };
}

/** Where the `after` plan gives Spring more than `from` (a plan's or the deployed outputs) did, e.g. "on / 1% → 50%". Empty: nothing goes up. */
function springRises(from: Record<string, unknown>, after: PlanResult): string[] {
    const [was, now] = [sharesOf(from), sharesOf(after.outputs)];
    const rises: string[] = [];
    if (was.traffic && now.traffic) {
        const at = (table: TrafficEntry[], path: string) => {
            const share = entriesAt(table, path).map(springShare)[0];
            return share !== undefined && Number.isFinite(share) ? share : 0;
        };
        for (const path of witnessPaths(patternsOf(was.traffic, now.traffic))) {
            const [a, b] = [at(was.traffic, path), at(now.traffic, path)];
            if (b > a + 1e-9) rises.push(`on ${path} ${a}% → ${b}%`);
        }
    }
    if (was.routed !== undefined && now.routed !== undefined && now.routed > was.routed)
        rises.push(`viewers to the routed ALB ${was.routed}% → ${now.routed}%`);
    return rises;
}

/** The capacity of each resource type that has one, read the same way from the plan's inputs and the state's outputs. */
const CAPACITY: Record<string, { label: string; of: (props: Record<string, unknown>) => unknown }> = {
    "aws:ecs/service:Service": { label: "desiredCount", of: (p) => p.desiredCount },
    "aws:elasticbeanstalk/environment:Environment": {
        label: "MinSize",
        of: (p) =>
            (p.settings as { namespace?: string; name?: string; value?: unknown }[] | undefined)?.find(
                (x) => x.namespace === "aws:autoscaling:asg" && x.name === "MinSize",
            )?.value,
    },
};

/**
 * Capacity the new plan declares that the deployed state does not have yet and a targeted
 * update leaves out, e.g. "spring-green desiredCount 2 → 3". Empty without a Pulumi CLI (unknown)
 * or where the state does not say.
 */
async function pendingCapacity(ctx: CanaryContext, after: PlanResult, targets: readonly string[]): Promise<string[]> {
    if (!ctx.engine.available()) return [];
    const nameOf = (urn: string) => urn.split("::").pop();
    const deployed = await ctx.engine.resources(ctx.stack);
    return after.resources.flatMap((r) => {
        const capacity = CAPACITY[r.type];
        const state = deployed.find((d) => d.type === r.type && nameOf(d.urn) === r.name);
        if (!capacity || !state || targets.includes(r.urn)) return [];
        const [was, now] = [capacity.of(state.outputs), capacity.of(r.inputs)];
        return was === undefined || now === undefined || String(was) === String(now) ? [] : [`${r.name} ${capacity.label} ${was} → ${now}`];
    });
}

const touchesServices = (diff: PlanDiff) =>
    [...diff.added, ...diff.changed].some((r) => r.type === "aws:ecs/service:Service" || r.type === "aws:ecs/taskDefinition:TaskDefinition");

/** Exit code: 0 every step written (and applied with --apply) or nothing to do, 1 refused by the pack, an update failed or ECS is not running what was released. */
export async function execute(ctx: CanaryContext, proposal: Proposal): Promise<number> {
    const { out } = ctx;
    if (proposal.steps.length === 0) {
        out(`Nothing changed: ${proposal.unchanged ?? "nothing to do"}.`);
        if (proposal.next) out(`Next: ${proposal.next}`);
        return 0;
    }
    out(`canary ${proposal.command} on ${ctx.stack}: ${proposal.steps.length} step(s)`);
    proposal.steps.forEach((s, i) => out(`  ${i + 1}. [${s.kind}] ${s.description}`));

    // What is deployed: the stack's real outputs when a Pulumi CLI can read them, else the
    // stack file as it is (the policy check compares the proposal with this).
    const deployedNow = async () => (ctx.engine.available() ? ctx.engine.outputs(ctx.stack) : undefined);

    for (const [i, step] of proposal.steps.entries()) {
        out(`\nStep ${i + 1}/${proposal.steps.length}: ${step.description}`);
        const doc = StackDocument.read(ctx.dir, ctx.stack);
        const beforeConfig = doc.loaded();
        const commands = step.edits.flatMap((edit) => configCommands(edit, { stack: ctx.stack, before: doc.get(edit.path), isSecret: (p) => doc.isSecure(p) }));
        for (const edit of step.edits) doc.set(edit.path, edit.value);
        // A rollback's own bound is the state it leaves (where sessions were pinned); a step's, the state it makes.
        if (step.kind === "traffic") out(rollbackBoundLine(proposal.rollback ? beforeConfig : doc.loaded(), proposal.command));

        const deployed = await deployedNow();
        const before = await runPlan({ stack: ctx.stack, dir: ctx.dir, loaded: beforeConfig, deployed });
        const after = await runPlan({ stack: ctx.stack, dir: ctx.dir, loaded: doc.loaded(), deployed });
        // The edited config is valid (the plan ran): now the same change by hand.
        out("By hand, the same change is:");
        for (const c of commands) out(`  ${c}`);
        if (step.edits.some((e) => e.path === "canary.lastKnownGood") && !ctx.engine.available()) {
            out(
                "Note: canary.lastKnownGood records the stack file's state before this step. Without a Pulumi CLI the tool cannot read what is deployed, so this is only the last state written, not necessarily one that was deployed: run pulumi up after every step.",
            );
        }
        if (step.deployedFirst && !ctx.engine.available()) {
            out(
                `Not checked (no Pulumi CLI): that ${step.deployedFirst.join(" and ")} is deployed. The stack file has it; if an earlier step wrote it, run pulumi up for that step first and wait until it is healthy, then this one.`,
            );
        }
        const report = await checkPlan(after, { dir: ctx.dir });
        const diff = diffPlans(before, after);
        const view = (p: PlanResult) => [renderEdge(p), renderRouting(p)].filter(Boolean).join("\n\n");
        out(`\nBefore:\n${view(before)}\n\nAfter:\n${view(after)}`);
        out(`\n${renderDiff(diff)}`);
        out(`\n${renderViolations(report)}`);

        // A move back is one that raises Spring's share nowhere: checked from the plans, not taken on trust.
        const rises = proposal.rollback ? springRises(before.outputs, after) : [];
        if (rises.length > 0) {
            out(`\nRefused: this is not a move back: Spring's share goes up (${rises.join("; ")}); ${doc.file} is unchanged.`);
            return 1;
        }
        // The stack file may be ahead of what is deployed: a move back from the file that raises a share deployed is judged by the pack.
        const risesFromDeployed = proposal.rollback && deployed ? springRises(deployed, after) : [];
        if (risesFromDeployed.length > 0) out(`\nNot a move back from what is deployed (${risesFromDeployed.join("; ")}): the policy pack decides.`);
        const back = proposal.rollback === true && risesFromDeployed.length === 0;
        const blocking = mandatoryViolations(report);
        if (blocking.length > 0 && !back) {
            out(`\nRefused: the policy pack rejects this step; ${doc.file} is unchanged.`);
            return 1;
        }
        const targets = trafficTargets(step, diff, after);
        const pending = targets ? await pendingCapacity(ctx, after, targets) : [];
        if (pending.length > 0 && step.deployedFirst) {
            out(
                `\nRefused: this step needs capacity the stack file holds but the stack has not deployed (${pending.join("; ")}); ${doc.file} is unchanged.\nRun ${upCommand(ctx.stack)} for it first, wait until it is healthy, then run this command again.`,
            );
            return 1;
        }
        if (blocking.length > 0) {
            out("\nRolling back anyway: policies never block a move back. Fix the violations above separately.");
        }
        if (ctx.apply && !(await liveGate(ctx, after.outputs, back))) return 1;
        // What must happen in AWS before this config can be deployed comes before the file is
        // written: if it fails, nothing changed and the same command can simply run again.
        if (ctx.apply && step.detachFirst && !(await detachFirst(ctx, step.detachFirst))) return 1;
        doc.write();
        out(`\nWrote ${doc.file}.`);
        if (pending.length > 0) {
            out(
                `Pending capacity this targeted update does not deploy (${pending.join("; ")}): deploy it with ${upCommand(ctx.stack)} once this step is done.`,
            );
        }

        if (!ctx.apply) {
            if (step.detachFirst) {
                out("First, detach the continuous deployment policy from the primary (the provider cannot: terraform-provider-aws#34511) and refresh it:");
                for (const c of detachByHand(ctx.stack, step.detachFirst)) out(`  ${c}`);
            }
            out(`Next: ${upCommand(ctx.stack, targets)}`);
            if (targets) {
                out(
                    "(a traffic step: only the listener rules or edge resources it changes, and the stack's outputs; it deploys no other pending change, capacity included: that needs a whole-stack pulumi up)",
                );
            }
            if (step.refresh) out(`Then: ${refreshCommand(ctx.stack, step.refresh)}`);
            if (touchesServices(diff)) {
                out(
                    `Then check what ECS runs (the provider reports success even after a circuit-breaker rollback): npm run canary -- status --stack ${ctx.stack}`,
                );
            }
            const rest = proposal.steps.slice(i + 1);
            if (rest.length > 0) {
                out(`Then run the same command again for: ${rest.map((s) => s.description).join("; ")}`);
                if (ctx.argv) out(`  npm run canary -- ${ctx.argv.join(" ")}`);
                const kinds = new Set([step.kind, ...rest.map((s) => s.kind)]);
                if (kinds.has("capacity") && kinds.has("traffic")) {
                    out("(capacity first, traffic after it is healthy: the steps are separate updates)");
                }
            }
            return 0;
        }
        const rollbackCommand = `npm run canary -- ${proposal.command.startsWith("cutin") ? "cutin rollback" : "rollback"} --stack ${ctx.stack} --apply`;
        out(`Applying: ${upCommand(ctx.stack, targets)}`);
        try {
            await ctx.engine.up(ctx.stack, (line) => out(`  ${line}`), { targets });
        } catch (err) {
            out(
                `\nThe update failed: ${(err as Error).message}\nThe stack file holds the new config; fix the cause and re-run ${upCommand(ctx.stack)}, or roll back: ${rollbackCommand}`,
            );
            return 1;
        }
        if (ctx.services && touchesServices(diff)) {
            const problems = await verifyServices(ctx.engine, ctx.services, ctx.stack);
            if (problems.length > 0) {
                out(`\nThe update reported success, but ECS is not running what was deployed:\n  ${problems.join("\n  ")}\nStopped: no further step runs.`);
                return 1;
            }
            out("ECS: every service's primary deployment completed with the task definition in the state.");
        }
        if (step.refresh) {
            out(`Refreshing: ${refreshCommand(ctx.stack, step.refresh)}`);
            try {
                await ctx.engine.refresh(ctx.stack, step.refresh, (line) => out(`  ${line}`));
            } catch (err) {
                out(
                    `\nThe refresh failed: ${(err as Error).message}\nThe update is applied; run ${refreshCommand(ctx.stack, step.refresh)} before the next update.`,
                );
                return 1;
            }
        }
        out("Applied.");
    }
    return 0;
}

/** A step's `detachFirst` with --apply: the CloudFront call, then the refresh. False (and said why) when it failed. */
async function detachFirst(ctx: CanaryContext, { distributionId, refresh }: NonNullable<Step["detachFirst"]>): Promise<boolean> {
    const { out } = ctx;
    try {
        if (!ctx.edge) throw new Error("no CloudFront client");
        const result = await ctx.edge.detachPolicy(distributionId, (line) => out(`  ${line}`));
        out(
            result === "detached"
                ? `Detached the continuous deployment policy from ${distributionId}.`
                : `${distributionId} names no continuous deployment policy: nothing to detach.`,
        );
        out(`Refreshing: ${refreshCommand(ctx.stack, refresh)}`);
        await ctx.engine.refresh(ctx.stack, refresh, (line) => out(`  ${line}`));
        return true;
    } catch (err) {
        const hand = detachByHand(ctx.stack, { distributionId, refresh });
        out(
            `\nDetaching the policy failed: ${(err as Error).message}\nNothing was written or updated. Fix the cause and run the same command again, or detach by hand and then run it again:\n${hand.map((c) => `  ${c}`).join("\n")}`,
        );
        return false;
    }
}

/** A step's `detachFirst` as commands an operator pastes: the CloudFront calls, then the refresh. */
function detachByHand(stack: string, { distributionId, refresh }: NonNullable<Step["detachFirst"]>): string[] {
    return [...detachPolicyCommands(distributionId), refreshCommand(stack, refresh)];
}
