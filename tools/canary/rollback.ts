/**
 * `rollback` and `confirm`: the two commands of the known-good pointer. The pointer lives in the
 * deployed state only (lib/position.ts knownGoodAfter): `confirm` moves it to the position that is
 * deployed now, once its alarms are quiet; `rollback` moves the stack file back to it. Both read
 * the deployment, so both need a Pulumi CLI; offline, rollback hands over the emergency lever,
 * `set 0` per rule, which only lowers Spring's share.
 */
import { StackModel } from "../../lib/config";
import { UserError } from "../../lib/errors";
import { positionDigest } from "../../lib/position";
import { AlarmSource } from "./adapters";
import { CanaryContext, readModel, requireDeployed } from "./context";
import { describePosition, emergencyLever, servesSpring, trafficOf } from "./deployed";
import { Proposal, proposeRollback, unchanged } from "./proposals";
import { verifyServices } from "./verify";
import { canaryAlarmNames, unsettled } from "./watch";

export { emergencyLever } from "./deployed";

/** Why rollback cannot run offline, and what to do instead. */
export function offlineRollback(model: StackModel, stack: string = model.stack): string {
    return [
        `rollback goes back to the known-good position, which lives in the deployed state of stack ${stack}: it needs the Pulumi CLI on the PATH (pulumi stack export). Nothing was written.`,
        "In an emergency, send Spring's traffic to Rails by hand (each command only lowers Spring's share; the policy pack passes it):",
        ...emergencyLever(model, stack).map((c) => `  ${c}`),
    ].join("\n");
}

/** `rollback`: the stack file back to the deployed known-good position; without one confirmed, says so and offers `set 0`. */
export async function rollbackProposal(ctx: CanaryContext): Promise<Proposal> {
    const model = readModel(ctx);
    const view = await requireDeployed(ctx, offlineRollback(model, ctx.stack));
    if (!view.knownGood) {
        throw new UserError(
            [
                `stack ${ctx.stack} has no known-good position confirmed yet (npm run canary -- confirm --stack ${ctx.stack}, after a bake): there is nothing to roll back to. Nothing was written.`,
                "To send Spring's traffic to Rails:",
                ...emergencyLever(model, ctx.stack).map((c) => `  ${c}`),
            ].join("\n"),
        );
    }
    return proposeRollback(model, trafficOf(view.knownGood, model), `the known-good position ${positionDigest(view.knownGood)}`);
}

/** Why the deployed position cannot be confirmed now (its alarms), or undefined when it can. */
async function healthProblem(ctx: CanaryContext, alarms: AlarmSource, liveColor: string | null): Promise<string | undefined> {
    if (!liveColor) return "the deployed position names no live Spring color, so its alarms cannot be chosen";
    const found = unsettled(await alarms.states(await canaryAlarmNames(ctx, liveColor)));
    if (!found) return undefined;
    const { listed } = found;
    return found.decision === "rollback"
        ? `an alarm is firing (${listed}): roll back instead: npm run canary -- rollback --stack ${ctx.stack}`
        : `alarms without data (${listed}): no evidence is not good evidence; run confirm again once they report`;
}

/**
 * `confirm`: record the deployed position as known-good (canary.confirm = its digest; the update
 * that deploys it moves the pointer, and changes no resource). Only with every health alarm OK,
 * with data, unless nothing serves Spring; re-run once deployed: nothing to do.
 */
export async function confirmProposal(ctx: CanaryContext, alarms: AlarmSource): Promise<Proposal | number> {
    const view = await requireDeployed(
        ctx,
        `confirm records the deployed position of stack ${ctx.stack} as known-good: it needs the Pulumi CLI on the PATH to read it (pulumi stack export). Nothing was written.`,
    );
    const digest = positionDigest(view.position);
    const described = describePosition(view.position);
    if (view.knownGood && positionDigest(view.knownGood) === digest) {
        return unchanged("confirm", `the deployed position ${digest} is the known-good position already (${described})`);
    }
    // Quiet alarms while ECS is still rolling out, or after its circuit breaker went back to the old
    // task definition, say nothing about what was released: the pointer would name a position ECS never ran.
    const ecs = ctx.services ? await verifyServices(ctx.engine, ctx.services, ctx.stack) : [];
    if (ecs.length > 0) {
        ctx.out(
            `Refused: the deployed position ${digest} cannot be confirmed: ECS is not running it (yet); nothing was written.\n  ${ecs.join("\n  ")}\nWait until every service's primary deployment is COMPLETED (npm run canary -- status --stack ${ctx.stack}), or roll back: npm run canary -- rollback --stack ${ctx.stack}`,
        );
        return 1;
    }
    if (servesSpring(view.position)) {
        const problem = await healthProblem(ctx, alarms, view.position.liveColors.spring);
        if (problem) {
            ctx.out(`Refused: the deployed position ${digest} cannot be confirmed: ${problem}; nothing was written.`);
            return 1;
        }
    } else {
        ctx.out("Nothing serves Spring in the deployed position: there is no Spring alarm to wait for.");
    }
    return {
        command: "confirm",
        steps: [
            {
                kind: "confirm",
                description: `confirm the deployed position ${digest} as known-good (${described}); no resource changes`,
                edits: [{ path: "canary.confirm", value: digest }],
            },
        ],
    };
}
