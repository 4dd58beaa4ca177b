import { strict as assert } from "node:assert";
import { StackDocument } from "../../../tools/canary/stackDocument";
import { ROOT } from "../../helpers";
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
    it("round-trips both stack files byte for byte", () => {
        for (const stack of ["staging", "production"]) {
            const doc = StackDocument.read(ROOT, stack);
            assert.equal(doc.changed(), false, stack);
        }
    });

    it("changes only the edited key's line, keeping comments, quoting and secure values", () => {
        const doc = new StackDocument("payments-migration", "test", WITH_SECRETS);
        doc.set("canary.weight", 5);
        const lines = changedLines(WITH_SECRETS, doc.toString());
        assert.deepEqual(lines, [6]);
        assert.equal(doc.toString().split("\n")[6], "    weight: 5   # one percent");
        assert.ok(doc.toString().includes("c2VjcmV0IHZhbHVlIHRoYXQgaXMgcXVpdGUgbG9uZyBhbmQgd291bGQgYmUgZm9sZGVkIGF0IGVpZ2h0eSBjaGFyYWN0ZXJz\n"), "secure value kept on one line");
        doc.set("canary.routes[0].weight", 10);
        assert.deepEqual(changedLines(WITH_SECRETS, doc.toString()), [6, 10]);
    });

    it("adds a new key after the existing ones without touching them", () => {
        const doc = new StackDocument("payments-migration", "test", WITH_SECRETS);
        doc.set("canary.lastKnownGood", { weight: 1, routes: { status: 5 }, liveColors: { spring: "blue" } });
        const after = doc.toString();
        assert.ok(after.startsWith(WITH_SECRETS.split("  payments-migration:health:")[0]));
        assert.ok(after.endsWith(`  payments-migration:health:${WITH_SECRETS.split("  payments-migration:health:")[1]}`));
        assert.deepEqual(doc.get("canary.lastKnownGood"), { weight: 1, routes: { status: 5 }, liveColors: { spring: "blue" } });
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
});
