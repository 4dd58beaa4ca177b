/**
 * The raw-mocks floor: the program run once under Pulumi's own mocks (`pulumi.runtime.setMocks`)
 * in a process of its own — node started, the project's transpile hook, @pulumi/pulumi and
 * @pulumi/aws loaded, the test fixture's production config set, every resource registered, the
 * outputs awaited — and nothing else: no offline-plan monitor, no recording, no policy pack. No
 * test of a whole stack can be faster than this; `npm run bench -- --tests` sets npm test against it.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { createMocks } from "../plan/mocks";
import { loadStackConfig } from "../plan/stackFile";

async function main(): Promise<void> {
    const fixtures = path.resolve(__dirname, "..", "..", "tests", "fixtures");
    const loaded = loadStackConfig(fixtures, "production");
    const { mocks } = createMocks(loaded.config["aws:region"] ?? "us-east-1");
    await pulumi.runtime.setMocks(mocks, loaded.project, loaded.stack, false, "organization");
    pulumi.runtime.setAllConfig(loaded.config, loaded.secretKeys);
    const outputs = await pulumi.runtime.runInPulumiStack(async () => {
        const program = require("../../index") as () => Promise<Record<string, unknown>>;
        return program();
    });
    // Every output resolved, as a test of a whole stack awaits them; then the runtime's own work is done.
    await new Promise<void>((resolve) => pulumi.output(outputs).apply(() => resolve()));
    await pulumi.runtime.disconnect();
}

main().catch((err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
});
