/**
 * Changes that would replace a resource carrying live traffic, refused before anything is
 * declared, each with the safe way to make it. Pure: compares the shape the last deployment
 * exported (stack output `liveShape`, read through the stack's reference to itself) with the
 * shape the new config asks for.
 *
 * - A color's container port is the port of its IP target group, which forces a replacement
 *   (ELB CreateTargetGroup: the port cannot be modified), and of its security group's ingress,
 *   which changes in place at once: the running tasks are cut off before the rules move to
 *   the new target group. On the idle color nothing is cut; on the live one it is an outage.
 * - The Beanstalk process port (aws:elasticbeanstalk:environment:process:default Port) is the
 *   port of the target group Beanstalk owns under our rules: changing it on a running
 *   environment makes Beanstalk replace that target group.
 * - The Beanstalk application of an environment, and the network (VPC) of everything, force
 *   the replacement of the environments, target groups, services and the ALB.
 * - The ALB's scheme (internal or internet-facing) replaces the ALB: a stack deployed with an
 *   internet-facing ALB (before VPC origins) keeps it.
 * The listener is no longer a case: every stack is HTTPS on 443 (no HTTP-only mode), so
 * the rules' listenerArn — which forces a replacement of every rule — never changes.
 */
import { UserError } from "./errors";
import { COLORS, Color } from "./weights";

export interface LiveShape {
    springLiveColor: Color;
    springPorts: Record<Color, number>;
    /** Null once the Beanstalk pair is decommissioned. */
    legacy: { application: string; port: number } | null;
    /** vpcId of an existing VPC, or the CIDR of the one the program builds. */
    network: string;
    /**
     * Whether the routed ALB is internal (behind a CloudFront VPC origin). Absent in a shape
     * exported before VPC origins: such a stack's ALB is internet-facing.
     */
    albInternal?: boolean;
}

/** A change the program refuses: the message says how to make it safely. */
export class LiveReplacementError extends UserError {}

function isShape(v: unknown): v is LiveShape {
    const s = v as LiveShape;
    return !!s && typeof s === "object" && typeof s.network === "string" && !!s.springPorts && typeof s.springLiveColor === "string";
}

/** Every refused change, as messages naming the key and the safe way. Empty when nothing live is replaced. */
export function liveReplacementProblems(deployed: unknown, next: LiveShape): string[] {
    // Never deployed (a first `pulumi up`), or deployed before this output existed: nothing live to protect.
    if (!isShape(deployed)) return [];
    const problems: string[] = [];
    for (const color of COLORS) {
        const before = deployed.springPorts[color];
        const after = next.springPorts[color];
        const liveNow = deployed.springLiveColor === color || next.springLiveColor === color;
        if (before !== after && liveNow) {
            problems.push(
                `spring container port of ${color} ${before} → ${after}: ${color} is the live Spring color, and a port change replaces its target group ` +
                    `while its tasks' security group closes the old port. Change it on the idle color: set spring.${color === "blue" ? "green" : "blue"}.containerPort, ` +
                    `pulumi up, flip spring.liveColor, then set the port on ${color} (and finally spring.containerPort, removing the overrides)`,
            );
        }
    }
    if (deployed.legacy && next.legacy) {
        if (deployed.legacy.port !== next.legacy.port) {
            problems.push(
                `legacy.port ${deployed.legacy.port} → ${next.legacy.port}: Beanstalk would replace both environments' target groups under the listener rules. ` +
                    `Keep legacy.port and change the port behind the instance proxy (nginx) in the Rails source bundle instead`,
            );
        }
        if (deployed.legacy.application !== next.legacy.application) {
            problems.push(
                `legacy.application ${deployed.legacy.application} → ${next.legacy.application}: both Beanstalk environments (the rollback target) would be replaced. ` +
                    `Keep the application; rename it only after the Beanstalk pair is decommissioned`,
            );
        }
    }
    // `internal` is fixed at creation (ELB CreateLoadBalancer Scheme; the provider's ForceNew): a change replaces
    // the ALB, every rule on it, and strands the Beanstalk environments, whose shared ALB is fixed at their creation.
    const wasInternal = deployed.albInternal ?? false;
    if (next.albInternal !== undefined && next.albInternal !== wasInternal) {
        problems.push(
            `alb.internal ${wasInternal} → ${next.albInternal}: the routed ALB would be replaced, with every listener rule, and the Beanstalk environments are fixed to it. ` +
                `Set alb.internal: ${wasInternal} for this stack (pulumi config set --path alb.internal ${wasInternal}); an ALB of the other scheme comes with a new stack, ` +
                `and the edge moves onto it (docs/real-aws.md "Moving an internet-facing ALB behind a VPC origin")`,
        );
    }
    if (deployed.network !== next.network) {
        problems.push(
            `network ${deployed.network} → ${next.network}: every target group, service, environment and the ALB would be replaced. ` +
                `Build the new network as a new stack and move the edge onto it; this stack keeps its network`,
        );
    }
    return problems;
}

/** Throw one LiveReplacementError listing every refused change. */
export function refuseLiveReplacements(deployed: unknown, next: LiveShape, stack: string): void {
    const problems = liveReplacementProblems(deployed, next);
    if (problems.length > 0) {
        throw new LiveReplacementError(`refused for stack "${stack}": the update would replace resources that carry live traffic:\n  ${problems.join("\n  ")}`);
    }
}
