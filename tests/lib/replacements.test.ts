import { strict as assert } from "node:assert";
import { LiveReplacementError, LiveShape, liveReplacementProblems, refuseLiveReplacements } from "../../lib/replacements";

const deployed: LiveShape = {
    springLiveColor: "blue",
    springPorts: { blue: 8080, green: 8080 },
    legacy: { application: "payments-api", port: 80 },
    network: "vpc-0a1b2c3d4e5f60001",
};
const next = (change: Partial<LiveShape>): LiveShape => ({ ...structuredClone(deployed), ...change });

describe("changes that would replace live resources (issue 8.10)", () => {
    it("allows anything on a stack that was never deployed, or deployed before the shape was exported", () => {
        assert.deepEqual(liveReplacementProblems(undefined, next({ network: "10.0.0.0/16" })), []);
        assert.deepEqual(liveReplacementProblems({}, next({ network: "10.0.0.0/16" })), []);
    });

    it("allows an unchanged shape and every change that keeps live resources", () => {
        assert.deepEqual(liveReplacementProblems(deployed, next({})), []);
        assert.deepEqual(liveReplacementProblems(deployed, next({ springLiveColor: "green" })), [], "a flip replaces nothing");
        assert.deepEqual(liveReplacementProblems(deployed, next({ springPorts: { blue: 8080, green: 9090 } })), [], "the idle color's port");
        assert.deepEqual(liveReplacementProblems(deployed, next({ legacy: null })), [], "decommissioning is the rollback policy's business");
    });

    it("refuses a port change on the live Spring color, and on the color a flip makes live, saying how to do it", () => {
        const [live] = liveReplacementProblems(deployed, next({ springPorts: { blue: 9090, green: 9090 } }));
        assert.match(live, /spring container port of blue 8080 → 9090: blue is the live Spring color/);
        assert.match(live, /set spring.green.containerPort, pulumi up, flip spring.liveColor/);
        const flipped = liveReplacementProblems(deployed, next({ springLiveColor: "green", springPorts: { blue: 8080, green: 9090 } }));
        assert.equal(flipped.length, 1);
        assert.match(flipped[0], /green 8080 → 9090/);
    });

    it("refuses a Beanstalk process port, application or network change", () => {
        assert.match(
            liveReplacementProblems(deployed, next({ legacy: { application: "payments-api", port: 8080 } })).join(),
            /legacy.port 80 → 8080: Beanstalk would replace/,
        );
        assert.match(liveReplacementProblems(deployed, next({ legacy: { application: "other", port: 80 } })).join(), /legacy.application payments-api → other/);
        assert.match(
            liveReplacementProblems(deployed, next({ network: "vpc-0ffffffffffffffff" })).join(),
            /network vpc-0a1b2c3d4e5f60001 → vpc-0ffffffffffffffff/,
        );
    });

    it("throws one user error listing every refused change", () => {
        assert.throws(
            () => refuseLiveReplacements(deployed, next({ network: "10.1.0.0/16", legacy: { application: "payments-api", port: 81 } }), "production"),
            (err: unknown) => err instanceof LiveReplacementError && /stack "production"/.test(err.message) && err.message.split("\n").length === 3,
        );
    });

    it("refuses a change of the ALB's scheme, and takes a stack that exported no scheme as internet-facing", () => {
        const internal = next({ albInternal: true });
        assert.deepEqual(liveReplacementProblems(internal, next({ albInternal: true })), []);
        const [flip] = liveReplacementProblems(internal, next({ albInternal: false }));
        assert.match(flip, /alb.internal true → false: the routed ALB would be replaced/);
        // Deployed before VPC origins: no albInternal in the shape, an internet-facing ALB; the new default would replace it.
        const [upgrade] = liveReplacementProblems(deployed, next({ albInternal: true }));
        assert.match(upgrade, /alb.internal false → true: .* Set alb.internal: false for this stack \(pulumi config set --path alb.internal false\)/);
        assert.deepEqual(liveReplacementProblems(deployed, next({ albInternal: false })), []);
    });
});
