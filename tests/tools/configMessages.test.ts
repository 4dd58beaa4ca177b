/** Issue 10.8: config messages that say what is wrong, for what the CLI really writes. */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError, modelFromFlatConfig } from "../../lib/config";
import { StackDocument } from "../../tools/canary/stackDocument";
import { stackConfigFromText } from "../../tools/plan/stackFile";
import { FIXTURES, PROJECT } from "../helpers";

const fixture = fs.readFileSync(path.join(FIXTURES, "Pulumi.production.yaml"), "utf8");
const modelOf = (text: string, sets: string[] = []) => {
    const loaded = stackConfigFromText(text, PROJECT, "production", sets);
    return modelFromFlatConfig(loaded.config, PROJECT, "production");
};

describe("config messages", () => {
    it("spring.environment takes the numbers and booleans `pulumi config set --path … 20` stores, as strings", () => {
        const m = modelOf(fixture, ["spring.environment.POOL_SIZE=20", "spring.environment.FEATURE_X=true"]);
        assert.equal(m.spring.environment.POOL_SIZE, "20");
        assert.equal(m.spring.environment.FEATURE_X, "true");
    });

    it("a secure value on a key that cannot be secret says so", () => {
        const text = `${fixture.trimEnd()}\n  ${PROJECT}:protectRollbackTargets:\n    secure: v1:AAABAGZvbw==:dHJ1ZQ==\n`.replace(
            new RegExp(`\\n  ${PROJECT}:protectRollbackTargets: (true|false)\\n`),
            "\n",
        );
        assert.throws(
            () => modelOf(text),
            (e: Error) => {
                assert.ok(e instanceof ConfigError);
                assert.match(
                    e.message,
                    /payments-migration:protectRollbackTargets is a secure value, but this key cannot be secret \(expected true or false\): store it in plain text/,
                );
                return true;
            },
        );
    });

    it("a key in an unknown namespace is refused; provider namespaces are fine", () => {
        const typo = `${fixture.trimEnd()}\n  paymnts-migration:tags:\n    team: payments\n`;
        assert.throws(
            () => stackConfigFromText(typo, PROJECT, "production"),
            /unknown namespace, read by nothing: paymnts-migration:tags; expected payments-migration: \(this project\) or a provider's \(aws:/,
        );
        const provider = `${fixture.trimEnd()}\n  aws:profile: payments\n  pulumi:tags:\n    team: payments\n`;
        assert.doesNotThrow(() => stackConfigFromText(provider, PROJECT, "production"));
        // The canary tool reads the file the same way.
        assert.throws(() => new StackDocument(PROJECT, "production", typo).loaded(), /unknown namespace/);
    });
});
