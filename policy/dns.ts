/**
 * `dns-owned`: the edge's identity. Every Route 53 record the stack declares is an alias to a
 * resource of this stack, and viewers' hostnames reach the distribution that serves them.
 *
 * - A record aliases a CloudFront distribution by that distribution's domain name in CloudFront's
 *   hosted zone Z2FDTNDATAQYW2, and "your distribution must include an alternate domain name that
 *   matches the name of the record" (Route 53 Developer Guide, "Values that are common for alias
 *   records for all routing policies": Record name, Value/route traffic to); otherwise CloudFront
 *   refuses the requests for that name. An ALB alias names the load balancer's DNS name and zone.
 *   Route 53 keeps alias names lower case without the final dot (terraform-provider-aws
 *   internal/service/route53 normalizeAliasName), and ELB names may carry the `dualstack.` prefix.
 * - The program declares A and AAAA alias records only (components/edgeDistribution.ts
 *   aliasRecord); any other type or value is refused here, `records` and `ttl` by closed-world.
 * - A record of the deployed stack is never removed or replaced by a forward move: `name` and
 *   `type` force a replacement, Pulumi creates the new record before it deletes the old one, and
 *   a hostname viewers use stops resolving (or Route 53 refuses the duplicate). As
 *   rollback-targets-not-recreated does for the live resources, a replacement shows in a preview
 *   as a record of the deployed stack without an id.
 *
 * Whether a record's alias names a resource of this stack is judged when the update declares or
 * changes the record (its fingerprint differs from the deployed one): the offline plan's mocks do
 * not give an imported distribution its live domain name, so an adopted record unchanged since it
 * was deployed is not judged again.
 */
import { CLOUDFRONT_HOSTED_ZONE_ID } from "../lib/cloudfront";
import {
    DistributionProps,
    LoadBalancerProps,
    RecordProps,
    ResourceView,
    TYPES,
    UNKNOWN,
    itemsOf,
    keyOf,
    ofType,
    propsOf,
    read,
    typeChainOf,
} from "../lib/resources";
import { Finding, Judgement, stackPolicy } from "./judge";

/** A DNS name as Route 53 and CloudFront compare it: lower case, no final dot. */
const dns = (v: unknown) =>
    String(v ?? "")
        .toLowerCase()
        .replace(/\.$/, "");

/** What one record aliases, read once; undefined fields are unknown in a preview. */
interface AliasRead {
    record: ResourceView;
    name?: string;
    target?: { name: string; zoneId: string };
    problem?: string;
}

function readRecord(record: ResourceView): AliasRead {
    const p = propsOf<RecordProps>(record);
    const name = read(() => p.name);
    const type = read(() => p.type);
    const out: AliasRead = { record, name: name === UNKNOWN ? undefined : dns(name) };
    if (type !== UNKNOWN && type !== "A" && type !== "AAAA")
        return { ...out, problem: `is a ${String(type)} record: the stack declares A and AAAA aliases only` };
    const aliases = itemsOf(p.aliases);
    if (aliases.length !== 1) return { ...out, problem: `has ${aliases.length} alias targets: an alias record names exactly one` };
    const a = aliases[0];
    const [target, zone] = a === UNKNOWN ? [UNKNOWN, UNKNOWN] : [read(() => a.name), read(() => a.zoneId)];
    return target === UNKNOWN || zone === UNKNOWN ? out : { ...out, target: { name: dns(target), zoneId: String(zone) } };
}

type Targets = ReturnType<typeof targetsOf>;

/** The stack's distributions and load balancers as alias targets (known names only), and every hostname a distribution serves. */
function targetsOf(views: readonly ResourceView[]) {
    const distributions = ofType(views, TYPES.distribution).flatMap((d) => {
        const domain = read(() => propsOf<DistributionProps>(d).domainName);
        const aliases = read(() => propsOf<DistributionProps>(d).aliases);
        return typeof domain === "string" ? [{ view: d, domain: dns(domain), aliases: Array.isArray(aliases) ? aliases.map(dns) : [] }] : [];
    });
    const balancers = ofType(views, TYPES.loadBalancer).flatMap((lb) => {
        const [name, zone] = [read(() => propsOf<LoadBalancerProps>(lb).dnsName), read(() => propsOf<LoadBalancerProps>(lb).zoneId)];
        return typeof name === "string" && typeof zone === "string" ? [{ view: lb, domain: dns(name), zoneId: zone }] : [];
    });
    const served = new Set(
        ofType(views, TYPES.distribution).flatMap((d) => {
            const aliases = read(() => propsOf<DistributionProps>(d).aliases);
            return Array.isArray(aliases) ? aliases.map(dns) : [];
        }),
    );
    const allKnown = distributions.length === ofType(views, TYPES.distribution).length;
    return { distributions, balancers, served, allKnown };
}

const sayOf =
    (r: ResourceView) =>
    (code: string, message: string): Finding => ({ code, message: `record ${r.name} ${message}`, urn: r.urn });

/** Why an alias to a load balancer is not this stack's ALB, or sends a served hostname past the edge (undefined: neither). */
function albAliasFinding(r: AliasRead & { target: { name: string; zoneId: string } }, targets: Targets): [string, string] | undefined {
    const { name, zoneId } = r.target;
    const lb = targets.balancers.find((b) => b.domain === name.replace(/^dualstack\./, ""));
    if (!lb) return ["dns-alias-foreign", `aliases ${name} (zone ${zoneId}), which is no distribution or load balancer of this stack`];
    if (lb.zoneId !== zoneId) return ["dns-alias-foreign", `aliases the ALB with zone ${zoneId}, not the ALB's zone ${lb.zoneId}`];
    if (r.name !== undefined && targets.served.has(r.name))
        return [
            "dns-name-bypasses-edge",
            `sends ${r.name}, a hostname the edge serves, straight to the ALB: past CloudFront, its WAF and the QA viewer filter`,
        ];
    return undefined;
}

/**
 * What every record is, whatever the move: alias-shaped; a CloudFront alias for a name the
 * distribution it names (or, when that is not one of the stack's, some distribution of the stack)
 * serves; a load balancer alias to this stack's ALB, never for a hostname the edge serves.
 */
function recordFindings(j: Judgement): Finding[] {
    const targets = targetsOf(j.views);
    return ofType(j.views, TYPES.route53Record).flatMap((record): Finding[] => {
        const say = sayOf(record);
        const r = readRecord(record);
        if (r.problem) return [say("dns-record-shape", r.problem)];
        if (!r.target || r.name === undefined) return [];
        if (r.target.zoneId !== CLOUDFRONT_HOSTED_ZONE_ID) {
            const found = albAliasFinding({ ...r, target: r.target }, targets);
            return found ? [say(...found)] : [];
        }
        const named = targets.distributions.find((d) => d.domain === r.target!.name);
        const servedBy = named ? named.aliases.includes(r.name) : targets.served.has(r.name);
        return servedBy
            ? []
            : [
                  say(
                      "dns-name-not-served",
                      `sends ${r.name} to CloudFront, but ${named ? `distribution ${named.view.name} does not list it` : "no distribution of this stack lists it"} as an alternate domain name: CloudFront refuses every request for it`,
                  ),
              ];
    });
}

/** A record key of the deployed position (its fingerprints hold every record). */
const isRecordKey = (key: string) => key.includes(`${TYPES.route53Record}::`);
/** The key a URN would have (lib/resources keyOf). */
const keyOfUrn = (urn: string) => `${typeChainOf(urn).join("$")}::${urn.split("::").pop() ?? ""}`;

/** Records this update declares or changes, removes, or replaces, against the deployed position. */
function moveFindings(j: Judgement): Finding[] {
    const targets = targetsOf(j.views);
    const before = j.deployed.kind === "state" ? j.deployed.position.fingerprints : {};
    const after = j.proposed.fingerprints;
    const out: Finding[] = [];
    for (const record of ofType(j.views, TYPES.route53Record)) {
        const key = keyOf(record);
        const say = sayOf(record);
        if (before[key] !== undefined && read(() => propsOf<RecordProps>(record).id) === UNKNOWN)
            out.push(
                say(
                    "dns-record-replaced",
                    "would be replaced (a new record in a deployed stack): the hostname stops resolving between the delete and the create, or Route 53 refuses the duplicate",
                ),
            );
        if (before[key] !== undefined && before[key] === after[key]) continue;
        // A CloudFront alias is judged when declared or changed (the file's header says why), once every
        // distribution's domain is known (a first preview does not know a new one's, nor offline an imported one's).
        const target = readRecord(record).target;
        if (target?.zoneId === CLOUDFRONT_HOSTED_ZONE_ID && targets.allKnown && !targets.distributions.some((d) => d.domain === target.name))
            out.push(
                say(
                    "dns-alias-foreign",
                    `aliases ${target.name}, a CloudFront distribution this stack does not declare: its viewers (card data) would go there`,
                ),
            );
    }
    const moved = new Set(j.resources.flatMap((r) => (r.type === TYPES.route53Record ? (r.opts?.aliases ?? []).map((a) => keyOfUrn(String(a))) : [])));
    const present = new Set(ofType(j.views, TYPES.route53Record).map(keyOf));
    for (const key of Object.keys(before).filter(isRecordKey)) {
        if (!present.has(key) && !moved.has(key))
            out.push({
                code: "dns-record-removed",
                message: `record ${key.split("::").pop()} of the deployed stack would be deleted: a hostname viewers or CloudFront resolve would stop resolving`,
            });
    }
    return out;
}

export const dnsOwned = stackPolicy<object>({
    name: "dns-owned",
    description:
        "Every Route 53 record of the stack is an A or AAAA alias to a distribution or the ALB of this stack (a hostname the edge serves never straight to the ALB), and a record sending a name to CloudFront names a distribution that lists it as an alternate domain name; a forward move never removes or replaces a record of the deployed stack.",
    severity: "critical",
    remediationSteps:
        "Keep the records the program derives (edge.aliases with edge.aliasDnsZoneId, cutin.records, edge.originDomain); rename nothing a deployed stack holds (add the `aliases` resource option when a record moves in code).",
    check: recordFindings,
    forward: moveFindings,
});

export const dnsPolicies = [dnsOwned];
