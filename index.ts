/**
 * Entry point for `pulumi up` / `pulumi preview`: read and validate the stack's config,
 * read what is deployed, refuse a change that would replace live resources, then declare
 * the stack. All logic lives in stack.ts, components/ and lib/.
 *
 * An async program (Pulumi waits for it and exports what it returns): the refusal must come
 * before any resource is registered, and the deployed state is only known asynchronously.
 */
import * as pulumi from "@pulumi/pulumi";
import { UserError } from "./lib/errors";
import { modelFromFlatConfig } from "./lib/config";
import { refuseLiveReplacements } from "./lib/replacements";
import { POSITION_OUTPUTS } from "./lib/contract";
import { knownGoodAfter } from "./lib/position";
import { defineStack, deployedStateReference, liveShape } from "./stack";

async function main() {
    try {
        const model = modelFromFlatConfig(pulumi.runtime.allConfig(), pulumi.getProject(), pulumi.getStack());
        const deployed = deployedStateReference();
        refuseLiveReplacements(await deployed.getOutputValue("liveShape"), liveShape(model), model.stack);
        const knownGood = knownGoodAfter({
            deployedPosition: await deployed.getOutputValue(POSITION_OUTPUTS.position),
            deployedKnownGood: await deployed.getOutputValue(POSITION_OUTPUTS.knownGood),
            confirm: model.canary.confirm,
        });
        return defineStack(model, { knownGood });
    } catch (err) {
        // RunError: the CLI prints the message alone, without a stack trace.
        throw err instanceof UserError ? new pulumi.RunError(err.message) : err;
    }
}

export = main;
