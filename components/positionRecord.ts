import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES } from "../lib/contract";
import { Position, positionOf } from "../lib/position";
import { READ_OUTPUTS, RESOURCE_MODEL, programOptionProblems } from "../lib/resourceModel";
import { ResourceView } from "../lib/resources";
import { RecordedComponent } from "./recorded";

interface Captured {
    resource: pulumi.Resource;
    type: string;
    name: string;
    protect: boolean;
}

/**
 * Every resource the program registers, captured as it is constructed (a stack transformation:
 * it sees the resource object, its type, name and options), so that the program computes its
 * position from the same views the policy pack computes it from: each resource's outputs as the
 * engine returns them. In a targeted `pulumi up` the engine returns the deployed outputs of a
 * resource that is not targeted, so the exported position is the one the stack will have.
 */
export class ResourceCapture {
    private readonly captured: Captured[] = [];
    private readonly protectOf = new Map<pulumi.Resource, boolean>();

    /** Register the capture: before the first resource, inside the stack (pulumi/cmd/run's root). */
    public install(): void {
        pulumi.runtime.registerStackTransformation((args) => {
            // The SDK fills an unset `protect` from the parent after transformations run (resource.ts): inherit the same way.
            const parent = args.opts.parent;
            const protect = args.opts.protect ?? (parent ? (this.protectOf.get(parent) ?? false) : false);
            this.protectOf.set(args.resource, protect);
            const problems = programOptionProblems(args.type, args.opts);
            if (problems.length > 0) throw new pulumi.RunError(`${args.type} ${args.name}: ${problems.join("; ")}`);
            this.captured.push({ resource: args.resource, type: args.type, name: args.name, protect });
            return undefined;
        });
    }

    /** The views of everything captured so far, once every output is known (unknown in a preview while any is not). */
    public views(): pulumi.Output<ResourceView[]> {
        return pulumi.all(this.captured.map((c) => viewOf(c)));
    }
}

/**
 * A resource's outputs as the position reads them: a custom resource's listed properties
 * (lib/resourceModel.ts) and the few computed ones the position needs, every output property of a
 * type the model does not know; a component's registered outputs. Only what is read: an output
 * nobody reads must not make the record unknown in a preview.
 */
function outputsOf(resource: pulumi.Resource, type: string): pulumi.Inputs {
    if (resource instanceof RecordedComponent) return resource.recordedOutputs;
    if (resource instanceof pulumi.ComponentResource) return {};
    const own = resource as unknown as Record<string, unknown>;
    const model = RESOURCE_MODEL[type];
    const read = (k: string) => !model || k === "id" || k in model.props || READ_OUTPUTS.includes(k);
    return Object.fromEntries(
        Object.keys(own)
            .filter((k) => k !== "urn" && !k.startsWith("__") && pulumi.Output.isInstance(own[k]) && read(k))
            .map((k) => [k, own[k]]),
    );
}

function viewOf(c: Captured): pulumi.Output<ResourceView> {
    return pulumi.all([c.resource.urn, pulumi.output(outputsOf(c.resource, c.type))]).apply(([urn, props]) => ({
        type: c.type,
        name: c.name,
        urn,
        props: props as Record<string, unknown>,
        protect: c.protect,
    }));
}

export interface PositionRecordArgs {
    /** What the program registered (ResourceCapture). */
    views: pulumi.Output<ResourceView[]>;
    /** The known-good position this update keeps: the deployed one's, or the deployed position once confirmed. */
    knownGood: Position | null;
}

/**
 * The position this update leaves, recorded in the new state (a component with no children,
 * nothing in AWS) and exported: the policy pack compares the record with the position it
 * computes from the resources (`position-recorded`), and the next update reads the export back
 * through the stack's reference to itself as the deployed position. The position holds no
 * secret (generated values are named in its fingerprints), so it is exported in plain text.
 */
export class PositionRecord extends RecordedComponent {
    public readonly position: pulumi.Output<Position>;
    public readonly knownGood: Position | null;

    constructor(name: string, args: PositionRecordArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT_TYPES.positionRecord, name, {}, opts);
        this.position = pulumi.unsecret(args.views.apply((views) => positionOf(views)));
        this.knownGood = args.knownGood;
        this.registerOutputs({ position: this.position, knownGood: args.knownGood });
    }
}
