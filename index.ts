/**
 * Entry point for `pulumi up` / `pulumi preview`: read and validate the stack's config,
 * then declare the stack. All logic lives in stack.ts, components/ and lib/.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, StackModel, modelFromFlatConfig } from "./lib/config";
import { defineStack } from "./stack";

function loadModel(): StackModel {
    const project = pulumi.getProject();
    try {
        return modelFromFlatConfig(pulumi.runtime.allConfig(), project, pulumi.getStack());
    } catch (err) {
        // RunError: the CLI prints the message alone, without a stack trace.
        throw err instanceof ConfigError ? new pulumi.RunError(err.message) : err;
    }
}

const outputs = defineStack(loadModel());

export const cloudfrontDomain = outputs.cloudfrontDomain;
export const albDnsName = outputs.albDnsName;
export const httpOnly = outputs.httpOnly;
export const qaToken = outputs.qaToken;
export const qaRouteHeader = outputs.qaRouteHeader;
export const qaTokenHeader = outputs.qaTokenHeader;
export const liveColors = outputs.liveColors;
export const canary = outputs.canary;
export const routing = outputs.routing;
export const springServices = outputs.springServices;
export const legacyEnvironments = outputs.legacyEnvironments;
export const health = outputs.health;
export const cutin = outputs.cutin;
