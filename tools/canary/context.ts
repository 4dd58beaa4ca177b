/**
 * What every canary command works from: the stack file as the command read it, the stack's
 * policy config, and what is deployed (deployed.ts: the deployed and known-good positions, the
 * outputs and the resources, one read through the engine until its next update).
 */
import { stackNameOf } from "../plan/stackFile";
import type { LiveClientsFactory } from "../live/aws";
import { StackModel } from "../../lib/config";
import { resolvedPolicyConfig } from "../policy/config";
import { ResolvedPolicyConfig } from "../policy/evaluate";
import { modelOfStackFile } from "../plan/stackFile";
import { UserError } from "../../lib/errors";
import { EdgeApi, Engine, ServiceInspector } from "./adapters";
import { DeployedView, emergencyLever, readDeployment, unreadableLine } from "./deployed";
import type { PendingDrift } from "./drift";
import { StackDocument } from "./stackDocument";

export interface CanaryContext {
    dir: string;
    stack: string;
    /**
     * The stack file as this command read it at its start, then as it wrote it. Every step
     * edits a copy; a write replaces the file only if the file still holds this text.
     * Shared by reference, so a context copied with another flag keeps the same file state.
     */
    file: { doc: StackDocument };
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
    /** Notes said once per command (shared by reference by the context's copies). */
    said?: Set<string>;
    /**
     * Where the stack file and the deployment differ, until the command's first write: the command
     * is computed from the deployment (drift.ts checkDrift), execute.ts refuses what it does not cover.
     */
    drift?: PendingDrift;
    /** Why the deployment cannot be read, when it cannot: only the emergency lever goes on (drift.ts checkUnreadable). */
    unreadable?: string;
}

/** The file state a command starts from: the stack file read once. */
export function readStackFile(dir: string, stack: string): CanaryContext["file"] {
    return { doc: StackDocument.read(dir, stack) };
}

export function readModel(ctx: Pick<CanaryContext, "file">): StackModel {
    const doc = ctx.file.doc;
    return modelOfStackFile(doc.loaded(), doc.file);
}

/** The stack's policy config as the pack resolves it (its file, checked, or the schema defaults). */
export function policyConfigOf(dir: string, stack: string): Record<string, ResolvedPolicyConfig> {
    // policy-config.<stack>.json by the stack's own name, whether typed org/project/stack or not.
    return resolvedPolicyConfig(dir, stackNameOf(stack));
}

/** The ladder the canary-step-limit policy enforces for this stack (its policy config, or the schema default). */
export function ladderOf(dir: string, stack: string): readonly number[] {
    return policyConfigOf(dir, stack)["canary-step-limit"].properties.ladder as number[];
}

/** The edge ladder the cutin-phase-order policy enforces for this stack. */
export function edgeLadderOf(dir: string, stack: string): readonly number[] {
    return policyConfigOf(dir, stack)["cutin-phase-order"].properties.edgeLadder as number[];
}

/**
 * The least a color may keep when `idle-color-warm` is mandatory for this stack (its
 * minTasks / minInstances), so a scale-down the pack would refuse is a usage error up front;
 * 0 when the policy is advisory or disabled. `source` names where the floor comes from.
 */
export function idleFloorOf(dir: string, stack: string, side: "spring" | "legacy"): { floor: number; source: string } {
    const idle = policyConfigOf(dir, stack)["idle-color-warm"];
    if (idle.enforcementLevel !== "mandatory") return { floor: 0, source: "" };
    const key = side === "spring" ? "minTasks" : "minInstances";
    return { floor: Number(idle.properties[key]), source: `idle-color-warm.${key}, mandatory for ${stack}` };
}

/**
 * The deployed stack's outputs when a Pulumi CLI can read them, undefined without one: the
 * one read of what is deployed (secrets stay encrypted: adapters.ts AutomationEngine.outputs).
 */
export async function deployedOutputs(ctx: Pick<CanaryContext, "engine" | "stack">): Promise<Record<string, unknown> | undefined> {
    return ctx.engine.available() ? ctx.engine.outputs(ctx.stack) : undefined;
}

/**
 * What is deployed (position, known-good position, outputs, resources) when a Pulumi CLI can
 * read it; undefined without one. The engine keeps its one read until the next update.
 */
export async function deployedView(ctx: Pick<CanaryContext, "engine" | "stack"> & Partial<Pick<CanaryContext, "file">>): Promise<DeployedView | undefined> {
    if (!ctx.engine.available()) return undefined;
    const read = await readDeployment(ctx.engine, ctx.stack);
    if ("problem" in read) throw new UserError(unreadableMessage(ctx, read.problem));
    return read;
}

/**
 * A deployment that cannot be read: why, that the policy pack refuses every update of it, and
 * (with the stack file at hand) the emergency lever, `set 0` per rule, which goes on even so.
 */
export function unreadableMessage(ctx: Pick<CanaryContext, "stack"> & Partial<Pick<CanaryContext, "file">>, problem: string): string {
    const line = `${unreadableLine(ctx.stack, problem)}.`;
    if (!ctx.file) return line;
    return [
        `${line} Nothing was written.`,
        "In an emergency, send Spring's traffic to Rails: the tool takes the stack file as deployed for these, which only lower Spring's share; deploy them with that section's policy config override:",
        ...emergencyLever(readModel({ file: ctx.file }), ctx.stack).map((c) => `  ${c}`),
    ].join("\n");
}

/** The deployed view, for a command that cannot work without it: `why` says what it needs it for (exit 2 offline). */
export async function requireDeployed(ctx: Pick<CanaryContext, "engine" | "stack"> & Partial<Pick<CanaryContext, "file">>, why: string): Promise<DeployedView> {
    const view = await deployedView(ctx);
    if (!view) throw new UserError(why);
    return view;
}

/** Print a note once per command, however many steps or contexts say it. */
export function noteOnce(ctx: Pick<CanaryContext, "out" | "said">, note: string): void {
    if (ctx.said?.has(note)) return;
    ctx.said?.add(note);
    ctx.out(note);
}
