/**
 * What every canary command works from: the stack file as the command read it, the stack's
 * policy config, and the deployed stack's outputs (the one read of the deployed position,
 * through the engine, that every command uses).
 */
import type { LiveClientsFactory } from "../live/aws";
import { StackModel } from "../../lib/config";
import { resolvedPolicyConfig } from "../policy/config";
import { ResolvedPolicyConfig } from "../policy/evaluate";
import { modelOfStackFile } from "../plan/stackFile";
import { EdgeApi, Engine, ServiceInspector } from "./adapters";
import { KnownGood } from "./proposals";
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
    return resolvedPolicyConfig(dir, stack);
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
 * The state a forward move records as last known-good: what is deployed (the stack's
 * outputs `canary` and `liveColors`) when a Pulumi CLI can read it; undefined without one
 * (the proposal then records the stack file's state, and the step says so plainly).
 */
export async function knownGoodFrom(ctx: Pick<CanaryContext, "engine" | "stack">): Promise<KnownGood | undefined> {
    const out = await deployedOutputs(ctx);
    const canary = out?.canary as { weight?: number; routes?: Record<string, number> } | undefined;
    const colors = out?.liveColors as { legacy?: KnownGood["liveColors"]["legacy"] | null; spring?: KnownGood["liveColors"]["spring"] } | undefined;
    if (typeof canary?.weight !== "number" || !colors?.spring) return undefined;
    return { weight: canary.weight, routes: canary.routes ?? {}, liveColors: { ...(colors.legacy ? { legacy: colors.legacy } : {}), spring: colors.spring } };
}
