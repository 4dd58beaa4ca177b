/**
 * Start the policy pack as the Pulumi CLI does for `--policy-pack policy`, and drive it over
 * the Analyzer gRPC service.
 *
 * The Node.js language host's RunPlugin (kind "analyzer") runs, with the pack directory as
 * working directory and the pack's OWN node_modules:
 *   node <require.resolve("@pulumi/pulumi/cmd/run-policy-pack") from the pack dir> <engine addr> <pack dir>
 * with PULUMI_NODEJS_TYPESCRIPT=true and the stack's organization/project/stack/dry-run/config
 * as PULUMI_NODEJS_* and PULUMI_CONFIG. `run-policy-pack` registers ts-node with type checking
 * always on and the pack's tsconfig.json; the PolicyPack prints its port on stdout.
 * The engine then asks GetAnalyzerInfo and GetPluginInfo, reconciles the policy config file
 * with the policies' schemas, sends Configure and ConfigureStack, calls Analyze with each
 * registered resource's inputs, and AnalyzeStack with every resource's outputs at the end.
 */
import { spawn, ChildProcess } from "node:child_process";
import * as grpc from "@grpc/grpc-js";
import type { EnforcementLevel, Policies } from "@pulumi/policy";
import { PolicyReport, resolvePolicyConfig, ResolvedPolicyConfig, Violation } from "../policy/evaluate";
import { ProgramLaunch, childEnv, languageHostConfig } from "./program";
import { PlanMonitor, StructData } from "./monitor";
import type { RecordedResource } from "../plan/mocks";
import type { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import type { AnalyzeResponse, AnalyzerInfo, AnalyzerResourceOptions, ConfigureAnalyzerRequest } from "@pulumi/pulumi/proto/analyzer_pb";
import type { Struct } from "google-protobuf/google/protobuf/struct_pb";

const analyzerrpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb") as typeof import("@pulumi/pulumi/proto/analyzer_grpc_pb");
const analyzerproto = require("@pulumi/pulumi/proto/analyzer_pb") as typeof import("@pulumi/pulumi/proto/analyzer_pb");
const structproto = require("google-protobuf/google/protobuf/struct_pb") as typeof import("google-protobuf/google/protobuf/struct_pb");
const emptyproto = require("google-protobuf/google/protobuf/empty_pb") as typeof import("google-protobuf/google/protobuf/empty_pb");

// The generated enum is a plain object of names to numbers (no reverse mapping, unlike a TypeScript enum).
const LEVEL_NAMES: Record<number, EnforcementLevel> = Object.fromEntries(
    Object.entries(analyzerproto.EnforcementLevel)
        .filter((e): e is [string, number] => typeof e[1] === "number")
        .map(([k, v]) => [v, k.toLowerCase() as EnforcementLevel]),
);

export class PackStartError extends Error {
    constructor(
        message: string,
        readonly output: string,
    ) {
        super(message);
        this.name = "PackStartError";
    }
}

export interface RunningPack {
    client: AnalyzerClient;
    /** Analyses run one at a time: Configure and ConfigureStack set process-wide state in the pack. */
    queue: Promise<unknown>;
    process: ChildProcess;
    /** Everything the pack wrote (stdout after the port, and stderr). */
    output(): string;
    stop(): void;
}

/** Start the pack and wait for the port it prints; a pack that exits first is a PackStartError. */
type StackEnv = Pick<ProgramLaunch, "organization" | "project" | "stack" | "preview" | "config">;

export function startPack(packDir: string, engineAddress: string, stackEnv: StackEnv): Promise<RunningPack> {
    const runPath = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [packDir] });
    const env = childEnv({
        PULUMI_NODEJS_TYPESCRIPT: "true",
        PULUMI_NODEJS_ORGANIZATION: stackEnv.organization,
        PULUMI_NODEJS_PROJECT: stackEnv.project,
        PULUMI_NODEJS_STACK: stackEnv.stack,
        PULUMI_NODEJS_DRY_RUN: String(stackEnv.preview),
        PULUMI_CONFIG: languageHostConfig(stackEnv.config),
    });
    const child = spawn(process.execPath, [runPath, engineAddress, packDir], { cwd: packDir, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let port: string | undefined;
    return new Promise((resolve, reject) => {
        child.stdout!.on("data", (d) => {
            out += d;
            if (port === undefined && /^\d+\s*\n/.test(out)) {
                port = out.split("\n")[0].trim();
                out = out.slice(out.indexOf("\n") + 1);
                const client = new analyzerrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
                resolve({ client, queue: Promise.resolve(), process: child, output: () => out, stop: () => void (child.exitCode === null && child.kill()) });
            }
        });
        child.stderr!.on("data", (d) => (out += d));
        child.on("error", reject);
        child.on("close", (code) => {
            if (port === undefined) reject(new PackStartError(`policy pack exited with code ${code} before serving:\n${out}`, out));
        });
    });
}

/** One unary call, `send` given the callback: `call<Resp>((cb) => client.method(req, cb))`. */
function call<Resp>(send: (cb: (err: grpc.ServiceError | null, resp: Resp) => void) => unknown): Promise<Resp> {
    return new Promise((resolve, reject) => send((err, resp) => (err ? reject(err) : resolve(resp))));
}

/**
 * The pack's policies as GetAnalyzerInfo describes them: what the CLI reconciles the config file with.
 * Only their names, levels and config schemas (all resolvePolicyConfig reads): the validate functions stay in the pack.
 */
function servedPolicies(info: AnalyzerInfo): { policies: Policies; descriptions: Map<string, string> } {
    const descriptions = new Map<string, string>();
    const policies = info.getPoliciesList().map((p) => {
        descriptions.set(p.getName(), p.getDescription());
        const schema = p.getConfigschema();
        return {
            name: p.getName(),
            description: p.getDescription(),
            enforcementLevel: LEVEL_NAMES[p.getEnforcementlevel()],
            ...(schema ? { configSchema: { properties: schema.getProperties()?.toJavaScript() ?? {}, required: schema.getRequiredList() } } : {}),
        };
    }) as unknown as Policies;
    return { policies, descriptions };
}

function policyConfigMessage(config: Record<string, ResolvedPolicyConfig>): ConfigureAnalyzerRequest {
    const req = new analyzerproto.ConfigureAnalyzerRequest();
    for (const [name, c] of Object.entries(config)) {
        const pc = new analyzerproto.PolicyConfig();
        pc.setEnforcementlevel(analyzerproto.EnforcementLevel[c.enforcementLevel.toUpperCase() as Uppercase<EnforcementLevel>]);
        // The config file's JSON (and the schemas' defaults).
        pc.setProperties(structproto.Struct.fromJavaScript(c.properties as StructData));
        req.getPolicyconfigMap().set(name, pc);
    }
    return req;
}

/** What an AnalyzeRequest and an AnalyzerResource share. */
interface ResourceMessage {
    setType(value: string): unknown;
    setUrn(value: string): unknown;
    setName(value: string): unknown;
    setProperties(value?: Struct): unknown;
    setOptions(value?: AnalyzerResourceOptions): unknown;
}

/** Fill what an AnalyzeRequest and an AnalyzerResource share: type, URN, name, properties, options. */
function describe<M extends ResourceMessage>(message: M, r: RecordedResource, properties: StructData | undefined): M {
    const opts = new analyzerproto.AnalyzerResourceOptions();
    opts.setProtect(r.options.protect);
    opts.setIgnorechangesList(r.options.ignoreChanges);
    if (r.parent) opts.setParent(r.parent);
    message.setType(r.type);
    message.setUrn(r.urn);
    message.setName(r.name);
    message.setProperties(structproto.Struct.fromJavaScript(properties ?? {}));
    message.setOptions(opts);
    return message;
}

export interface Analysis extends PolicyReport {
    packName: string;
    packVersion: string;
    /** The names of the policies the pack serves. */
    served: string[];
}

/**
 * Analyze a finished program run with a running pack. `policyConfigFile` is the parsed
 * `--policy-pack-config` file ({} for none).
 */
export function analyze(
    pack: RunningPack,
    monitor: PlanMonitor,
    policyConfigFile: Record<string, unknown>,
    stackEnv: StackEnv & Pick<ProgramLaunch, "secretKeys">,
): Promise<Analysis> {
    const turn = pack.queue.then(() => analyzeNow(pack.client, monitor, policyConfigFile, stackEnv));
    pack.queue = turn.catch(() => undefined);
    return turn;
}

async function analyzeNow(
    client: AnalyzerClient,
    monitor: PlanMonitor,
    policyConfigFile: Record<string, unknown>,
    stackEnv: StackEnv & Pick<ProgramLaunch, "secretKeys">,
): Promise<Analysis> {
    const { info, policies, descriptions } = await configurePack(client, policyConfigFile, stackEnv);
    const report: Analysis = {
        packName: info.getName(),
        packVersion: info.getVersion(),
        served: policies.map((p) => p.name),
        violations: [],
        notApplicable: [],
    };
    const collect = (resp: AnalyzeResponse, analyzed: string | null) => collectDiagnostics(report, descriptions, resp, analyzed);

    // Analyze: each registration's inputs, in registration order (reads are not analyzed).
    for (const r of monitor.recorded) {
        if (monitor.reads.has(r.urn)) continue;
        const request = describe(new analyzerproto.AnalyzeRequest(), r, monitor.rawInputs.get(r.urn));
        collect(await call<AnalyzeResponse>((cb) => client.analyze(request, cb)), r.urn);
    }

    // AnalyzeStack: every resource's outputs, with parents and dependencies.
    const stackAnalysis = new analyzerproto.AnalyzeStackRequest();
    stackAnalysis.setResourcesList(
        monitor.recorded.map((r) => {
            const res = describe(new analyzerproto.AnalyzerResource(), r, monitor.rawOutputs.get(r.urn));
            if (r.parent) res.setParent(r.parent);
            res.setDependenciesList(r.options.dependsOn);
            return res;
        }),
    );
    collect(await call<AnalyzeResponse>((cb) => client.analyzeStack(stackAnalysis, cb)), null);
    return report;
}

/** The handshake before any analysis, as the engine does it: plugin info, the resolved policy config, the stack. */
async function configurePack(client: AnalyzerClient, policyConfigFile: Record<string, unknown>, stackEnv: StackEnv & Pick<ProgramLaunch, "secretKeys">) {
    const info = await call<AnalyzerInfo>((cb) => client.getAnalyzerInfo(new emptyproto.Empty(), cb));
    await call((cb) => client.getPluginInfo(new emptyproto.Empty(), cb));
    const { policies, descriptions } = servedPolicies(info);
    // Every served policy carries its effective level (its own, else the pack's), so the
    // pack-level default passed here is never used.
    const config = resolvePolicyConfig(policies, "mandatory", policyConfigFile);
    await call((cb) => client.configure(policyConfigMessage(config), cb));

    const stackReq = new analyzerproto.AnalyzerStackConfigureRequest();
    stackReq.setStack(stackEnv.stack);
    stackReq.setProject(stackEnv.project);
    stackReq.setOrganization(stackEnv.organization);
    stackReq.setDryRun(stackEnv.preview);
    stackReq.setConfigSecretKeysList([...stackEnv.secretKeys]);
    for (const [k, v] of Object.entries(stackEnv.config)) stackReq.getConfigMap().set(k, v);
    await call((cb) => client.configureStack(stackReq, cb));
    return { info, policies, descriptions };
}

/** A response's diagnostics as violations (a resource policy's without a URN is the analyzed resource's), and its not-applicables. */
function collectDiagnostics(report: Analysis, descriptions: Map<string, string>, resp: AnalyzeResponse, analyzed: string | null): void {
    for (const d of resp.getDiagnosticsList()) {
        // The policy server prefixes the policy's description to the reported message.
        const description = descriptions.get(d.getPolicyname()) ?? "";
        const message = d.getMessage().startsWith(`${description}\n`) ? d.getMessage().slice(description.length + 1) : d.getMessage();
        const level = LEVEL_NAMES[d.getEnforcementlevel()];
        report.violations.push({
            policy: d.getPolicyname(),
            level: level === "advisory" ? "advisory" : "mandatory",
            urn: d.getUrn() || analyzed,
            message,
        } as Violation);
    }
    for (const n of resp.getNotApplicableList()) report.notApplicable.push({ policy: n.getPolicyName(), reason: n.getReason() });
}
