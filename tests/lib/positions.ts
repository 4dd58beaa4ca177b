/**
 * Synthetic positions for the model's tests: a position is built from a few choices (shares,
 * colors, images, capacity, protection, stickiness, the edge, the origin-verify slots), and
 * fast-check arbitraries draw them across the whole space. Bundles are what moves together in a
 * real update (a color flip moves the live color and the shares at once).
 */
import fc from "fast-check";
import { CUTIN_PHASES, CutinPhase } from "../../lib/cutin";
import { POSITION_VERSION, Position } from "../../lib/position";

export type Color = "blue" | "green";
const other = (c: Color): Color => (c === "blue" ? "green" : "blue");

/** The choices a synthetic position is made of, grouped in bundles that move together. */
export interface Choices {
    /** Spring's percent on the route and on the catch-all, and each side's live color. */
    routing: { route: number; catchAll: number; spring: Color; legacy: Color };
    stickiness: { route: number; catchAll: number };
    legacy: { present: boolean; versions: Record<Color, string>; capacity: Record<Color, number> };
    images: Record<Color, string>;
    springCapacity: Record<Color, number>;
    protect: Record<"alb" | "service" | "env", boolean>;
    edge: { phase: CutinPhase; weight: number; oldOrigin: string | null };
    originVerify: { send: "a" | "b"; accept: ("a" | "b")[]; generation: { a: number; b: number } };
    fingerprints: Record<"rule" | "service" | "distribution", string>;
    /** CloudFront's VPC-origin group the program resolved (null: an internet-facing ALB, through the prefix list). */
    cloudFront: { vpcOriginGroup: string | null };
}

const ROUTE_PATH = "/v1/payments/*/status";

function shares(spring: number, c: Choices): Record<string, number> {
    const out: Record<string, number> = {};
    if (spring > 0) out[`spring-${c.routing.spring}`] = spring;
    if (spring < 100 && c.legacy.present) out[`legacy-${c.routing.legacy}`] = 100 - spring;
    return out;
}

/** The position the choices describe. */
export function positionFrom(c: Choices): Position {
    const legacy = c.legacy.present;
    return {
        version: POSITION_VERSION,
        headers: { originVerify: "X-Origin-Verify", route: "X-Route-To", token: "X-Route-Token" },
        traffic: [
            {
                rule: "route-payment-status",
                priority: 100,
                paths: [ROUTE_PATH],
                partial: false,
                shares: shares(legacy ? c.routing.route : 100, c),
                stickiness: c.stickiness.route,
            },
            {
                rule: "canary-default",
                priority: 40000,
                paths: null,
                partial: false,
                shares: shares(legacy ? c.routing.catchAll : 100, c),
                stickiness: c.stickiness.catchAll,
            },
        ],
        targetGroups: { "spring-blue": "tg/sb", "spring-green": "tg/sg", ...(legacy ? { "legacy-blue": "tg/lb", "legacy-green": "tg/lg" } : {}) },
        liveColors: { spring: c.routing.spring, legacy: legacy ? c.routing.legacy : null },
        legacyPresent: legacy,
        edge: { ...c.edge, primary: "edge::primary", webAcl: null },
        runs: { spring: { ...c.images }, legacy: legacy ? { ...c.legacy.versions } : null },
        capacity: { spring: { ...c.springCapacity }, legacy: legacy ? { ...c.legacy.capacity } : null },
        protect: {
            alb: c.protect.alb,
            "service-blue": c.protect.service,
            "service-green": c.protect.service,
            ...(legacy ? { "env-blue": c.protect.env, "env-green": c.protect.env } : {}),
        },
        stickinessSeconds: Math.max(c.stickiness.route, c.stickiness.catchAll),
        originVerify: { send: c.originVerify.send, accept: [...c.originVerify.accept].sort(), generation: { ...c.originVerify.generation } },
        cloudFront: { prefixList: "pl-4fa04526", vpcOriginGroup: c.cloudFront.vpcOriginGroup },
        dates: { cutoverDate: null, bakeDays: 14, cutinDate: null, cutinBakeDays: null, topRungAt: null, topRungBakeMinutes: null, cutinEnded: false },
        fingerprints: {
            "rule::canary-default": c.fingerprints.rule,
            "service::spring-blue": c.fingerprints.service,
            "distribution::edge": c.fingerprints.distribution,
            ...(legacy ? { "env::legacy-blue": "env", "env::legacy-green": "env" } : {}),
        },
    };
}

const color = fc.constantFrom<Color>("blue", "green");
const percent = fc.constantFrom(0, 0.1, 1, 5, 10, 25, 50, 75, 100);
const seconds = fc.constantFrom(0, 60, 300, 900, 1200, 3600);

/** Every choice, drawn across its whole domain (valid or not). */
export const choices: fc.Arbitrary<Choices> = fc.record({
    routing: fc.record({ route: percent, catchAll: percent, spring: color, legacy: color }),
    stickiness: fc.record({ route: seconds, catchAll: seconds }),
    legacy: fc.record({
        present: fc.boolean(),
        versions: fc.record({ blue: fc.constantFrom("rails-1", "rails-2"), green: fc.constantFrom("rails-1", "rails-2") }),
        capacity: fc.record({ blue: fc.constantFrom(0, 1, 3), green: fc.constantFrom(0, 1, 3) }),
    }),
    images: fc.record({ blue: fc.constantFrom("img:1", "img:2", "img:3"), green: fc.constantFrom("img:1", "img:2", "img:3") }),
    springCapacity: fc.record({ blue: fc.constantFrom(0, 1, 2, 3), green: fc.constantFrom(0, 1, 2, 3) }),
    protect: fc.record({ alb: fc.boolean(), service: fc.boolean(), env: fc.boolean() }),
    edge: fc.record({
        phase: fc.constantFrom(...CUTIN_PHASES),
        weight: fc.constantFrom(0, 1, 5, 15),
        oldOrigin: fc.constantFrom(null, "payments-prod.eu-west-1.elasticbeanstalk.com"),
    }),
    originVerify: fc.record({
        send: fc.constantFrom<"a" | "b">("a", "b"),
        accept: fc.subarray<"a" | "b">(["a", "b"], { minLength: 1 }),
        generation: fc.record({ a: fc.constantFrom(1, 2), b: fc.constantFrom(1, 2) }),
    }),
    fingerprints: fc.record({ rule: fc.constantFrom("r1", "r2"), service: fc.constantFrom("s1", "s2"), distribution: fc.constantFrom("d1", "d2") }),
    cloudFront: fc.record({ vpcOriginGroup: fc.constantFrom(null, "sg-0cf0c0ffee0000001", "sg-0cf0c0ffee0000002") }),
});

/** Choices a healthy, confirmed stack could have: within every bound the pack checks (production's policy config). */
export const validChoices: fc.Arbitrary<Choices> = choices.map((c) => ({
    ...c,
    stickiness: { route: Math.min(Math.max(c.stickiness.route, 60), 900), catchAll: Math.min(Math.max(c.stickiness.catchAll, 60), 900) },
    legacy: { ...c.legacy, capacity: { blue: Math.max(1, c.legacy.capacity.blue), green: Math.max(1, c.legacy.capacity.green) } },
    springCapacity: { blue: Math.max(1, c.springCapacity.blue), green: Math.max(1, c.springCapacity.green) },
    protect: { alb: true, service: true, env: true },
    originVerify: {
        ...c.originVerify,
        accept: c.originVerify.accept.includes(c.originVerify.send) ? c.originVerify.accept : [...c.originVerify.accept, c.originVerify.send],
    },
}));

export type Bundle = keyof Choices;
export const BUNDLES: readonly Bundle[] = [
    "routing",
    "stickiness",
    "legacy",
    "images",
    "springCapacity",
    "protect",
    "edge",
    "originVerify",
    "fingerprints",
    "cloudFront",
];

/**
 * A move from `deployed` toward `knownGood`: each bundle is the deployed one or the known-good
 * one. Capacity comes before traffic: where the routing is the known-good one, so is the capacity
 * (the canary tool's rollback restores capacity first).
 */
export function mix(deployed: Choices, knownGood: Choices, take: Record<Bundle, boolean>): Choices {
    const out = { ...deployed } as Record<Bundle, unknown>;
    for (const b of BUNDLES) if (take[b]) out[b] = knownGood[b];
    // The routing and the pair move together, and the capacity of the colors they serve with them.
    if (take.routing || take.legacy) {
        out.routing = knownGood.routing;
        out.legacy = knownGood.legacy;
        out.springCapacity = knownGood.springCapacity;
    }
    // The Beanstalk environments' protection exists only with the pair: it moves with the pair.
    const pairFrom = take.routing || take.legacy ? knownGood : deployed;
    out.protect = { ...(out.protect as Choices["protect"]), env: pairFrom.protect.env };
    return out as unknown as Choices;
}

export const takes: fc.Arbitrary<Record<Bundle, boolean>> = fc.record(
    Object.fromEntries(BUNDLES.map((b) => [b, fc.boolean()])) as Record<Bundle, fc.Arbitrary<boolean>>,
);

export { other };
