/**
 * Progressive mode (`next --watch`): take a rung, bake it for canary.bakeMinutes while
 * watching the alarms, confirm it (the bake passed with every alarm OK: what `confirm` records,
 * as its own update), then take the next; on any alarm roll back at once (to the known-good
 * position: the last rung that baked, or Spring to 0 % with none confirmed) and stop. The step
 * limit counts from the known-good share, so the watch climbs one confirmed rung at a time.
 */
import { ladderPosition } from "../../lib/ladder";
import { AlarmSource, AlarmState, Clock } from "./adapters";
import { StackModel } from "../../lib/config";
import { stackNameOf } from "../plan/stackFile";
import { CanaryContext, deployedOutputs, deployedView, ladderOf, readModel } from "./context";
import { trafficOf } from "./deployed";
import { execute } from "./execute";
import { confirmProposal } from "./rollback";
import { UserError } from "../../lib/errors";
import { LiveAccessError } from "../live/aws";
import { KnownGood, RAILS_ONLY, RAILS_ONLY_TARGET, proposeNext, proposeRollback } from "./proposals";

export type Phase = "baking" | "baked";
export type Decision = "continue" | "advance" | "rollback" | "hold";

/**
 * The decision table.
 *   any alarm, baking or baked          → rollback
 *   baking, no alarm (data or not)      → continue baking
 *   baked, every signal OK              → advance to the next rung
 *   baked, some signal without data     → hold (no evidence is not good evidence)
 */
export function decide(phase: Phase, states: readonly AlarmState[]): Decision {
    if (states.includes("ALARM")) return "rollback";
    if (phase === "baking") return "continue";
    return states.length > 0 && states.every((s) => s === "OK") ? "advance" : "hold";
}

/**
 * Whether alarms that were read say the present is healthy, for a decision taken now (a
 * confirmation, a promotion): undefined when every one is OK with data, else the decision (roll
 * back, or wait for data) and the alarms that are not OK, listed.
 */
export function unsettled(states: Record<string, AlarmState>): { decision: "rollback" | "hold"; listed: string } | undefined {
    const decision = decide("baked", Object.values(states));
    if (decision === "advance") return undefined;
    const listed = Object.entries(states)
        .filter(([, s]) => s !== "OK")
        .map(([n, s]) => `${n} ${s}`)
        .join(", ");
    return { decision: decision === "rollback" ? "rollback" : "hold", listed };
}

export interface WatchDeps {
    alarms: AlarmSource;
    clock: Clock;
    /** @default 60 */
    pollSeconds?: number;
    /** Checks without data after a bake before the watch stops (without rolling back). @default 10 */
    maxHolds?: number;
}

export interface WatchOptions {
    route?: string;
    /** Stop once this percent is reached. @default 100 */
    until?: number;
}

/** The alarms that speak for the Spring canary: the composite and the live color's own. */
export async function canaryAlarmNames(ctx: CanaryContext, liveColor: string): Promise<string[]> {
    const outputs = await deployedOutputs(ctx);
    const health = outputs?.health as { compositeAlarm?: string; alarms?: Record<string, string[]> } | undefined;
    if (!health?.compositeAlarm) {
        throw new UserError(`the deployed stack has no health output: run pulumi up --stack ${ctx.stack} once with this version of the program`);
    }
    return [health.compositeAlarm, ...(health.alarms?.[`spring-${liveColor}`] ?? [])];
}

/**
 * Where the watch goes on an alarm: the known-good position (the last rung that baked, which the
 * watch confirmed), or, with none confirmed, Rails on every rule (said so).
 */
async function rollbackTarget(ctx: CanaryContext, model: StackModel): Promise<[KnownGood, string?]> {
    const good = (await deployedView(ctx))?.knownGood;
    if (good) return [trafficOf(good, model)];
    ctx.out("No known-good position is confirmed: Spring goes to 0 % on every rule (the emergency lever).");
    return [RAILS_ONLY, RAILS_ONLY_TARGET];
}

async function rollBack(ctx: CanaryContext, why: string): Promise<number> {
    ctx.out(`\nRolling back: ${why}`);
    const model = readModel(ctx);
    // Its own command line, not the watch's: a rollback that finds the file changed says to re-run a rollback.
    const result = await execute({ ...ctx, argv: undefined }, proposeRollback(model, ...(await rollbackTarget(ctx, model))));
    ctx.out(result === 0 ? "Rolled back. Stopped." : "The rollback did not complete: act now (see above).");
    return 1;
}

export async function watch(given: CanaryContext, deps: WatchDeps, opts: WatchOptions = {}): Promise<number> {
    // Progressive mode deploys every step itself, rollbacks included.
    const ctx: CanaryContext = { ...given, apply: true };
    const poll = (deps.pollSeconds ?? 60) * 1000;
    const maxHolds = deps.maxHolds ?? 10;
    const until = opts.until ?? 100;
    const ladder = ladderOf(ctx.dir, stackNameOf(ctx.stack));
    for (;;) {
        const model = readModel(ctx);
        const current = opts.route ? (model.canary.routes.find((r) => r.name === opts.route)?.weight ?? 0) : model.canary.weight;
        if (current >= until) {
            ctx.out(`\nReached ${current}% (${ladderPosition(current, ladder)}). Done.`);
            return 0;
        }
        const step = await execute(ctx, proposeNext(model, ladder, opts.route));
        if (step !== 0) return step;

        const names = await canaryAlarmNames(ctx, readModel(ctx).spring.liveColor);
        const bakeMs = model.canary.bakeMinutes * 60 * 1000;
        const bakeEnd = deps.clock.now() + bakeMs;
        ctx.out(`\nBaking for ${model.canary.bakeMinutes} min, watching ${names.join(", ")}`);
        while (deps.clock.now() < bakeEnd) {
            await deps.clock.sleep(Math.min(poll, bakeEnd - deps.clock.now()));
            const states = await alarmStates(ctx, deps.alarms, names);
            if (!states) return 3;
            if (decide("baking", Object.values(states)) === "rollback") {
                return rollBack(ctx, `alarm during the bake: ${inState(states, "ALARM")}`);
            }
        }
        for (let holds = 0; ; holds++) {
            const states = await alarmStates(ctx, deps.alarms, names);
            if (!states) return 3;
            const decision = decide("baked", Object.values(states));
            if (decision === "rollback") return rollBack(ctx, `alarm after the bake: ${inState(states, "ALARM")}`);
            if (decision === "advance") {
                ctx.out("Healthy after the bake: confirming this rung, then the next.");
                const confirmation = await confirmProposal(ctx, deps.alarms);
                const confirmed = typeof confirmation === "number" ? confirmation : await execute({ ...ctx, argv: undefined }, confirmation);
                if (confirmed !== 0) {
                    ctx.out("The rung could not be confirmed (see above): stopped here, nothing rolled back.");
                    return confirmed;
                }
                break;
            }
            if (holds >= maxHolds) {
                ctx.out(
                    `\nStopped, holding at the current weight: no data from ${inState(states, "INSUFFICIENT_DATA")} after ${holds} checks. Nothing was rolled back.`,
                );
                return 3;
            }
            ctx.out(`Holding: no data yet from ${inState(states, "INSUFFICIENT_DATA")}`);
            await deps.clock.sleep(poll);
        }
    }
}

/**
 * The alarms' states, or undefined (said why) when AWS refuses to tell (credentials lapsed during
 * a long bake, access denied, throttled): the watch stops where it is, since nothing watches the
 * rung any more, and says what to do. Nothing is rolled back on no data, as after a hold.
 */
async function alarmStates(ctx: CanaryContext, alarms: AlarmSource, names: readonly string[]): Promise<Record<string, AlarmState> | undefined> {
    try {
        return await alarms.states(names);
    } catch (e) {
        if (!(e instanceof LiveAccessError)) throw e;
        const model = readModel(ctx);
        ctx.out(
            `\nStopped, holding at Spring ${model.canary.weight}% (deployed): the alarms could not be read: ${e.message}. Nothing watches this rung now and nothing was rolled back: refresh the credentials, then check (npm run canary -- status --stack ${ctx.stack}) and go on (npm run canary -- next --stack ${ctx.stack} --watch) or roll back (npm run canary -- rollback --stack ${ctx.stack} --apply).`,
        );
        return undefined;
    }
}

function inState(states: Record<string, AlarmState>, state: AlarmState): string {
    return Object.entries(states)
        .filter(([, s]) => s === state)
        .map(([n]) => n)
        .join(", ");
}
