/**
 * Malformed input never ends in a trace: every broken stack file or policy config file gives
 * one line naming the file (and the key), exit 2, nothing else printed and nothing written,
 * whatever the command, rollback included.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { canary, stackText, tempProject } from "./harness";

const STACK = "Pulumi.production.yaml";
const POLICY = "policy-config.production.json";

/** A copy of the fixtures with one file rewritten by `edit`. */
function broken(file: string, edit: (text: string) => string): string {
    const dir = tempProject();
    const at = path.join(dir, file);
    fs.writeFileSync(at, edit(fs.readFileSync(at, "utf8")));
    return dir;
}

/** The fixture text without one `payments-migration:<section>` block. */
const withoutSection = (section: string) => (text: string) => {
    const lines = text.split("\n");
    const start = lines.findIndex((l) => l === `  payments-migration:${section}:`);
    const end = lines.findIndex((l, i) => i > start && /^ {2}\S/.test(l));
    return [...lines.slice(0, start), ...lines.slice(end)].join("\n");
};

const CASES: { name: string; file: string; edit: (text: string) => string; message: RegExp }[] = [
    {
        name: "an empty stack file (a write cut short)",
        file: STACK,
        edit: () => "",
        message: /^Pulumi\.production\.yaml is empty: expected a config: map; restore it \(git checkout -- Pulumi\.production\.yaml\)/,
    },
    {
        name: "config: misspelled",
        file: STACK,
        edit: (t) => t.replace(/^config:/m, "configs:"),
        message: /^Pulumi\.production\.yaml: unknown top-level key configs; a stack file holds config, /,
    },
    { name: "no config: at all", file: STACK, edit: () => "secretsprovider: passphrase\n", message: /^Pulumi\.production\.yaml has no config: map/ },
    {
        name: "bad YAML",
        file: STACK,
        edit: (t) => t.replace("aws:region: eu-west-1", "aws:region: [eu-west-1"),
        message: /^Pulumi\.production\.yaml is not valid YAML: /,
    },
    {
        name: "a required section missing (spring)",
        file: STACK,
        edit: withoutSection("spring"),
        message: /^Pulumi\.production\.yaml: invalid config for stack "production": payments-migration:spring = \(not set\): /,
    },
    {
        name: "a section missing whose default cannot be built (alb)",
        file: STACK,
        edit: withoutSection("alb"),
        message:
            /^Pulumi\.production\.yaml: invalid config for stack "production": a section is missing or incomplete \(certificateArn: expected an ACM certificate ARN.*\); the file has canary, legacy, spring, network, edge, /,
    },
    {
        name: "a policy config that is not JSON",
        file: POLICY,
        edit: () => '{ "canary-step-limit": ',
        message: /^policy-config\.production\.json is not valid JSON: /,
    },
    {
        name: "a policy config that is not an object",
        file: POLICY,
        edit: () => "[]",
        message: /^policy-config\.production\.json: expected an object of policy names/,
    },
    {
        name: "a policy setting of the wrong type",
        file: POLICY,
        edit: () => '{ "canary-step-limit": { "ladder": "x" } }',
        message: /^policy-config\.production\.json: policy config "canary-step-limit": \/ladder must be array/,
    },
    {
        name: "a policy name that is no policy",
        file: POLICY,
        edit: () => '{ "canary-step-limt": "mandatory" }',
        message: /^policy-config\.production\.json: policy config names "canary-step-limt", which is not a policy of this pack/,
    },
];

describe("npm run canary on malformed stack and policy config files", function () {
    this.timeout(120_000);
    for (const c of CASES) {
        it(`${c.name}: one line naming the file, exit 2, nothing printed or written, for status, next and rollback`, async () => {
            const dir = broken(c.file, c.edit);
            const before = stackText(dir, "production");
            for (const command of ["status", "next", "rollback"]) {
                const r = await canary(dir, [command, "--stack", "production"]);
                assert.equal(r.code, 2, `${command}: ${r.out}${r.err}`);
                assert.match(r.err, c.message, command);
                assert.equal(r.err.split("\n").length, 1, `${command}: one line, no usage text or trace:\n${r.err}`);
                assert.equal(r.out, "", `${command} printed before failing`);
                assert.equal(stackText(dir, "production"), before);
            }
        });
    }

    it("a missing Pulumi.yaml is one line too", async () => {
        const dir = tempProject();
        fs.rmSync(path.join(dir, "Pulumi.yaml"));
        const r = await canary(dir, ["rollback", "--stack", "production"]);
        assert.equal(r.code, 2);
        assert.match(r.err, /^no Pulumi\.yaml in .*: run the tools from the project's folder$/);
    });
});
