/**
 * The canary tool's connections to the outside: the deployment engine (Pulumi's
 * Automation API, with the policy pack), the alarm source (CloudWatch) and the clock.
 * Interfaces here; tests use fakes, `npm run canary` the real adapters below.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
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

/** The same, as AWS CLI commands an operator pastes into bash (node for the JSON edit: the project needs it anyway). */
export function detachPolicyCommands(distributionId: string): string[] {
    const file = `/tmp/cutin-primary-${distributionId}.json`;
    return [
        `aws cloudfront get-distribution-config --id ${distributionId} --output json > ${file}`,
        `node -e 'const d = require(process.argv[1]); d.DistributionConfig.ContinuousDeploymentPolicyId = ""; require("fs").writeFileSync(process.argv[1] + ".config", JSON.stringify(d.DistributionConfig))' ${file}`,
        `aws cloudfront update-distribution --id ${distributionId} --distribution-config file://${file}.config --if-match "$(node -p 'require(process.argv[1]).ETag' ${file})"`,
        `aws cloudfront wait distribution-deployed --id ${distributionId}`,
    ];
}

/** CloudFront through the AWS SDK v3 (loaded on use; CloudFront is global, its API lives in us-east-1). */
export class CloudFrontDistributions implements EdgeApi {
    async detachPolicy(distributionId: string, log: (line: string) => void): Promise<"detached" | "not attached"> {
        const { CloudFrontClient, GetDistributionConfigCommand, UpdateDistributionCommand, waitUntilDistributionDeployed } =
            await import("@aws-sdk/client-cloudfront");
        const client = new CloudFrontClient({ region: "us-east-1" });
        const current = await client.send(new GetDistributionConfigCommand({ Id: distributionId }));
        const config = current.DistributionConfig;
        if (!config) throw new Error(`CloudFront returned no configuration for distribution ${distributionId}`);
        if (!config.ContinuousDeploymentPolicyId) return "not attached";
        log(`detaching continuous deployment policy ${config.ContinuousDeploymentPolicyId} from ${distributionId}`);
        await client.send(
            new UpdateDistributionCommand({ Id: distributionId, IfMatch: current.ETag, DistributionConfig: { ...config, ContinuousDeploymentPolicyId: "" } }),
        );
        log(`waiting for ${distributionId} to be deployed (minutes)`);
        // The waiter polls GetDistribution until Status is "Deployed"; 40 minutes covers a slow deployment.
        await waitUntilDistributionDeployed({ client, maxWaitTime: 2400 }, { Id: distributionId });
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

export function policyPackArgs(dir: string, stack: string): { policyPacks: string[]; policyPackConfigs: string[] } {
    return { policyPacks: [path.join(dir, "policy")], policyPackConfigs: [path.join(dir, `policy-config.${stack}.json`)] };
}

/**
 * The command an operator runs when the tool cannot run it itself; with targets, a
 * `pulumi up --target` of exactly those URNs (quoted: URNs hold `$` and `:`).
 */
export function upCommand(stack: string, targets: readonly string[] = []): string {
    const base = `pulumi up --stack ${stack} --policy-pack policy --policy-pack-config policy-config.${stack}.json`;
    return [base, ...targets.map((t) => `--target '${t}'`)].join(targets.length > 1 ? " \\\n    " : " ");
}

/** The refresh an operator runs when the tool cannot run it itself. */
export function refreshCommand(stack: string, urns: readonly string[]): string {
    return `pulumi refresh --stack ${stack} --yes ${urns.map((u) => `--target '${u}'`).join(" ")}`;
}

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

/** The CLI's stderr from an Automation API CommandError (automation/errors.js: `commandResult`), else the message. */
function cliStderr(e: unknown): string {
    const stderr = (e as { commandResult?: { stderr?: unknown } } | null)?.commandResult?.stderr;
    return typeof stderr === "string" && stderr.trim() ? stderr : e instanceof Error ? e.message : String(e);
}

/** Alarm states from CloudWatch (AWS SDK v3), composite and metric alarms alike. */
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
                const page = await client.send(
                    new DescribeAlarmsCommand({ AlarmNames: names.slice(i, i + 100), AlarmTypes: ["CompositeAlarm", "MetricAlarm"], NextToken: nextToken }),
                );
                for (const a of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
                    if (a.AlarmName && a.StateValue) result[a.AlarmName] = a.StateValue as AlarmState;
                }
                nextToken = page.NextToken;
            } while (nextToken);
        }
        // An alarm CloudWatch does not know is missing data, never "OK".
        for (const n of names) result[n] ??= "INSUFFICIENT_DATA";
        return result;
    }
}

/** ECS DescribeServices (AWS SDK v3, loaded on use). */
export class EcsServices implements ServiceInspector {
    /** @param region the stack's `aws:region` (@default the SDK's: AWS_REGION or the profile) */
    constructor(private readonly region?: string) {}

    async describe(cluster: string, service: string): Promise<ServiceDeployments | undefined> {
        const { ECSClient, DescribeServicesCommand } = await import("@aws-sdk/client-ecs");
        const r = await new ECSClient(this.region ? { region: this.region } : {}).send(new DescribeServicesCommand({ cluster, services: [service] }));
        const svc = r.services?.[0];
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
