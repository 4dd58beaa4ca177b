/**
 * The canary tool's connections to the outside: the deployment engine (Pulumi's
 * Automation API, with the policy pack), the alarm source (CloudWatch) and the clock.
 * Interfaces here; tests use fakes, `npm run canary` the real adapters below.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CALLS, read } from "../live/aws";
import { stackNameOf } from "../plan/stackFile";
import { shellQuote } from "./configCommands";
import { DeployedResource, Deployment, PulumiCliError, describeCliFailure, exportDeployment } from "./pulumiCli";

export type AlarmState = "OK" | "ALARM" | "INSUFFICIENT_DATA";

export type { DeployedResource } from "./pulumiCli";

export interface UpOptions {
    /** `--target`: update only these URNs (a traffic step: the listener rules and the stack's outputs). */
    targets?: readonly string[];
}

export interface Engine {
    /** Whether updates can run here (a Pulumi CLI on the PATH). */
    available(): boolean;
    /** `pulumi up` of the stack with the policy pack; resolves when the update succeeded. */
    up(stack: string, log: (line: string) => void, opts?: UpOptions): Promise<void>;
    /** The stack's outputs as deployed. */
    outputs(stack: string): Promise<Record<string, unknown>>;
    /** The stack's resources as deployed (state), with their protect flags and outputs. */
    resources(stack: string): Promise<DeployedResource[]>;
    /** `pulumi refresh` of these resources only. */
    refresh(stack: string, urns: readonly string[], log: (line: string) => void): Promise<void>;
}

/** An ECS service's deployments as DescribeServices reports them. */
export interface ServiceDeployments {
    deployments: { status: string; taskDefinition: string; rolloutState?: string; rolloutStateReason?: string }[];
}

/** Reads what ECS is really running (the provider's success does not say: terraform-provider-aws#20858). */
export interface ServiceInspector {
    describe(cluster: string, service: string): Promise<ServiceDeployments | undefined>;
}

/**
 * CloudFront, for what the provider cannot do in the cut-in: detach a continuous deployment
 * policy from the primary. `continuousDeploymentPolicyId` is optional+computed in the
 * provider, so leaving it out keeps the old id and sends it again (terraform-provider-aws#34511,
 * open); an UpdateDistribution without the field leaves the policy attached as well, only an
 * empty string detaches it (aws-sdk-js-v3#7417); and CloudFront refuses to delete a policy that
 * is attached to a primary distribution ("First update your distribution to remove the
 * continuous deployment policy": API reference, DeleteContinuousDeploymentPolicy).
 */
export interface EdgeApi {
    /**
     * Detach whatever continuous deployment policy the distribution names (ContinuousDeploymentPolicyId
     * ""), then wait until CloudFront has deployed the change. Idempotent: a distribution without
     * a policy is left alone ("not attached").
     */
    detachPolicy(distributionId: string, log: (line: string) => void): Promise<"detached" | "not attached">;
}

/**
 * The same, as AWS CLI commands an operator pastes into bash (node for the JSON edit: the
 * project needs it anyway). GetDistributionConfig returns every origin's custom headers with
 * their values (CloudFront API reference, OriginCustomHeader: HeaderName, HeaderValue), the
 * origin-verify secret among them, so the config never lands in a file another user can read:
 * it goes to a private folder made here (mkdtemp(3), as `mktemp -d`: mode 0700, a name no one
 * can guess or plant beforehand) in files created 0600 whatever the shell's umask (the first
 * made here, which `>` keeps; the second by node with mode 0600), and the folder is removed as
 * soon as the update has read it. Its path is printed literally, so that each line also works
 * pasted on its own (a shell variable would not survive a new terminal).
 */
export function detachPolicyCommands(distributionId: string): string[] {
    const made = privateFolder(distributionId);
    // Without a folder made here (no writable temporary folder), the shell makes it: the lines then go in one shell, in order.
    const [dir, start] = made ? [shellQuote(made), ""] : ['"$dir"', "dir=$(umask 077 && mktemp -d) && umask 077 && "];
    const file = made ? shellQuote(path.join(made, "primary.json")) : '"$dir/primary.json"';
    const config = made ? shellQuote(path.join(made, "primary.json.config")) : '"$dir/primary.json.config"';
    const edit = `const d = require(process.argv[1]); d.DistributionConfig.ContinuousDeploymentPolicyId = ""; require("fs").writeFileSync(process.argv[1] + ".config", JSON.stringify(d.DistributionConfig), { mode: 0o600 })`;
    return [
        `${start}aws cloudfront get-distribution-config --id ${distributionId} --output json > ${file}`,
        `node -e '${edit}' ${file}`,
        `aws cloudfront update-distribution --id ${distributionId} --distribution-config file://${config} --if-match "$(node -p 'require(process.argv[1]).ETag' ${file})"`,
        `rm -rf ${dir}`,
        `aws cloudfront wait distribution-deployed --id ${distributionId}`,
    ];
}

/** A new private folder (mode 0700) holding an empty primary.json (mode 0600), or undefined when the temporary folder cannot be written. */
function privateFolder(distributionId: string): string | undefined {
    try {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cutin-${distributionId}-`));
        fs.closeSync(fs.openSync(path.join(dir, "primary.json"), "wx", 0o600));
        return dir;
    } catch {
        return undefined;
    }
}

/** CloudFront through the AWS SDK v3 (loaded on use; CloudFront is global, its API lives in us-east-1); access problems are one line (tools/live/aws.ts `read`). */
export class CloudFrontDistributions implements EdgeApi {
    async detachPolicy(distributionId: string, log: (line: string) => void): Promise<"detached" | "not attached"> {
        const { CloudFrontClient, GetDistributionConfigCommand, UpdateDistributionCommand, waitUntilDistributionDeployed } =
            await import("@aws-sdk/client-cloudfront");
        const client = new CloudFrontClient({ region: "us-east-1" });
        // Access problems (credentials lapsed during the wait, access denied) are one line (tools/live/aws.ts).
        const current = await read(CALLS.getDistributionConfig, () => client.send(new GetDistributionConfigCommand({ Id: distributionId })));
        const config = current?.DistributionConfig;
        if (!config) throw new Error(`CloudFront has no distribution ${distributionId} (or returned no configuration for it)`);
        if (!config.ContinuousDeploymentPolicyId) return "not attached";
        log(`detaching continuous deployment policy ${config.ContinuousDeploymentPolicyId} from ${distributionId}`);
        const update = new UpdateDistributionCommand({
            Id: distributionId,
            IfMatch: current.ETag,
            DistributionConfig: { ...config, ContinuousDeploymentPolicyId: "" },
        });
        if (!(await read(CALLS.updateDistribution, () => client.send(update)))) throw new Error(`CloudFront has no distribution ${distributionId}`);
        log(`waiting for ${distributionId} to be deployed (minutes)`);
        // The waiter polls GetDistribution until Status is "Deployed"; 40 minutes covers a slow deployment.
        await read(CALLS.getDistribution, () => waitUntilDistributionDeployed({ client, maxWaitTime: 2400 }, { Id: distributionId }));
        return "detached";
    }
}

export interface AlarmSource {
    states(names: readonly string[]): Promise<Record<string, AlarmState>>;
}

export interface Clock {
    now(): number;
    sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** The policy pack and the stack's policy config, as the Automation API passes them (absolute: it runs in the project folder). */
export function policyPackArgs(dir: string, stack: string): { policyPacks: string[]; policyPackConfigs: string[] } {
    return { policyPacks: [path.join(dir, "policy")], policyPackConfigs: [path.join(dir, policyConfigName(stack))] };
}

/** The stack's policy config file, named after the stack's own name (the last segment of org/project/stack), like its stack file. */
const policyConfigName = (stack: string) => `policy-config.${stackNameOf(stack)}.json`;

/**
 * Where the commands the tool prints are pasted: the folder the operator typed `npm run canary`
 * in, and the project. npm runs a script from the package root and sets INIT_CWD to the folder
 * it was typed in (npm docs, "npm run-script"), so a relative path that is right for the tool
 * can be wrong where the operator pastes it (`--policy-pack policy` from docs/ fails, or finds
 * another checkout's file). Set once per command by `printCommandsFrom`.
 */
let pastedIn: { project: string; shell: string } | undefined;

const real = (p: string) => {
    try {
        return fs.realpathSync(p);
    } catch {
        return path.resolve(p);
    }
};

/** The commands printed from now on are for a shell in `shell` (@default INIT_CWD, else this process's folder) on the project in `project`; undefined: forget it. */
export function printCommandsFrom(project: string | undefined, shell = process.env.INIT_CWD ?? process.cwd()): void {
    pastedIn = project === undefined ? undefined : { project: real(project), shell: real(shell) };
}

const within = (folder: string, p: string) => {
    const rel = path.relative(folder, p);
    return !rel.startsWith("..") && !path.isAbsolute(rel);
};

/**
 * A file as the operator types it where they paste the tool's commands, shell-quoted: relative
 * to their folder when that lies inside the project (pulumi and npm find the project from a
 * subfolder: both look for Pulumi.yaml / package.json upwards), else relative to the project,
 * where the commands are run (docs/runbook.md); a file outside the project: its absolute path.
 */
export function shellPath(file: string): string {
    const absolute = real(file);
    if (!pastedIn || !within(pastedIn.project, absolute)) return shellQuote(pastedIn ? absolute : path.basename(file));
    const from = within(pastedIn.project, pastedIn.shell) ? pastedIn.shell : pastedIn.project;
    return shellQuote(path.relative(from, absolute) || ".");
}

/** A path inside the project (`policy`, `policy-config.production.json`) as the operator types it: see shellPath. */
function projectPath(relative: string): string {
    return pastedIn ? shellPath(path.join(pastedIn.project, relative)) : shellQuote(relative);
}

/**
 * The `pulumi up` an operator runs when the tool cannot run it itself; with targets, a
 * `pulumi up --target` of exactly those URNs (quoted: URNs hold `$` and `:`). Every printed
 * pulumi command is built here: `--stack` as given (a fully qualified name names its
 * organization), the files named after the stack's own name, relative to where it is pasted.
 */
export function upCommand(stack: string, targets: readonly string[] = []): string {
    const base = `pulumi up --stack ${shellQuote(stack)} --policy-pack ${projectPath("policy")} --policy-pack-config ${projectPath(policyConfigName(stack))}`;
    return [base, ...targets.map((t) => `--target ${quotedUrn(t)}`)].join(targets.length > 1 ? " \\\n    " : " ");
}

/** The refresh an operator runs when the tool cannot run it itself. */
export function refreshCommand(stack: string, urns: readonly string[]): string {
    return `pulumi refresh --stack ${shellQuote(stack)} --yes ${urns.map((u) => `--target ${quotedUrn(u)}`).join(" ")}`;
}

/** A URN in single quotes, always (it holds `$` and `::`, and operators search the output for the quoted form). */
const quotedUrn = (urn: string) => `'${urn.replace(/'/g, `'\\''`)}'`;

/**
 * Pulumi's Automation API on the project directory: the same `pulumi up` an operator would
 * run. Reads go through `pulumi stack export` without --show-secrets (pulumiCli.ts): nothing
 * is decrypted to read the deployed position; kept until the next update or refresh.
 */
export class AutomationEngine implements Engine {
    private deployment = new Map<string, Promise<Deployment>>();

    /** @param command the Pulumi CLI (@default "pulumi", found on the PATH) */
    constructor(
        private readonly dir: string,
        private readonly command = "pulumi",
    ) {}

    available(): boolean {
        const r = spawnSync(this.command, ["version"], { stdio: "ignore" });
        return r.status === 0;
    }

    private async stack(name: string) {
        // Loaded on use: the offline commands never need it.
        const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
        try {
            return await LocalWorkspace.selectStack({ stackName: name, workDir: this.dir });
        } catch (e) {
            throw new PulumiCliError(describeCliFailure(cliStderr(e), name, `pulumi stack select --stack ${name}`));
        }
    }

    private read(stack: string): Promise<Deployment> {
        let read = this.deployment.get(stack);
        if (!read) {
            read = exportDeployment(this.command, this.dir, stack);
            this.deployment.set(stack, read);
            read.catch(() => this.deployment.delete(stack));
        }
        return read;
    }

    async up(stack: string, log: (line: string) => void, opts: UpOptions = {}): Promise<void> {
        const s = await this.stack(stack);
        this.deployment.delete(stack);
        try {
            await s.up({
                ...policyPackArgs(this.dir, stack),
                ...(opts.targets?.length ? { target: [...opts.targets] } : {}),
                onOutput: (out) => log(out.trimEnd()),
            });
        } catch (e) {
            throw new Error(describeCliFailure(cliStderr(e), stack, "pulumi up"), { cause: e });
        }
    }

    async resources(stack: string): Promise<DeployedResource[]> {
        return (await this.read(stack)).resources;
    }

    async refresh(stack: string, urns: readonly string[], log: (line: string) => void): Promise<void> {
        const s = await this.stack(stack);
        this.deployment.delete(stack);
        try {
            await s.refresh({ target: [...urns], onOutput: (out) => log(out.trimEnd()) });
        } catch (e) {
            throw new Error(describeCliFailure(cliStderr(e), stack, "pulumi refresh"), { cause: e });
        }
    }

    async outputs(stack: string): Promise<Record<string, unknown>> {
        return (await this.read(stack)).outputs;
    }
}

/**
 * An engine that counts the updates this command applied, so that an error after one says the
 * stack already changed (tools/canary.ts) instead of only "run it again".
 */
export class UpdatesSeen implements Engine {
    public applied = 0;
    constructor(private readonly engine: Engine) {}
    available(): boolean {
        return this.engine.available();
    }
    async up(stack: string, log: (line: string) => void, opts?: UpOptions): Promise<void> {
        await this.engine.up(stack, log, opts);
        this.applied++;
    }
    outputs(stack: string): Promise<Record<string, unknown>> {
        return this.engine.outputs(stack);
    }
    resources(stack: string): Promise<DeployedResource[]> {
        return this.engine.resources(stack);
    }
    refresh(stack: string, urns: readonly string[], log: (line: string) => void): Promise<void> {
        return this.engine.refresh(stack, urns, log);
    }
}

/** The CLI's stderr from an Automation API CommandError (automation/errors.js: `commandResult`), else the message. */
function cliStderr(e: unknown): string {
    const stderr = (e as { commandResult?: { stderr?: unknown } } | null)?.commandResult?.stderr;
    return typeof stderr === "string" && stderr.trim() ? stderr : e instanceof Error ? e.message : String(e);
}

/**
 * Alarm states from CloudWatch (AWS SDK v3), composite and metric alarms alike. An access
 * problem (no or expired credentials, access denied, throttling) is one line, exit 2
 * (tools/live/aws.ts `read`), as in `verify`.
 */
export class CloudWatchAlarms implements AlarmSource {
    /** @param region the stack's `aws:region` (@default the SDK's: AWS_REGION or the profile) */
    constructor(private readonly region?: string) {}

    async states(names: readonly string[]): Promise<Record<string, AlarmState>> {
        const { CloudWatchClient, DescribeAlarmsCommand } = await import("@aws-sdk/client-cloudwatch");
        const client = new CloudWatchClient(this.region ? { region: this.region } : {});
        const result: Record<string, AlarmState> = {};
        // DescribeAlarms takes at most 100 names per call.
        for (let i = 0; i < names.length; i += 100) {
            let nextToken: string | undefined;
            do {
                const request = new DescribeAlarmsCommand({
                    AlarmNames: names.slice(i, i + 100),
                    AlarmTypes: ["CompositeAlarm", "MetricAlarm"],
                    NextToken: nextToken,
                });
                const page = await read(CALLS.describeAlarms, () => client.send(request));
                for (const a of [...(page?.MetricAlarms ?? []), ...(page?.CompositeAlarms ?? [])]) {
                    if (a.AlarmName && a.StateValue) result[a.AlarmName] = a.StateValue as AlarmState;
                }
                nextToken = page?.NextToken;
            } while (nextToken);
        }
        // An alarm CloudWatch does not know is missing data, never "OK".
        for (const n of names) result[n] ??= "INSUFFICIENT_DATA";
        return result;
    }
}

/** ECS DescribeServices (AWS SDK v3, loaded on use); an access problem is one line, exit 2 (tools/live/aws.ts `read`). */
export class EcsServices implements ServiceInspector {
    /** @param region the stack's `aws:region` (@default the SDK's: AWS_REGION or the profile) */
    constructor(private readonly region?: string) {}

    async describe(cluster: string, service: string): Promise<ServiceDeployments | undefined> {
        const { ECSClient, DescribeServicesCommand } = await import("@aws-sdk/client-ecs");
        const client = new ECSClient(this.region ? { region: this.region } : {});
        // A cluster ECS does not know (ClusterNotFoundException) reads as no service: undefined.
        const r = await read(CALLS.describeServices, () => client.send(new DescribeServicesCommand({ cluster, services: [service] })));
        const svc = r?.services?.[0];
        if (!svc) return undefined;
        return {
            deployments: (svc.deployments ?? []).map((d) => ({
                status: d.status ?? "",
                taskDefinition: d.taskDefinition ?? "",
                rolloutState: d.rolloutState,
                rolloutStateReason: d.rolloutStateReason,
            })),
        };
    }
}
