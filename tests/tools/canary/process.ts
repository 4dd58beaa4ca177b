/**
 * The canary tool as a process of its own on a copy of the fixture stacks (CANARY_TEST_DIR),
 * for the tests that need real processes: two at once, or one killed mid-write. The Pulumi
 * CLI is CANARY_TEST_PULUMI (a fake script) when set, else none: the tool runs offline.
 *   node --require ./tools/register.js tests/tools/canary/process.ts <command> --stack <stack> ...
 */
import { main } from "../../../tools/canary";
import { AutomationEngine } from "../../../tools/canary/adapters";
import { runAsProcess } from "../../../tools/cli";

const dir = process.env.CANARY_TEST_DIR;
if (!dir) throw new Error("CANARY_TEST_DIR names the copy of the fixture stacks");
runAsProcess((argv) => main(argv, { dir, engine: new AutomationEngine(dir, process.env.CANARY_TEST_PULUMI ?? "/nonexistent/pulumi") }));
