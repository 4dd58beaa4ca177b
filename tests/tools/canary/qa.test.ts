/**
 * The QA command `canary status` prints (tools/canary/qa.ts), at every cut-in phase and
 * without a cut-in: before the promotion testers reach Rails, and the tool says so; where a
 * command reaches the routed ALB it is printed exactly, with the header names from the stack
 * config, the token read from Secrets Manager and the continuous-deployment header value read
 * by a command, never printed.
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { parseStackConfig } from "../../../lib/config";
import { CUTIN_PHASES, CutinPhase } from "../../../lib/cutin";
import { qaTokenSecretId } from "../../../lib/secretNames";
import { qaAccess } from "../../../tools/canary/qa";
import { StackDocument } from "../../../tools/canary/stackDocument";
import { FIXTURES, PROJECT, stackRaw, withValue } from "../../helpers";
import { canary, tempProject } from "./harness";

const CUTIN = path.join(FIXTURES, "cutin");
const TOKEN = "$(aws secretsmanager get-secret-value --secret-id payments-migration/production/qa-token --region eu-west-1 --query SecretString --output text)";
const OPTS = { region: "eu-west-1", headerValueInFile: true };

/** The cut-in fixture at `phase` (an edge weight where the phase has one). */
function atPhase(phase: CutinPhase, changes: [string, unknown][] = []) {
    const weighted = ["weight", "promoting", "detached"].includes(phase);
    const all: [string, unknown][] = [["cutin.phase", phase], ...(weighted ? [["cutin.edgeWeight", 5] as [string, unknown]] : []), ...changes];
    return parseStackConfig(
        all.reduce((raw, [k, v]) => withValue(raw, k, v), stackRaw("production", CUTIN)),
        PROJECT,
        "production",
    );
}

const spring = (extra = "") => `curl ${extra}-H "X-Route-To: spring" -H "X-Route-Token: ${TOKEN}" https://api.payments.example.com/...`;

describe("canary status: the QA command for the stack and its cut-in phase", () => {
    it("the QA token's secret id is defined once: <project>/<stack>/qa-token", () => {
        assert.equal(qaTokenSecretId("payments-migration", "staging"), "payments-migration/staging/qa-token");
    });

    it("adopted and staged: testers cannot reach Spring yet, and no command is printed", () => {
        for (const phase of ["adopted", "staged"] as const) {
            const lines = qaAccess(atPhase(phase), OPTS);
            assert.equal(lines.length, 1, phase);
            assert.match(
                lines[0],
                new RegExp(
                    `^QA: testers cannot reach Spring yet\\. At cut-in phase ${phase} .*goes to the old origin \\(Rails\\): any answer is Rails', not Spring's\\.`,
                ),
            );
            assert.match(lines[0], /no command reaches the routed ALB before phase header \(npm run canary -- cutin next --stack production\)\.$/);
            assert.doesNotMatch(lines[0], /curl/);
        }
    });

    it("header: the command carries the continuous-deployment header, its value read with pulumi config get, never printed", () => {
        const model = atPhase("header", [["cutin.header.value", "hunter2-not-printed"]]);
        const lines = qaAccess(model, OPTS);
        assert.match(
            lines[0],
            /^QA at cut-in phase header: only requests with the continuous-deployment header aws-cf-cd-payments-cutin reach the routed ALB \(and so Spring\); every other request, QA headers or not, reaches Rails/,
        );
        assert.equal(
            lines[1],
            `  Spring (live color, blue): ${spring('-H "aws-cf-cd-payments-cutin: $(pulumi config get --path cutin.header.value --stack production)" ')}`,
        );
        assert.match(lines[2], /^ {2}Spring green \(idle: where a release goes\): curl .*-H "X-Route-To: spring-green"/);
        assert.ok(!lines.join("\n").includes("hunter2-not-printed"));
        // Not in the file: the command would print nothing, so the tool says to set one first.
        const unset = qaAccess(model, { ...OPTS, headerValueInFile: false });
        assert.match(
            unset[1],
            /^ {2}cutin\.header\.value is not set in Pulumi\.production\.yaml .*pulumi config set --secret --path cutin\.header\.value --stack production <value>, then pulumi up$/,
        );
    });

    it("weight: by chance only, said plainly, with the command for a request that lands on the routed ALB", () => {
        const lines = qaAccess(atPhase("weight"), OPTS);
        assert.match(
            lines[0],
            /^QA at cut-in phase weight: only about 5% of viewer sessions reach the routed ALB, by chance .*No command reaches Spring for sure before the promotion \(npm run canary -- cutin promote --stack production\)/,
        );
        assert.equal(lines[1], `  Spring (live color, blue): ${spring()}`);
    });

    it("promoting: every request once the update is deployed; detached and promoted: the routed ALB, the plain QA command", () => {
        assert.match(
            qaAccess(atPhase("promoting"), OPTS)[0],
            /^QA at cut-in phase promoting: once this phase's update is deployed .*every request reaches the routed ALB; before that only by chance\./,
        );
        for (const phase of ["detached", "promoted"] as const) {
            const lines = qaAccess(atPhase(phase, phase === "promoted" ? [["cutin.cutinDate", "2026-12-01"]] : []), OPTS);
            assert.match(lines[0], /^QA: requests reach the routed ALB; the QA header routes send them to Spring\. Testers, from anywhere:$/, phase);
            assert.equal(lines[1], `  Spring (live color, blue): ${spring()}`, phase);
        }
        assert.deepEqual(
            CUTIN_PHASES.filter((p) => !["adopted", "staged", "header", "weight", "promoting", "detached", "promoted"].includes(p)),
            [],
            "every phase is covered",
        );
    });

    it("without a cut-in: header names from qa.routeHeader and qa.tokenHeader, the public alias, the testers' ranges", () => {
        const raw = withValue(withValue(stackRaw("production"), "qa.routeHeader", "X-Qa-Target"), "qa.tokenHeader", "X-Qa-Key");
        const lines = qaAccess(parseStackConfig(raw, PROJECT, "production"), OPTS);
        assert.equal(
            lines[0],
            "QA: requests reach the routed ALB; the QA header routes send them to Spring. Testers, from 198.51.100.0/24, 203.0.113.0/24 only (qa.sourceCidrs):",
        );
        assert.equal(lines[1], `  Spring (live color, blue): curl -H "X-Qa-Target: spring" -H "X-Qa-Key: ${TOKEN}" https://api.payments.example.com/...`);
        assert.equal(
            lines[2],
            `  Spring green (idle: where a release goes): curl -H "X-Qa-Target: spring-green" -H "X-Qa-Key: ${TOKEN}" https://api.payments.example.com/...`,
        );
    });

    it("status prints it, after the cut-in lines", async () => {
        const dir = tempProject(CUTIN);
        const doc = StackDocument.read(dir, "production");
        doc.set("cutin.phase", "staged");
        doc.write();
        const r = await canary(dir, ["status", "--stack", "production"]);
        assert.equal(r.code, 0, r.err);
        assert.match(r.out, /Cut-in phase staged[\s\S]*\nQA: testers cannot reach Spring yet\. At cut-in phase staged/);
    });
});
