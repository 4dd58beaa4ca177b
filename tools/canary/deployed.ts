/**
 * What is deployed, as the canary tool works from it: the stack's position, the known-good
 * position the operator last confirmed (the pointer lives in the deployed state only: lib/position.ts
 * knownGoodAfter), the stack's outputs and its resources, read once through the Pulumi CLI
 * (`pulumi stack export`, nothing decrypted: pulumiCli.ts). And where the stack file and the
 * deployment disagree on what moves traffic (drift): a step written and not deployed, or deployed
 * and not merged. Positions are compared as lib/position computes them, never by re-reading rules.
 */
import { StackModel, routingInput } from "../../lib/config";
import { diffPositions } from "../../lib/compare";
import { CUTIN_PHASES } from "../../lib/cutin";
import { UserError } from "../../lib/errors";
import { shellQuote } from "./configCommands";
import { Position, TrafficEntry, readDeployedPositions, releaseOf, springShare } from "../../lib/position";
import { planRules } from "../../lib/rules";
import { COLORS, Color, SIDES, Side } from "../../lib/weights";
import type { DeployedResourceState } from "../engine/monitor";
import type { PlanRun } from "../plan/types";
import type { DeployedResource, Engine } from "./adapters";
import type { ConfigEdit, KnownGood } from "./proposals";
import { SECRET_SHOWN } from "./pulumiCli";

/** The deployment as one read of the Pulumi CLI gives it. */
export interface DeployedView {
    position: Position;
    /** The position the operator last confirmed (null: none confirmed yet). */
    knownGood: Position | null;
    outputs: Record<string, unknown>;
    resources: readonly DeployedResource[];
}

/** A deployment whose outputs cannot be read as a position (lib/position.ts readDeployedPositions): why, and its outputs. */
export interface UnreadableDeployment {
    problem: string;
    outputs: Record<string, unknown>;
}

/**
 * The deployment through the engine, read as the policy pack reads it (one reader:
 * lib/position.ts readDeployedPositions): a missing knownGood is none confirmed; a position of
 * another version, or a malformed one, is unreadable (the pack refuses every update then).
 */
export async function readDeployment(engine: Engine, stack: string): Promise<DeployedView | UnreadableDeployment> {
    const outputs = await engine.outputs(stack);
    const read = readDeployedPositions(outputs);
    if ("problem" in read) return { problem: read.problem, outputs };
    return { ...read, outputs, resources: await engine.resources(stack) };
}

/** What an unreadable deployment means, in one sentence and where the way out is documented. */
export function unreadableLine(stack: string, problem: string): string {
    return `the deployment of stack ${stack} cannot be read (${problem}): the policy pack refuses every update of it (deployed-unreadable) until it records a position once, as docs/policies.md "Upgrading a stack deployed before position existed" says`;
}

/** The deployed view of a stack through the engine; an unreadable one is the user's to fix (a UserError). */
export async function readDeployedView(engine: Engine, stack: string): Promise<DeployedView> {
    const read = await readDeployment(engine, stack);
    if ("problem" in read) throw new UserError(`${unreadableLine(stack, read.problem)}. Nothing was written.`);
    return read;
}

/**
 * The emergency lever by hand: Spring to 0 % on the catch-all and on every route, in this order
 * (decreases: the pack passes them; each one after the first is deployed with the ones before it
 * that are still pending: drift.ts resolveDrift).
 */
export function emergencyLever(model: StackModel, stack: string = model.stack): string[] {
    // `stack` as the operator typed it (org/project/stack stays whole, shell-quoted).
    const set = (extra: string) => `npm run canary -- set 0${extra} --stack ${shellQuote(stack)}`;
    return [set(""), ...model.canary.routes.map((r) => set(` --route ${r.name}`))];
}

// ---------------------------------------------------------------------------
// The stack file's canary rules and their weights.

/** A canary rule of the stack file: its listener rule's name (lib/rules.ts owns it) and the config key of its Spring weight. */
export interface WeightKey {
    rule: string;
    path: string;
    label: string;
    weight: number;
}

/** The canary rules the stack file declares (routes in order, then the catch-all), as lib/rules.ts plans them. */
export function weightKeys(model: StackModel): WeightKey[] {
    const rules = planRules(routingInput(model));
    const routes = rules.filter((r) => r.kind === "path");
    const catchAll = rules.filter((r) => r.kind === "catch-all");
    return [
        ...routes.map((r, i) => ({
            rule: r.name,
            path: `canary.routes[${i}].weight`,
            label: `route ${model.canary.routes[i].name}`,
            weight: model.canary.routes[i].weight,
        })),
        ...catchAll.map((r) => ({ rule: r.name, path: "canary.weight", label: "canary.weight", weight: model.canary.weight })),
    ];
}

const entryOf = (p: Position, rule: string): TrafficEntry | undefined => p.traffic.find((e) => e.rule === rule);

/** Spring's percent of a rule in a position, at most one decimal as config holds it; undefined when the rule is absent or unreadable. */
function springPercent(p: Position, rule: string): number | undefined {
    const entry = entryOf(p, rule);
    const share = entry ? springShare(entry) : NaN;
    return Number.isFinite(share) ? Math.round(share * 10) / 10 : undefined;
}

/**
 * The weights and colors of a position, keyed as the stack file keys them: what `rollback` goes
 * back to (known-good) and what `--from-deployed` writes. A canary rule the position does not have
 * (a route added since) is at 0: Rails.
 */
export function trafficOf(p: Position, model: StackModel): KnownGood {
    const keys = weightKeys(model);
    const catchAll = keys.find((k) => k.path === "canary.weight");
    return {
        weight: (catchAll && springPercent(p, catchAll.rule)) ?? 0,
        routes: Object.fromEntries(model.canary.routes.map((r, i) => [r.name, springPercent(p, keys[i].rule) ?? 0])),
        liveColors: {
            ...(p.liveColors.legacy ? { legacy: p.liveColors.legacy } : {}),
            ...(p.liveColors.spring ? { spring: p.liveColors.spring } : {}),
        },
    };
}

/** Whether any public rule of the position may send requests to Spring (a rule whose shares cannot be read may). */
export function servesSpring(p: Position): boolean {
    return p.traffic.some((e) => {
        const share = springShare(e);
        return !Number.isFinite(share) || share > 0;
    });
}

/** A position in one line: Spring's share per public rule and the live colors. */
export function describePosition(p: Position): string {
    const shares = p.traffic.filter((e) => e.shares !== null).map((e) => `${e.rule} Spring ${springShare(e)}%`);
    const live = SIDES.filter((side) => p.liveColors[side]).map((side) => `${side} ${p.liveColors[side]}`);
    return [...shares, `live: ${live.join(", ") || "unknown"}`].join("; ");
}

// ---------------------------------------------------------------------------
// Drift: where the stack file's position and the deployed one disagree.

export interface DriftRow {
    what: string;
    file: string;
    deployed: string;
    /** A difference at the edge (the cut-in): --from-deployed does not rewrite it. */
    edge?: true;
}

const showShares = (e: TrafficEntry | undefined) =>
    !e
        ? "no such rule"
        : !e.shares
          ? "not readable"
          : Object.entries(e.shares)
                .sort(([a], [b]) => a.localeCompare(b))
                .map(([label, share]) => `${label} ${share}%`)
                .join(", ") || "nothing";
const show = (v: unknown) => (v === null || v === undefined ? "unknown" : String(v));
const differ = (a: unknown, b: unknown) => diffPositions(a ?? null, b ?? null).length > 0;

/** What a run of the program runs per color: Spring's image, Beanstalk's version label. */
const RUNS: { side: Side; what: string }[] = [
    { side: "spring", what: "image" },
    { side: "legacy", what: "version label" },
];

/**
 * The differences on what moves traffic: Spring's and Rails' shares per public rule, the live
 * colors, and what each color runs (images, version labels). Empty: the file is what is deployed.
 */
export function driftRows(file: Position, deployed: Position): DriftRow[] {
    const rows: DriftRow[] = [];
    const rules = [...new Set([...file.traffic, ...deployed.traffic].map((e) => e.rule))];
    for (const rule of rules) {
        const [f, d] = [entryOf(file, rule), entryOf(deployed, rule)];
        if (!f || !d || differ(f.shares, d.shares)) rows.push({ what: `traffic ${rule}`, file: showShares(f), deployed: showShares(d) });
    }
    for (const side of SIDES) {
        if (differ(file.liveColors[side], deployed.liveColors[side]))
            rows.push({ what: `live color ${side}`, file: show(file.liveColors[side]), deployed: show(deployed.liveColors[side]) });
    }
    for (const { side, what } of RUNS) {
        for (const color of COLORS) {
            const [f, d] = [file.runs[side]?.[color], deployed.runs[side]?.[color]];
            if (differ(f, d)) rows.push({ what: `${side} ${color} ${what}`, file: show(f), deployed: show(d) });
        }
    }
    return [...rows, ...edgeRows(file, deployed)];
}

/**
 * Where the edge differs: the cut-in phase, the share of viewers CloudFront sends to the staging
 * distribution, the old origin a cut-in rollback goes back to, the viewer-facing distribution.
 * A cut-in step computed from a file behind the deployment moves CloudFront backwards while
 * the diff compares file with file (red team D, C4). Rows with `edge: true`: reconciled by hand.
 */
export function edgeRows(file: Position, deployed: Position): DriftRow[] {
    const [f, d] = [file.edge, deployed.edge];
    const rows: DriftRow[] = [];
    if (differ(f.phase, d.phase)) rows.push({ what: "cut-in phase", file: show(f.phase), deployed: show(d.phase), edge: true });
    if (differ(f.weight, d.weight)) rows.push({ what: "cut-in edge weight", file: `${f.weight}%`, deployed: `${d.weight}%`, edge: true });
    if (differ(f.oldOrigin, d.oldOrigin)) rows.push({ what: "cut-in old origin", file: show(f.oldOrigin), deployed: show(d.oldOrigin), edge: true });
    if (differ(f.primary, d.primary)) rows.push({ what: "viewer distribution", file: show(f.primary), deployed: show(d.primary), edge: true });
    return rows;
}

/** The rows as a table: what, the stack file's value, the deployed value. */
export function renderDrift(rows: readonly DriftRow[], fileName: string): string[] {
    const head = { what: "what", file: fileName, deployed: "deployed" };
    const width = (k: "what" | "file" | "deployed") => Math.max(...[head, ...rows].map((r) => r[k].length));
    const line = (r: DriftRow) => `  ${r.what.padEnd(width("what"))}  ${r.file.padEnd(width("file"))}  ${r.deployed}`.trimEnd();
    return [line(head), line({ what: "-".repeat(width("what")), file: "-".repeat(width("file")), deployed: "-".repeat(width("deployed")) }), ...rows.map(line)];
}

/**
 * The stack file edits that make its traffic, live colors and releases those of the deployed
 * position (`--from-deployed`), or why they cannot (a rule one side has and the other does not:
 * routes are reconciled by hand).
 */
export function fromDeployedEdits(model: StackModel, file: Position, deployed: Position): { edits: ConfigEdit[]; problems: string[] } {
    const edits: ConfigEdit[] = [];
    const keys = weightKeys(model);
    const problems = [...new Set([...file.traffic, ...deployed.traffic].map((e) => e.rule))]
        .filter((rule) => !entryOf(file, rule) || !entryOf(deployed, rule))
        .map(
            (rule) =>
                `rule ${rule} is ${entryOf(file, rule) ? "in the stack file but not deployed" : "deployed but not in the stack file"}: change canary.routes`,
        );
    // The cut-in's config is reconciled by hand: its phase, weight and dates move together (cutin.ts).
    problems.push(...edgeRows(file, deployed).map((r) => `${r.what} is ${r.file} in the stack file, ${r.deployed} deployed: change the cutin section`));
    for (const key of keys) {
        const percent = springPercent(deployed, key.rule);
        if (percent !== undefined && percent !== key.weight) edits.push({ path: key.path, value: percent });
    }
    for (const side of SIDES) {
        const color = deployed.liveColors[side];
        if (side === "legacy" && !model.legacyPresent) continue;
        const current = side === "spring" ? model.spring.liveColor : model.legacy.liveColor;
        if (color && color !== current) edits.push({ path: `${side}.liveColor`, value: color });
    }
    for (const color of COLORS) {
        const image = releaseOf(deployed.runs.spring[color]);
        if (image && image !== model.spring[color].image) edits.push({ path: `spring.${color}.image`, value: image });
        const label = releaseOf(deployed.runs.legacy?.[color]);
        if (model.legacyPresent && label && label !== model.legacy[color].versionLabel) edits.push({ path: `legacy.${color}.versionLabel`, value: label });
    }
    return { edits, problems };
}

/**
 * Whether the file's edge is where the deployed one goes next, or there already: a cut-in step
 * written and not deployed (a later phase, a higher edge rung, the old origin retired), which the
 * cut-in commands continue from the file (cutin.ts reads the deployed `cutin` output itself).
 * False for a file behind the deployment or elsewhere (another viewer distribution): a cut-in
 * step computed from it would move CloudFront back (red team D, C4).
 */
export function edgeAhead(file: Position, deployed: Position): boolean {
    const [f, d] = [file.edge, deployed.edge];
    if (!f.phase || !d.phase || differ(f.primary, d.primary)) return false;
    const [fi, di] = [CUTIN_PHASES.indexOf(f.phase), CUTIN_PHASES.indexOf(d.phase)];
    if (fi !== di) return fi > di;
    if (f.weight !== d.weight) return f.weight > d.weight;
    return !differ(f.oldOrigin, d.oldOrigin) || f.oldOrigin === null;
}

// ---------------------------------------------------------------------------
// The deployed resources a targeted plan keeps.

const PLACEHOLDER = /\[secret:[^\]]+\]/;
const hasPlaceholder = (v: unknown): boolean =>
    typeof v === "string"
        ? PLACEHOLDER.test(v)
        : Array.isArray(v)
          ? v.some(hasPlaceholder)
          : !!v && typeof v === "object" && Object.values(v).some(hasPlaceholder);

/**
 * A deployed value with each "[secret]" (a secret `pulumi stack export` does not decrypt)
 * replaced by the plan's value at the same property path where that names a generated secret
 * ("[secret:origin-verify-a]"): the pack then compares like with like. Elsewhere it stays "[secret]".
 */
export function withPlaceholders(deployed: unknown, planned: unknown): unknown {
    if (deployed === SECRET_SHOWN) return hasPlaceholder(planned) ? planned : deployed;
    if (Array.isArray(deployed)) return deployed.map((v, i) => withPlaceholders(v, Array.isArray(planned) ? planned[i] : undefined));
    if (deployed && typeof deployed === "object") {
        const plan = planned && typeof planned === "object" && !Array.isArray(planned) ? (planned as Record<string, unknown>) : {};
        return Object.fromEntries(Object.entries(deployed).map(([k, v]) => [k, withPlaceholders(v, plan[k])]));
    }
    return deployed;
}

/**
 * The deployed resources as a targeted plan keeps them (tools/plan/run.ts `deployedStates`), their
 * secrets named as the plan names them. Without a custom resource the state is not a deployment
 * the plan can keep anything of.
 */
export function deployedStatesFor(stack: string, resources: readonly DeployedResource[], plan: PlanRun): DeployedResourceState[] {
    const planned = new Map(plan.states.map((s) => [s.urn, s]));
    const states = resources
        .filter((r) => r.id !== undefined)
        .map((r) => ({
            urn: r.urn,
            type: r.type,
            id: r.id,
            inputs: withPlaceholders(r.inputs, planned.get(r.urn)?.inputs) as Record<string, unknown>,
            outputs: withPlaceholders(r.outputs, planned.get(r.urn)?.outputs) as Record<string, unknown>,
        }));
    if (states.length === 0) {
        throw new UserError(
            `the deployed state of stack ${stack} holds no resources to keep in a targeted update (pulumi stack export --stack ${stack}): deploy the stack whole first`,
        );
    }
    return states;
}

/** The known-good position's color of a side, if it names one. */
export const knownGoodColor = (view: DeployedView | undefined, side: Side): Color | undefined => view?.knownGood?.liveColors[side] ?? undefined;
