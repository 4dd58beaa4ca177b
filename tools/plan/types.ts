/**
 * The shapes of an offline plan (tools/plan/run.ts makes them; diff, render, order and the
 * policy evaluation read them): kept apart so those modules need not import the planner.
 */
import type { RecordedResource } from "./mocks";

/** One step of a first `pulumi up`: what it creates (tools/plan/order.ts). */
export interface CreationStep {
    step: number;
    /** Every cloud resource the step creates (or adopts: `import` set). */
    resources: { name: string; type: string; urn: string; import?: string }[];
}

export interface PlanResource {
    urn: string;
    type: string;
    name: string;
    parent: string | null;
    inputs: Record<string, unknown>;
    options: RecordedResource["options"];
}

/** A resource with its outputs as well: what stack policies see. Not printed (outputs hold provider ids). */
export interface PlannedResourceState extends PlanResource {
    custom: boolean;
    outputs: Record<string, unknown>;
}

export interface PlanTarget {
    side: string;
    color: string;
    weight: number;
    percent: number;
}

export interface PlanRule {
    name: string;
    priority: number;
    match: { headers: { name: string; value: string }[]; paths?: string[]; sourceCidrs?: string[] };
    targets: PlanTarget[];
    stickinessSeconds: number | null;
}

export interface PlanResult {
    stack: string;
    project: string;
    resources: PlanResource[];
    routing: PlanRule[];
    outputs: Record<string, unknown>;
    /** With --first-deploy: the order in which a first `pulumi up` creates the resources. */
    creationOrder?: CreationStep[];
}

/** A plan plus what only the tools need: resource outputs and the deployed state it was compared with. */
export interface PlanRun extends PlanResult {
    states: PlannedResourceState[];
    deployed: Record<string, unknown>;
}
