/**
 * The release workflow's scripts, run as the workflow runs them: bash, a real git remote, and a
 * stand-in for the gh CLI that records what it was asked to do.
 */
import { strict as assert } from "node:assert";
import { spawnSync, SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT, tempDir } from "../helpers";

const SCRIPTS = path.join(ROOT, ".github", "scripts");
const HAS_YQ = spawnSync("sh", ["-c", "command -v yq"]).status === 0;

function bash(script: string, env: Record<string, string>, cwd = ROOT): SpawnSyncReturns<string> {
    return spawnSync("bash", [path.join(SCRIPTS, script)], {
        cwd,
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
        encoding: "utf8",
    });
}

describe("parse-release-tag.sh", () => {
    function parseTag(tag: string, extra: Record<string, string> = {}): { status: number | null; output: string; stdout: string } {
        const out = path.join(tempDir("tag"), "output");
        fs.writeFileSync(out, "");
        const r = bash("parse-release-tag.sh", { RELEASE_TAG: tag, RUN_EVENT: "push", RUN_REF_TYPE: "tag", RUN_REF_NAME: tag, GITHUB_OUTPUT: out, ...extra });
        return { status: r.status, output: fs.readFileSync(out, "utf8"), stdout: r.stdout };
    }

    it("writes tag, side and version for a Spring and a Rails release", () => {
        assert.deepEqual(parseTag("spring-v1.5.0"), {
            status: 0,
            output: "tag=spring-v1.5.0\nside=spring\nversion=1.5.0\n",
            stdout: "Release spring-v1.5.0: spring 1.5.0\n",
        });
        assert.equal(parseTag("rails-v2026.12.1").output, "tag=rails-v2026.12.1\nside=legacy\nversion=2026.12.1\n");
        assert.equal(parseTag("spring-v1.5.0-rc.1").output, "tag=spring-v1.5.0-rc.1\nside=spring\nversion=1.5.0-rc.1\n");
    });

    it("refuses a tag that would add lines to $GITHUB_OUTPUT or run a command, and writes nothing", () => {
        for (const tag of [
            "spring-v1.5.0\nside=legacy",
            "spring-v1.5.0\n",
            "spring-v1.5.0$(touch /tmp/pwned)",
            "spring-v1.5.0;id",
            "spring-v1.5",
            "other-v1.0.0",
            "",
        ]) {
            const r = parseTag(tag);
            assert.equal(r.status, 2, JSON.stringify(tag));
            assert.equal(r.output, "", JSON.stringify(tag));
            assert.match(r.stdout, /^::error::release tag .*: expected spring-vX\.Y\.Z or rails-vX\.Y\.Z/);
            assert.equal(r.stdout.split("\n").length, 2, `one line, the value escaped: ${JSON.stringify(r.stdout)}`);
        }
    });

    it("refuses a dispatch that does not run on the tag it names, with the command that does", () => {
        const r = parseTag("spring-v1.5.0", { RUN_EVENT: "workflow_dispatch", RUN_REF_TYPE: "branch", RUN_REF_NAME: "main" });
        assert.equal(r.status, 2);
        assert.equal(r.output, "");
        assert.match(r.stdout, /gh workflow run release\.yml --ref spring-v1\.5\.0 -f tag=spring-v1\.5\.0 \(this run is on main\)/);
        assert.equal(parseTag("spring-v1.5.0", { RUN_EVENT: "workflow_dispatch" }).status, 0);
    });
});

describe("propose-release.sh", () => {
    const STACK_FILE = (green: string, weight = 5) =>
        [
            "config:",
            "  aws:region: eu-west-1",
            "  payments-migration:canary:",
            `    weight: ${weight}`,
            "  payments-migration:spring:",
            "    liveColor: blue",
            "    blue:",
            "      image: 111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api:1.4.0",
            "    green:",
            `      image: ${green}`,
            "",
        ].join("\n");
    const OLD = "111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api:1.4.0";
    const NEW = `111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api:1.5.0@sha256:${"a".repeat(64)}`;

    const git = (cwd: string, ...args: string[]): string => {
        const r = spawnSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=main", ...args], {
            cwd,
            encoding: "utf8",
        });
        assert.equal(r.status, 0, `git ${args.join(" ")}: ${r.stderr}`);
        return r.stdout.trim();
    };

    /** A remote with main at a commit whose stack file has the old image, and a shallow checkout of that commit. */
    function makeRepositories(): { dir: string; sha: string } {
        const dir = tempDir("propose-repositories");
        const origin = path.join(dir, "origin.git");
        git(dir, "init", "--quiet", "--bare", origin);
        const seed = path.join(dir, "seed");
        git(dir, "clone", "--quiet", `file://${origin}`, seed);
        fs.writeFileSync(path.join(seed, "Pulumi.yaml"), "name: payments-migration\nruntime: nodejs\n");
        fs.writeFileSync(path.join(seed, "Pulumi.staging.yaml"), STACK_FILE(OLD));
        git(seed, "add", ".");
        git(seed, "commit", "--quiet", "-m", "seed");
        git(seed, "push", "--quiet", "origin", "HEAD:refs/heads/main");
        const sha = git(seed, "rev-parse", "HEAD");
        git(dir, "clone", "--quiet", "--depth=1", `file://${origin}`, path.join(dir, "checkout"));
        return { dir, sha };
    }
    // Made once and copied for each case (seven git processes each): every case gets its own remote and checkout.
    let repositories: { dir: string; sha: string } | undefined;

    /** A copy of the repositories (the checkout's remote its own copy of origin), a fake gh, the deployed file. */
    function setUp(): { dir: string; origin: string; checkout: string; sha: string; env: Record<string, string> } {
        repositories ??= makeRepositories();
        const { sha } = repositories;
        const dir = tempDir("propose");
        const origin = path.join(dir, "origin.git");
        const checkout = path.join(dir, "checkout");
        fs.cpSync(path.join(repositories.dir, "origin.git"), origin, { recursive: true });
        fs.cpSync(path.join(repositories.dir, "checkout"), checkout, { recursive: true });
        const config = path.join(checkout, ".git", "config");
        const remote = `file://${path.join(repositories.dir, "origin.git")}`;
        assert.ok(fs.readFileSync(config, "utf8").includes(remote), "the checkout's remote is the origin it was cloned from");
        fs.writeFileSync(config, fs.readFileSync(config, "utf8").split(remote).join(`file://${origin}`));

        const bin = path.join(dir, "bin");
        const state = path.join(dir, "gh-state");
        fs.mkdirSync(bin);
        fs.mkdirSync(state);
        // gh: auth setup-git is a no-op (the remote is a file); pr list/create keep one open pull request in a file.
        fs.writeFileSync(
            path.join(bin, "gh"),
            [
                "#!/usr/bin/env bash",
                'state="$FAKE_GH_STATE"',
                'echo "$*" >> "$state/calls"',
                'case "$1 $2" in',
                '  "auth setup-git") exit 0 ;;',
                '  "pr list") cat "$state/open" 2>/dev/null || echo "" ;;',
                '  "pr create")',
                '    while [ $# -gt 0 ]; do [ "$1" = --body-file ] && cp "$2" "$state/body"; [ "$1" = --title ] && echo "$2" > "$state/title"; shift; done',
                '    echo "https://github.com/org/repo/pull/7" | tee "$state/open" ;;',
                '  *) echo "fake gh: unexpected $*" >&2; exit 1 ;;',
                "esac",
                "",
            ].join("\n"),
            { mode: 0o755 },
        );
        const deployed = path.join(dir, "deployed.yaml");
        fs.writeFileSync(deployed, STACK_FILE(NEW));
        const env = {
            PATH: `${bin}:${process.env.PATH ?? ""}`,
            FAKE_GH_STATE: state,
            GH_TOKEN: "app-token",
            STACK: "staging",
            TAG: "spring-v1.5.0",
            SIDE: "spring",
            SHA: sha,
            DIGEST: `sha256:${"a".repeat(64)}`,
            DEPLOYED_FILE: deployed,
            GITHUB_REPOSITORY: "org/repo",
            GITHUB_SERVER_URL: "https://github.com",
            GITHUB_RUN_ID: "42",
        };
        return { dir, origin, checkout, sha, env };
    }

    const propose = (checkout: string, env: Record<string, string>) => bash("propose-release.sh", env, checkout);
    const creates = (env: Record<string, string>) =>
        fs
            .readFileSync(path.join(env.FAKE_GH_STATE, "calls"), "utf8")
            .split("\n")
            .filter((c) => c.startsWith("pr create")).length;
    const remoteFile = (origin: string, ref: string) => git(origin, "show", `${ref}:Pulumi.staging.yaml`);

    it("pushes the change onto main's tip and opens one pull request that says how to QA and that testers may not reach Spring yet", () => {
        const { origin, checkout, env } = setUp();
        const r = propose(checkout, env);
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /Pushed release\/spring-v1\.5\.0-staging\./);
        assert.equal(remoteFile(origin, "refs/heads/release/spring-v1.5.0-staging"), STACK_FILE(NEW).trimEnd());
        assert.equal(creates(env), 1);
        const body = fs.readFileSync(path.join(env.FAKE_GH_STATE, "body"), "utf8");
        assert.match(body, /\n {4}npm run canary -- status --stack staging\n/);
        assert.match(body, /Before the cut-in is promoted, testers may not reach Spring at all/);
        assert.match(body, /No traffic has moved/);
        // Without yq the script cannot tell which color the release changed, and says so.
        assert.match(
            body,
            HAS_YQ
                ? /npm run canary -- flip spring green --stack staging/
                : /npm run canary -- flip spring <the color this pull request changes> --stack staging/,
        );
        assert.doesNotMatch(body, /header route/);
    });

    it("re-run: reuses the pushed branch and the open pull request, and succeeds", () => {
        const { checkout, env } = setUp();
        assert.equal(propose(checkout, env).status, 0);
        const again = propose(checkout, env);
        assert.equal(again.status, 0, again.stdout + again.stderr);
        assert.match(again.stdout, /Branch release\/spring-v1\.5\.0-staging already holds this change: reused\./);
        assert.match(again.stdout, /Pull request already open: https:\/\/github\.com\/org\/repo\/pull\/7/);
        assert.equal(creates(env), 1);
    });

    it("re-run after the change reached main: nothing to push, no pull request, success", () => {
        const { origin, checkout, env } = setUp();
        assert.equal(propose(checkout, env).status, 0);
        git(origin, "update-ref", "refs/heads/main", "refs/heads/release/spring-v1.5.0-staging");
        fs.rmSync(path.join(env.FAKE_GH_STATE, "open")); // merged: no longer open
        const again = propose(checkout, env);
        assert.equal(again.status, 0, again.stdout + again.stderr);
        assert.match(again.stdout, /The change to Pulumi\.staging\.yaml is already on main: no pull request\./);
        assert.equal(creates(env), 1);
    });

    it("keeps what main gained since the deployed commit (an operator's step), and stops on a conflict", () => {
        const { dir, origin, checkout, env } = setUp();
        const other = path.join(dir, "operator");
        git(dir, "clone", "--quiet", `file://${origin}`, other);
        fs.writeFileSync(path.join(other, "Pulumi.staging.yaml"), STACK_FILE(OLD, 10));
        git(other, "commit", "--quiet", "-am", "canary 10 %");
        git(other, "push", "--quiet", "origin", "HEAD:refs/heads/main");
        assert.equal(propose(checkout, env).status, 0);
        assert.equal(remoteFile(origin, "refs/heads/release/spring-v1.5.0-staging"), STACK_FILE(NEW, 10).trimEnd());

        fs.writeFileSync(path.join(other, "Pulumi.staging.yaml"), STACK_FILE(`${OLD}-hotfix`, 10));
        git(other, "commit", "--quiet", "-am", "green by hand");
        git(other, "push", "--quiet", "origin", "HEAD:refs/heads/main");
        const conflict = propose(checkout, { ...env, TAG: "spring-v1.5.1" });
        assert.equal(conflict.status, 1);
        assert.match(conflict.stdout, /::error::Pulumi\.staging\.yaml changed on main in the same lines since [0-9a-f]{40}: open the pull request by hand/);
    });

    it("a release that changed nothing in the stack file opens nothing", () => {
        const { checkout, env } = setUp();
        fs.writeFileSync(env.DEPLOYED_FILE, STACK_FILE(OLD));
        const r = propose(checkout, env);
        assert.equal(r.status, 0);
        assert.match(r.stdout, /The release changed nothing in Pulumi\.staging\.yaml: no pull request\./);
        assert.ok(!fs.readFileSync(path.join(env.FAKE_GH_STATE, "calls"), "utf8").includes("pr "));
    });

    it("refuses inputs that are not what the workflow passes", () => {
        const { checkout, env } = setUp();
        for (const [key, value] of [
            ["TAG", "spring-v1.5.0\nx"],
            ["SHA", "main"],
            ["STACK", "../etc"],
            ["DIGEST", "latest"],
        ]) {
            const r = propose(checkout, { ...env, [key]: value });
            assert.equal(r.status, 1, key);
            assert.match(r.stdout, /^::error::/, key);
        }
    });
});
