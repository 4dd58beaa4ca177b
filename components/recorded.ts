import * as pulumi from "@pulumi/pulumi";

/**
 * A component that keeps the outputs it registers, so that the program can read them as the
 * policy pack does (a stack policy sees a component's registered outputs): the position the
 * program exports is computed from the same views the pack computes it from (lib/position.ts).
 */
export abstract class RecordedComponent extends pulumi.ComponentResource {
    /** What `registerOutputs` was given (Outputs inside, resolved by the position record). */
    public recordedOutputs: pulumi.Inputs = {};

    protected registerOutputs(outputs?: pulumi.Inputs): void {
        this.recordedOutputs = outputs ?? {};
        super.registerOutputs(outputs);
    }
}
