/**
 * Live truth: what AWS actually runs, compared with the deployed stack (its outputs, read with
 * the Pulumi CLI). `npm run canary -- verify --stack <name>` prints the differences as a table;
 * `status --live` adds the same; before every `--apply` step the canary tool refuses a forward
 * step on drift or when a color about to receive traffic lacks healthy targets, and never
 * refuses a move back (it says what it found and applies it).
 * Exit codes: 0 the live system matches, 1 drift or too few healthy targets, 2 AWS could not be
 * read (credentials, region, permissions, throttling) or the deployed outputs could not.
 */
import { UserError } from "../../lib/errors";
import type { Engine } from "../canary/adapters";
import { LiveClientsFactory } from "./aws";
import { LiveReport, compareLive, renderTable } from "./compare";
import { ExpectedLive, OutputsUnreadable, expectedLiveFromOutputs, minHealthyFromOutputs } from "./expected";

export interface LiveDeps {
    stack: string;
    engine: Pick<Engine, "available" | "outputs">;
    /** The AWS clients (@default none: nothing is read, the gate is off). */
    live?: LiveClientsFactory;
    out: (line: string) => void;
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
    if (report.notChecked.length > 0) lines.push("Not checked (the deployed stack's outputs do not name it yet):", ...report.notChecked.map((n) => `  ${n}`));
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

async function deployedExpectation(deps: LiveDeps): Promise<ExpectedLive> {
    if (!deps.engine.available()) {
        throw new UserError("the live check compares AWS with the deployed stack's outputs, which it reads with the Pulumi CLI: none is on the PATH");
    }
    try {
        return expectedLiveFromOutputs(await deps.engine.outputs(deps.stack));
    } catch (e) {
        if (e instanceof OutputsUnreadable)
            throw new UserError(`the deployed outputs of ${deps.stack} cannot be compared: ${e.message} (run pulumi up once with this program)`);
        throw e;
    }
}

/** `verify`: the report, exit 0 or 1; an access problem is a UserError (one line, exit 2). */
export async function verifyCommand(deps: LiveDeps): Promise<number> {
    if (!deps.live) throw new UserError("verify needs AWS clients; none are configured");
    const report = await checkLive(await deployedExpectation(deps), deps.live);
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
 * Before an `--apply` step is written: false (refused, said why) on drift, when a color the
 * step sends traffic to (`after`: the step's plan outputs) has fewer healthy targets than its
 * minimum, or when AWS cannot be read. A move back is never refused: what was found is printed
 * and it goes ahead. Without AWS clients (a test of the tool's flow) there is no gate.
 */
export async function liveGate(deps: LiveDeps, after: Record<string, unknown>, rollback: boolean): Promise<boolean> {
    if (!deps.live) return true;
    const { out, stack } = deps;
    let report: LiveReport;
    try {
        const expected = await deployedExpectation(deps);
        report = await checkLive({ ...expected, minHealthy: minHealthyFromOutputs(after) }, deps.live);
    } catch (e) {
        if (!(e instanceof UserError) && !(e instanceof OutputsUnreadable)) throw e;
        if (rollback) {
            out(`\nLive check not done (${e.message}); a move back is never blocked: going ahead.`);
            return true;
        }
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
    out(
        `Refused: the live system is not what this step starts from; nothing was written. Find out why (a console change, a rollback by ECS?), then check again: npm run canary -- verify --stack ${stack}`,
    );
    return false;
}
