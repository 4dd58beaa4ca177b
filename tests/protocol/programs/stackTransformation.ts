/**
 * The real program with stack transformations registered first (tests/protocol): under
 * `pulumi preview` it runs inside the root stack resource, so the SDK-side transformation has a
 * stack to attach to, and the engine calls the resource transform back for every registration;
 * the offline plan must run both the same way. Each tags every log group.
 */
import * as pulumi from "@pulumi/pulumi";
import program = require("../../../index");

pulumi.runtime.registerStackTransformation((args) =>
    args.type === "aws:cloudwatch/logGroup:LogGroup"
        ? { props: { ...args.props, tags: { ...args.props.tags, "transformed-by": "stack" } }, opts: args.opts }
        : undefined,
);

pulumi.runtime.registerResourceTransform((args) =>
    args.type === "aws:cloudwatch/logGroup:LogGroup"
        ? { props: { ...args.props, tags: { ...args.props.tags, "transformed-by-engine": "yes" } }, opts: args.opts }
        : undefined,
);

export = program;
