/**
 * The README is the front door: short, linking every page in docs/, and every relative link in
 * it and in docs/*.md leads somewhere — the file exists, and a `#anchor` names a heading of the
 * target as GitHub slugs it (lower case, punctuation dropped, each space a '-', a repeated
 * heading suffixed -1, -2, …; github-slugger, which github.com's anchors follow).
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "../helpers";

/**
 * Linked from the docs before the file lands on this branch: another branch writes it. Remove
 * the entry when it lands; until then a link to it may not carry an anchor.
 */

const DOCS = fs
    .readdirSync(path.join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`);
const FILES = ["README.md", ...DOCS];

/** Markdown without fenced blocks and code spans, where `[x](y)` and `#` are not syntax. */
const prose = (md: string) => md.replace(/^```[\s\S]*?^```/gm, "").replace(/`[^`\n]*`/g, "");

/** GitHub's anchor for a heading's text (github-slugger): inline markup first reduced to its text. */
export function slug(heading: string): string {
    return heading
        .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
        .replace(/[*`]/g, "")
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
        .replace(/ /g, "-");
}

/** The anchors of a Markdown file's headings, duplicates numbered as GitHub numbers them. */
export function anchors(md: string): Set<string> {
    const seen = new Map<string, number>();
    const found = new Set<string>();
    for (const m of md.replace(/^```[\s\S]*?^```/gm, "").matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
        const base = slug(m[1]);
        const n = seen.get(base) ?? 0;
        seen.set(base, n + 1);
        found.add(n === 0 ? base : `${base}-${n}`);
    }
    return found;
}

/** Every relative link of `file` (path from ROOT) that does not resolve, as "file: target (why)". */
export function brokenLinks(file: string, md: string, read: (p: string) => string | undefined): string[] {
    const broken: string[] = [];
    for (const m of prose(md).matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
        const target = m[1];
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
        const [rel, anchor] = target.split("#", 2) as [string, string | undefined];
        const to = rel === "" ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), decodeURIComponent(rel)));
        const text = read(to);
        if (text === undefined) {
            broken.push(`${file}: ${target} (no such file)`);
            continue;
        }
        if (anchor !== undefined && (!to.endsWith(".md") || !anchors(text).has(anchor))) broken.push(`${file}: ${target} (no heading #${anchor} in ${to})`);
    }
    return broken;
}

const readRoot = (p: string): string | undefined => {
    const abs = path.join(ROOT, p);
    if (!abs.startsWith(ROOT + path.sep) || !fs.existsSync(abs)) return undefined;
    return fs.statSync(abs).isDirectory() ? "" : fs.readFileSync(abs, "utf8");
};

describe("docs: links", () => {
    it("slugs headings as github.com does (anchors the README used before the move)", () => {
        assert.equal(slug("Canary operations: `npm run canary`"), "canary-operations-npm-run-canary");
        assert.equal(slug("What a first `pulumi up` creates, in order"), "what-a-first-pulumi-up-creates-in-order");
        assert.equal(slug("Platform updates (Beanstalk)"), "platform-updates-beanstalk");
        assert.equal(slug("Upgrading a stack deployed before `position` existed"), "upgrading-a-stack-deployed-before-position-existed");
        assert.equal(
            slug("Payments API migration: Rails on Beanstalk → Spring Boot on Fargate"),
            "payments-api-migration-rails-on-beanstalk--spring-boot-on-fargate",
        );
        assert.deepEqual([...anchors("# A\n## A\n```\n# not a heading\n```\n### A\n")], ["a", "a-1", "a-2"]);
    });

    it("finds a missing file and a missing anchor", () => {
        const files: Record<string, string> = { "docs/a.md": "# Title\n## Some `code` here\n" };
        const md = [
            "[ok](a.md#some-code-here) [ok](../README.md) [ok](#title) `[skipped](nowhere.md)` [web](https://example.com/x#y)",
            "[gone](b.md) [bad](a.md#nope)",
        ].join("\n");
        const read = (p: string) => (p === "README.md" ? "" : files[p]);
        assert.deepEqual(brokenLinks("docs/a.md", `# Title\n${md}`, read), [
            "docs/a.md: b.md (no such file)",
            "docs/a.md: a.md#nope (no heading #nope in docs/a.md)",
        ]);
    });

    it("every relative link in README.md and docs/*.md resolves, anchors included", () => {
        const broken = FILES.flatMap((f) => brokenLinks(f, fs.readFileSync(path.join(ROOT, f), "utf8"), readRoot));
        assert.deepEqual(broken, []);
    });
});

describe("README front door", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");

    it("is at most ~300 lines", () => {
        const lines = readme.split("\n").length;
        assert.ok(lines <= 300, `README.md has ${lines} lines`);
    });

    it("links every page in docs/", () => {
        const linked = new Set([...prose(readme).matchAll(/\]\((docs\/[^)#\s]+)/g)].map((m) => m[1]));
        assert.deepEqual([...linked].sort(), [...new Set(DOCS)].sort());
    });
});

describe("docs/policies.md", () => {
    it("documents every violation code the pack emits (each as `code`)", () => {
        const dir = path.join(ROOT, "policy");
        const emitted = new Set<string>();
        for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
            const source = fs.readFileSync(path.join(dir, file), "utf8");
            for (const m of source.matchAll(/(?:code: |say\(|f\(|finding\(|report\()"([a-z0-9-]+)"|"\[([a-z0-9-]+)\]/g)) emitted.add(m[1] ?? m[2]);
        }
        const doc = fs.readFileSync(path.join(ROOT, "docs", "policies.md"), "utf8");
        assert.ok(emitted.size > 100, `found only ${emitted.size} codes: the pattern no longer matches the policies`);
        assert.deepEqual([...emitted].filter((c) => !doc.includes(`\`${c}\``)).sort(), []);
    });
});
