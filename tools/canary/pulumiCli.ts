/**
 * Reading the deployed stack through the Pulumi CLI without decrypting anything.
 *
 * The Automation API's reads decrypt every secret: `Stack.outputs()` runs `pulumi stack output
 * --json --show-secrets` and `exportStack()` runs `pulumi stack export --show-secrets`
 * (@pulumi/pulumi 3.248.0 automation/localWorkspace.js, stackOutputs and exportStack), so
 * every read would decrypt the origin secret and the QA token, and log a decryption event.
 * The tool needs neither. `pulumi stack export` without --show-secrets writes the deployment
 * as the backend stores it, secrets as ciphertext, and decrypts nothing (pulumi/pulumi
 * pkg/cmd/pulumi/stack/stack_export.go: only --show-secrets deserializes the snapshot with a
 * secrets provider). Stack outputs are the outputs of the root `pulumi:pulumi:Stack`
 * resource in that deployment; a secret there reads "[secret]", as `pulumi stack output` shows it.
 */
import { execFile } from "node:child_process";
import { UserError } from "../../lib/errors";

/** A Pulumi CLI command that failed (not logged in, no such stack, no CLI): one line naming the stack, exit 2. */
export class PulumiCliError extends UserError {}

/** A resource as the stack's state records it (`pulumi stack export`), secrets masked. */
export interface DeployedResource {
    urn: string;
    type: string;
    protect: boolean;
    outputs: Record<string, unknown>;
}

/** A deployment as `pulumi stack export` writes it, reduced to what the tool reads. */
export interface Deployment {
    outputs: Record<string, unknown>;
    resources: DeployedResource[];
}

/**
 * How a secret value is marked in a deployment (pulumi/pulumi sdk/go/common/resource/sig/sig.go:
 * Key "4dabf18193072939515e22adb298388d", Secret "1b47061264138c4ac30d75fd1eb44270").
 */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SIG_SECRET = "1b47061264138c4ac30d75fd1eb44270";

export const SECRET_SHOWN = "[secret]";

/** A value with every secret (ciphertext) replaced by "[secret]". */
function maskSecrets(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(maskSecrets);
    if (value === null || typeof value !== "object") return value;
    const record = value as Record<string, unknown>;
    if (record[SIG_KEY] === SIG_SECRET) return SECRET_SHOWN;
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, maskSecrets(v)]));
}

interface ExportedResource {
    urn?: unknown;
    type?: unknown;
    protect?: unknown;
    outputs?: Record<string, unknown>;
}

/** The stack outputs and resources of an exported deployment (`pulumi stack export` JSON). */
export function deploymentOf(exported: unknown): Deployment {
    const resources = ((exported as { deployment?: { resources?: ExportedResource[] } } | null)?.deployment?.resources ?? []).map((r) => ({
        urn: String(r.urn),
        type: String(r.type),
        protect: r.protect === true,
        outputs: maskSecrets(r.outputs ?? {}) as Record<string, unknown>,
    }));
    const root = resources.find((r) => r.type === "pulumi:pulumi:Stack");
    return { outputs: root?.outputs ?? {}, resources };
}

/** One line for a failed CLI command: what went wrong, for which stack, and what to run. */
export function describeCliFailure(stderr: string, stack: string, command: string): string {
    const line =
        stderr
            .split("\n")
            .find((l) => /^error:/i.test(l.trim()))
            ?.trim() ??
        stderr.trim().split("\n")[0] ??
        "";
    if (/PULUMI_ACCESS_TOKEN|not logged in|pulumi login/i.test(line)) {
        return `${command}: not logged in to the Pulumi backend that holds stack ${stack}: run pulumi login (or set PULUMI_ACCESS_TOKEN), then run this again`;
    }
    if (/no stack named|stack .* not found/i.test(line)) {
        return `${command}: the backend you are logged in to has no stack ${stack} (pulumi whoami -v shows the backend, pulumi stack ls its stacks)`;
    }
    return `${command} failed for stack ${stack}: ${line.replace(/^error:\s*/i, "") || "no error message"}`;
}

/** `pulumi stack export --stack <stack>` (no --show-secrets: nothing is decrypted), read. */
export function exportDeployment(command: string, cwd: string, stack: string): Promise<Deployment> {
    const args = ["stack", "export", "--stack", stack];
    const shown = `pulumi ${args.join(" ")}`;
    return new Promise((resolve, reject) => {
        execFile(command, args, { cwd, maxBuffer: 512 * 1024 * 1024, env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" } }, (err, stdout, stderr) => {
            if ((err as NodeJS.ErrnoException | null)?.code === "ENOENT") {
                reject(new PulumiCliError(`${shown}: the Pulumi CLI (${command}) is not on the PATH`));
            } else if (err) {
                reject(new PulumiCliError(describeCliFailure(stderr, stack, shown)));
            } else {
                try {
                    resolve(deploymentOf(JSON.parse(stdout)));
                } catch {
                    reject(new PulumiCliError(`${shown}: the output is not a deployment (JSON): ${stdout.slice(0, 80)}`));
                }
            }
        });
    });
}
