/**
 * The real program with a stack transformation registered first (tests/protocol): under
 * `pulumi preview` it runs inside the root stack resource, so the transformation has a stack
 * to attach to; the offline plan must run it the same way. It tags every log group.
 */
import * as pulumi from "@pulumi/pulumi";

pulumi.runtime.registerStackTransformation((args) =>
    args.type === "aws:cloudwatch/logGroup:LogGroup" ? { props: { ...args.props, tags: { ...args.props.tags, "transformed-by": "stack" } }, opts: args.opts } : undefined,
);

export * from "../../../index";
