/**
 * Live truth: what AWS actually runs, compared with what is deployed (the deployed position and
 * the deployed resources, the canary tool's one read of the deployment: tools/canary/deployed.ts;
 * never the stack file). `npm run canary -- verify --stack <name>` prints the differences as a
 * table; `status --live` adds the same; before every `--apply` step the canary tool refuses a
 * forward step on drift, when a color the step sends traffic to lacks healthy targets, or when
 * the check cannot run, and never refuses a move back (it says what it found and applies it).
 * Exit codes: 0 the live system matches, 1 drift or too few healthy targets, 2 AWS could not be
 * read (credentials, region, permissions, throttling) or the deployment could not.
 */
import { UserError } from "../../lib/errors";
import { upCommand } from "../canary/adapters";
import type { CanaryContext } from "../canary/context";
import { requireDeployed } from "../canary/context";
import type { DeployedView } from "../canary/deployed";
import { LiveClientsFactory } from "./aws";
import { LiveReport, compareLive, renderTable } from "./compare";
import { ExpectedLive, OutputsUnreadable, expectedLive, minHealthyAfter } from "./expected";

export interface LiveDeps extends Pick<CanaryContext, "stack" | "engine" | "out"> {
    /** The AWS clients (@default none: nothing is read, the gate is off). */
    live?: LiveClientsFactory;
}

/** Read AWS for everything `expected` names and judge it; a LiveAccessError when AWS cannot be read. */
export async function checkLive(expected: ExpectedLive, clients: LiveClientsFactory): Promise<LiveReport> {
    // Loaded here: the SDK clients cost every other command nothing.
    const { readLive } = await import("./read");
    return compareLive(expected, await readLive(await clients(), expected));
}

/** The report as lines; the verdict last. */
export function renderReport(stack: string, report: LiveReport): string[] {
    const lines = [`Live check of ${stack}: AWS compared with the deployed stack (read-only calls)`];
    if (report.drift.length > 0) lines.push("Differences (the live system is not what the stack deployed):", ...renderTable(report.drift));
    if (report.unhealthy.length > 0) lines.push("Too few healthy targets for traffic:", ...renderTable(report.unhealthy));
    if (report.notChecked.length > 0) lines.push("Not checked (the deployed state does not record it):", ...report.notChecked.map((n) => `  ${n}`));
    const ok = report.drift.length === 0 && report.unhealthy.length === 0;
    const partly = report.notChecked.length > 0 ? ` in what was checked (${report.notChecked.length} part(s) not checked, above)` : "";
    lines.push(
        ok
            ? `The live system matches the deployed stack${partly}.`
            : `The live system does not match: ${report.drift.length + report.unhealthy.length} difference(s).`,
    );
    return lines;
}

const verdict = (report: LiveReport) => (report.drift.length === 0 && report.unhealthy.length === 0 ? 0 : 1);

/** The deployment, read once per command through the engine (a UserError naming the fix when it cannot be). */
function deployed(deps: LiveDeps): Promise<DeployedView> {
    return requireDeployed(
        deps,
        `the live check compares AWS with the deployed stack, which it reads with the Pulumi CLI (pulumi stack export --stack ${deps.stack}): none is on the PATH`,
    );
}

/** `verify`: the report, exit 0 or 1; an access problem is a UserError (one line, exit 2). */
export async function verifyCommand(deps: LiveDeps): Promise<number> {
    if (!deps.live) throw new UserError("verify needs AWS clients; none are configured");
    const report = await checkLive(expectedLive(await deployed(deps)), deps.live);
    renderReport(deps.stack, report).forEach((line) => deps.out(line));
    return verdict(report);
}

/** `status --live`: the same report after the status; read-only, so a problem is one line and exit 2, never a trace. */
export async function statusLive(deps: LiveDeps): Promise<number> {
    deps.out("");
    try {
        return await verifyCommand(deps);
    } catch (e) {
        if (!(e instanceof UserError)) throw e;
        deps.out(`Live check not done: ${e.message}`);
        return 2;
    }
}

/**
 * The refusal, with what to run. A plain `pulumi up` would not undo a console change: it diffs
 * the program against the state, which still holds the deployed values; `--refresh` reads what
 * AWS runs first, so the update puts back what the stack declares (Pulumi docs, "Detecting and
 * reconciling drift": remediation is `pulumi up --refresh`). Not for a circuit-breaker rollback:
 * that would deploy the failing release again.
 */
function refuseDrift(out: (line: string) => void, stack: string): void {
    out("Refused: the live system is not what this step starts from; nothing was written.");
    out("Find out why (a console change? a rollback by the ECS circuit breaker?) and settle it, then check again:");
    out(`  npm run canary -- verify --stack ${stack}`);
    out("To undo a console change (the refresh reads what AWS runs, the update puts back what the stack declares):");
    out(`  ${upCommand(stack)} --refresh`);
}

/**
 * Before an `--apply` step is written: false (refused, said why) on drift, when a color the
 * step sends traffic to (`after`: the step's plan outputs) has fewer healthy targets than the
 * capacity deployed for it, or when the check cannot run (AWS or the deployment unreadable). A
 * move back (`rollback`: the pack judged the step back toward the known-good position) is never
 * refused, whatever the check finds or however it fails: what was found is printed and it goes
 * ahead. Without AWS clients (a test of the tool's flow) there is no gate.
 */
export async function liveGate(deps: LiveDeps, after: Record<string, unknown>, rollback: boolean): Promise<boolean> {
    if (!deps.live) return true;
    const { out, stack } = deps;
    let report: LiveReport;
    try {
        const view = await deployed(deps);
        report = await checkLive({ ...expectedLive(view), minHealthy: minHealthyAfter(after, view.position) }, deps.live);
    } catch (e) {
        if (rollback) {
            out(`\nLive check not done (${e instanceof Error ? e.message : String(e)}); a move back is never blocked: going ahead.`);
            return true;
        }
        if (!(e instanceof UserError) && !(e instanceof OutputsUnreadable)) throw e;
        out(`\nRefused: the live check could not run: ${e.message}; nothing was written.`);
        return false;
    }
    out("");
    renderReport(stack, report).forEach((line) => out(line));
    if (verdict(report) === 0) return true;
    if (rollback) {
        out("A move back is never blocked: going ahead. Restore or record the differences above afterwards.");
        return true;
    }
    refuseDrift(out, stack);
    return false;
}
