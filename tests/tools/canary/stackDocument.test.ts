import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { StackDocument } from "../../../tools/canary/stackDocument";
import { ConfigError } from "../../../lib/errors";
import { FIXTURES, PROJECT } from "../../helpers";
import { changedLines } from "./harness";

const WITH_SECRETS = `# Production-like file with secure values
config:
  aws:region: eu-west-1
  aws:secretKey:
    secure: v1:AAABAGZvbw==:c2VjcmV0IHZhbHVlIHRoYXQgaXMgcXVpdGUgbG9uZyBhbmQgd291bGQgYmUgZm9sZGVkIGF0IGVpZ2h0eSBjaGFyYWN0ZXJz
  payments-migration:canary:
    weight: 1   # one percent
    routes:
      - name: status   # first route
        paths: ["/v1/payments/*/status"]
        weight: 5
  payments-migration:health:
    notifications:
      - protocol: https
        endpoint:
          secure: v1:AAABAHdlYmhvb2s=:aHR0cHM6Ly9ob29rcy5leGFtcGxlLmNvbS9zZWNyZXQtdG9rZW4=
  'payments-migration:tags': {team: payments}
`;

describe("stack file edits (as pulumi config set --path)", () => {
    it("setting every key of both fixture stack files, to a new value and back, restores them byte for byte", () => {
        for (const stack of ["staging", "production"]) {
            const text = fs.readFileSync(path.join(FIXTURES, `Pulumi.${stack}.yaml`), "utf8");
            const leaves = leavesOf(parse(text).config);
            assert.ok(leaves.length > 20, `${stack}: ${leaves.length} keys`);
            const doc = StackDocument.read(FIXTURES, stack);
            for (const [key, value] of leaves) {
                doc.set(key, typeof value === "number" ? value + 1 : typeof value === "boolean" ? !value : `${value}-x`);
                assert.notEqual(doc.get(key), value, `${stack} ${key}`);
                doc.set(key, value);
                assert.equal(doc.toString(), text, `${stack} ${key}`);
            }
            assert.equal(doc.changed(), false);
        }
    });

    it("changes only the edited key's line, keeping comments, quoting and secure values", () => {
        const doc = new StackDocument("payments-migration", "test", WITH_SECRETS);
        doc.set("canary.weight", 5);
        const lines = changedLines(WITH_SECRETS, doc.toString());
        assert.deepEqual(lines, [6]);
        assert.equal(doc.toString().split("\n")[6], "    weight: 5   # one percent");
        assert.ok(
            doc.toString().includes("c2VjcmV0IHZhbHVlIHRoYXQgaXMgcXVpdGUgbG9uZyBhbmQgd291bGQgYmUgZm9sZGVkIGF0IGVpZ2h0eSBjaGFyYWN0ZXJz\n"),
            "secure value kept on one line",
        );
        doc.set("canary.routes[0].weight", 10);
        assert.deepEqual(changedLines(WITH_SECRETS, doc.toString()), [6, 10]);
    });

    it("a CRLF file keeps CRLF on every line it writes: changed values, inserted keys, re-serialized flow maps", () => {
        const crlf = WITH_SECRETS.replace(/\n/g, "\r\n");
        const doc = new StackDocument("payments-migration", "test", crlf);
        doc.set("canary.weight", 5);
        doc.set("canary.example", {
            blue: "arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/b/1",
            green: "arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/g/2",
        });
        doc.set("canary.stickinessSeconds", 120);
        doc.set("tags.owner", "payments"); // the flow-style map: the file is re-serialized
        const after = doc.toString();
        assert.equal(after.replace(/\r\n/g, "").includes("\n"), false, JSON.stringify(after));
        assert.deepEqual(doc.get("canary.example"), {
            blue: "arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/b/1",
            green: "arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/g/2",
        });
        assert.equal(doc.get("tags.owner"), "payments");
    });

    it("never writes over a secure value, and tells where a key is secret", () => {
        const doc = new StackDocument("payments-migration", "test", WITH_SECRETS);
        assert.equal(doc.isSecure("health.notifications[0].endpoint"), true);
        assert.equal(doc.isSecure("canary.weight"), false);
        assert.throws(() => doc.set("health.notifications[0].endpoint", "https://plain"), /is a secure value .*the tool never writes secrets/);
    });

    it("adds a new key after the existing ones without touching them", () => {
        const doc = new StackDocument("payments-migration", "test", WITH_SECRETS);
        doc.set("canary.example", {
            blue: "arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/b/1",
            green: "arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/g/2",
        });
        const after = doc.toString();
        assert.ok(after.startsWith(WITH_SECRETS.split("  payments-migration:health:")[0]));
        assert.ok(after.endsWith(`  payments-migration:health:${WITH_SECRETS.split("  payments-migration:health:")[1]}`));
        assert.deepEqual(doc.get("canary.example"), {
            blue: "arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/b/1",
            green: "arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/g/2",
        });
    });

    it("creates missing maps and lists on the way, and reads values back", () => {
        const doc = new StackDocument("payments-migration", "test", WITH_SECRETS);
        doc.set("migration.cutoverDate", "2026-12-01");
        doc.set("qa.sourceCidrs[0]", "203.0.113.0/24");
        assert.equal(doc.get("migration.cutoverDate"), "2026-12-01");
        assert.deepEqual(doc.get("qa.sourceCidrs"), ["203.0.113.0/24"]);
        const loaded = doc.loaded();
        assert.deepEqual(JSON.parse(loaded.config["payments-migration:qa"]), { sourceCidrs: ["203.0.113.0/24"] });
        assert.deepEqual(loaded.secretKeys.sort(), ["aws:secretKey", "payments-migration:health"]);
        assert.equal(loaded.config["aws:secretKey"], "[secret]");
    });

    describe("anchors, aliases and merge keys: read as Pulumi reads them; an edit that would change another key is refused", () => {
        const SHARED = `config:
  payments-migration:canary:
    weight: &rung 5
    routes:
      - name: status
        weight: *rung
  payments-migration:spring:
    blue: &springColor
      image: repo:1.0
      desiredCount: 3
    green:
      <<: *springColor
      image: repo:1.1
    spare: &unused 2
`;
        const doc = () => new StackDocument("payments-migration", "production", SHARED, "/x/Pulumi.production.yaml");
        const refused = (key: string, says: RegExp) =>
            assert.throws(
                () => doc().set(key, 7),
                (e: Error) => {
                    assert.ok(e instanceof ConfigError, e.message);
                    assert.match(e.message, new RegExp(`^${key.replace(/[.[\]]/g, "\\$&")} in Pulumi\\.production\\.yaml `));
                    assert.match(e.message, says);
                    assert.match(e.message, /Nothing was written\.$/);
                    return true;
                },
            );

        it("reads merged and aliased values (go-yaml resolves <<, as Pulumi reads the file)", () => {
            assert.equal(doc().get("spring.green.desiredCount"), 3);
            assert.equal(doc().get("spring.green.image"), "repo:1.1");
            assert.equal(doc().get("canary.routes[0].weight"), 5);
            assert.deepEqual(JSON.parse(doc().loaded().config["payments-migration:spring"]).green, { image: "repo:1.1", desiredCount: 3 });
        });

        it("refuses an anchored value an alias repeats, the alias itself, and a value from a merge key", () => {
            refused("canary.weight", /anchored \(&rung\) and an alias \(\*rung\) repeats it/);
            refused("canary.routes[0].weight", /goes through the alias \*rung/);
            refused("spring.green.desiredCount", /comes from a merge key \(<<: \*springColor\)/);
            refused("spring.blue.desiredCount", /anchored \(&springColor\) and a merge key \(<<: \*springColor\) repeats it/);
        });

        it("allows what changes one key only: a key the merging map sets itself, an anchor nothing repeats", () => {
            const d = doc();
            d.set("spring.green.image", "repo:1.2");
            d.set("spring.blue.image", "repo:1.3");
            d.set("spring.spare", 4);
            assert.deepEqual([d.get("spring.green.image"), d.get("spring.blue.image"), d.get("spring.green.desiredCount")], ["repo:1.2", "repo:1.3", 3]);
            assert.ok(d.toString().includes("      <<: *springColor\n"));
            assert.ok(d.toString().includes("    spare: &unused 4\n"));
        });

        it("a second merge key in one map is a duplicate key, as go-yaml reads it", () => {
            assert.throws(
                () => new StackDocument("payments-migration", "production", `${SHARED}    other:\n      <<: *springColor\n      <<: *springColor\n`),
                /is not valid YAML: Map keys must be unique/,
            );
        });
    });
});

/** Every scalar of the project's config as [config path, value], e.g. ["canary.routes[0].weight", 5]. */
function leavesOf(config: Record<string, unknown>): [string, unknown][] {
    const out: [string, unknown][] = [];
    const walk = (key: string, v: unknown) => {
        if (Array.isArray(v)) v.forEach((x, i) => walk(`${key}[${i}]`, x));
        else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(`${key}.${k}`, x);
        else out.push([key, v]);
    };
    for (const [k, v] of Object.entries(config)) if (k.startsWith(`${PROJECT}:`)) walk(k.slice(PROJECT.length + 1), v);
    return out;
}
