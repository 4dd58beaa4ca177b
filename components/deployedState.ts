import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES } from "../lib/contract";
import { DeployedState } from "../lib/deployedState";

/**
 * The deployed state this update leaves, recorded in the new state itself (a component
 * with no children, nothing in AWS). The stack exports the same object; the policy pack
 * reads this record to check that the export describes the resources truthfully, and
 * the next update's pack reads the export back through the stack's reference to itself.
 */
export class DeployedStateRecord extends pulumi.ComponentResource {
    constructor(name: string, state: DeployedState<pulumi.Output<string>>, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT_TYPES.deployedState, name, {}, opts);
        this.registerOutputs({ ...state });
    }
}
