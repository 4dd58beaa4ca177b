/**
 * The QA command `canary status` prints: the exact curl that reaches Spring through the QA
 * header routes, for the stack and its cut-in phase, or a plain statement that testers
 * cannot reach Spring yet. Pure: the model in, lines out.
 *
 * Before the cut-in is promoted, viewers reach the old origin (Rails): CloudFront takes no
 * request straight to a staging distribution, "Viewers cannot send requests directly to a
 * staging distribution using a DNS name, IP address, or CNAME" (CloudFront Developer Guide,
 * "Learn how continuous deployment works"); a header-based policy sends only requests with
 * the header and value to it; a weight-based one a share of viewers, by chance. And during
 * CloudFront's own peaks all requests go to the primary (SYSTEM.md, CloudFront facts).
 *
 * Nothing secret is printed: the QA token is read from AWS Secrets Manager by the command
 * itself (lib/secretNames.ts), the continuous-deployment header value with `pulumi config get`.
 */
import { CutinConfig, StackModel } from "../../lib/config";
import { CutinPhase, slotHeader } from "../../lib/cutin";
import { qaTokenSecretId } from "../../lib/secretNames";
import { otherColor } from "../../lib/weights";

export interface QaOptions {
    /** The stack's `aws:region` (where the QA token secret lives). */
    region?: string;
    /** Whether the stack file sets the sent slot's cutin.header.values.<slot> (else `pulumi config get` has nothing to print). */
    headerValueInFile: boolean;
    /** `--stack` as the operator typed it (a fully qualified org/project/stack stays so). @default the stack's own name */
    stack?: string;
}

/** `--stack` for the commands printed: as typed, or the stack's own name. */
const stackArg = (model: StackModel, opts: QaOptions) => opts.stack ?? model.stack;

/** The viewer hostname testers send requests to. */
function hostOf(model: StackModel, opts: QaOptions): string {
    const alias = model.cutin?.distribution.args.aliases?.[0] ?? model.edge.aliases[0];
    return alias ?? `$(pulumi stack output cloudfrontDomain --stack ${stackArg(model, opts)})`;
}

/** The QA curl for one QA target, with the extra headers the edge needs before the QA routes see the request. */
function curl(model: StackModel, target: string, opts: QaOptions, extra: string[] = []): string {
    const region = opts.region ? ` --region ${opts.region}` : "";
    const token = `$(aws secretsmanager get-secret-value --secret-id ${qaTokenSecretId(model.project, model.stack)}${region} --query SecretString --output text)`;
    const headers = [...extra, `${model.qa.routeHeader}: ${target}`, `${model.qa.tokenHeader}: ${token}`].map((h) => `-H "${h}"`);
    return `curl ${headers.join(" ")} https://${hostOf(model, opts)}/...`;
}

/** The live and the idle Spring color, each as a QA command. */
function springCommands(model: StackModel, opts: QaOptions, extra: string[] = []): string[] {
    const idle = otherColor(model.spring.liveColor);
    return [
        `  Spring (live color, ${model.spring.liveColor}): ${curl(model, "spring", opts, extra)}`,
        `  Spring ${idle} (idle: where a release goes): ${curl(model, `spring-${idle}`, opts, extra)}`,
    ];
}

/** Where testers must send from: CloudFront drops the QA headers from anywhere else (lib/viewerFilter.ts). */
function fromWhere(model: StackModel): string {
    return model.qa.sourceCidrs.length > 0 ? `from ${model.qa.sourceCidrs.join(", ")} only (qa.sourceCidrs)` : "from anywhere";
}

/**
 * The header-phase line: the continuous-deployment header of the slot the policy matches
 * (`<name>-<send>`), its value read by a command, never printed.
 */
function headerPhase(model: StackModel, cut: CutinConfig, opts: QaOptions): string[] {
    const header = slotHeader(cut.header.name, cut.header.send);
    const key = `cutin.header.values.${cut.header.send}`;
    const value = `$(pulumi config get --path ${key} --stack ${stackArg(model, opts)})`;
    const lines = [
        `QA at cut-in phase header: only requests with the continuous-deployment header ${header} reach the routed ALB (and so Spring); every other request, QA headers or not, reaches Rails on the old origin. CloudFront may still send them to the old origin during its own peaks. Testers, ${fromWhere(model)}:`,
    ];
    if (!opts.headerValueInFile) {
        lines.push(
            `  ${key} is not set in Pulumi.${model.stack}.yaml: set a secret first: pulumi config set --secret --path ${key} --stack ${stackArg(model, opts)} "$(openssl rand -hex 32)", then pulumi up`,
        );
    }
    return [...lines, ...springCommands(model, opts, [`${header}: ${value}`])];
}

const NOT_YET: Partial<Record<CutinPhase, string>> = {
    adopted: "every request, QA headers included, goes to the old origin (Rails)",
    staged: "the staging distribution exists but its policy is disabled: every request, QA headers included, goes to the old origin (Rails)",
};

/** Lines that say how testers reach Spring now, or that they cannot, and what changes that. */
export function qaAccess(model: StackModel, opts: QaOptions): string[] {
    const cut = model.cutin;
    const next = `npm run canary -- cutin next --stack ${stackArg(model, opts)}`;
    if (cut && NOT_YET[cut.phase]) {
        return [
            `QA: testers cannot reach Spring yet. At cut-in phase ${cut.phase} ${NOT_YET[cut.phase]}: any answer is Rails', not Spring's. CloudFront takes no request straight to a staging distribution, so no command reaches the routed ALB before phase header (${next}).`,
        ];
    }
    if (cut?.phase === "header") return headerPhase(model, cut, opts);
    if (cut?.phase === "weight") {
        return [
            `QA at cut-in phase weight: only about ${cut.edgeWeight}% of viewer sessions reach the routed ALB, by chance (sticky; a ceiling); every other request, QA headers included, reaches Rails on the old origin. No command reaches Spring for sure before the promotion (npm run canary -- cutin promote --stack ${stackArg(model, opts)}). A request that lands on the routed ALB, ${fromWhere(model)}:`,
            ...springCommands(model, opts),
        ];
    }
    const lead =
        cut?.phase === "promoting"
            ? "QA at cut-in phase promoting: once this phase's update is deployed (CloudFront propagates it, usually within 5 minutes) every request reaches the routed ALB; before that only by chance."
            : "QA: requests reach the routed ALB; the QA header routes send them to Spring.";
    return [`${lead} Testers, ${fromWhere(model)}:`, ...springCommands(model, opts)];
}
