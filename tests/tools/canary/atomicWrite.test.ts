/**
 * Stack file writes (tools/canary/atomicWrite.ts): atomic (a writer killed at any moment
 * leaves the old text or the new, never an empty file) and exclusive (of two commands that
 * read the same text, one writes and the other exits 2, writing nothing). Real processes on a
 * copy of the fixture stacks; the pause before the rename is the tool's test hook.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { StackFileChanged } from "../../../tools/canary/atomicWrite";
import { StackDocument } from "../../../tools/canary/stackDocument";
import { tempDir } from "../../helpers";
import { stackText, tempProject } from "./harness";
import { pausedWriters, startCanary } from "./processes";

const canaryOf = (text: string) =>
    (parse(text) as { config: Record<string, { weight: number; routes: { weight: number }[] }> }).config["payments-migration:canary"];
const temps = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith(".tmp"));

describe("stack file writes: atomic and exclusive", function () {
    this.timeout(240_000);

    it("a write against a file that changed since it was read is refused (StackFileChanged), and the file keeps the other writer's text", () => {
        const dir = tempProject();
        const doc = StackDocument.read(dir, "production");
        const other = StackDocument.read(dir, "production");
        other.set("canary.weight", 5);
        other.write();
        doc.set("canary.weight", 0);
        assert.throws(
            () => doc.write("npm run canary -- set 0 --stack production"),
            (e: Error) => {
                assert.ok(e instanceof StackFileChanged);
                assert.match(
                    e.message,
                    /^Pulumi\.production\.yaml changed while this command ran .*; nothing was written\. .*re-run: npm run canary -- set 0 --stack production$/,
                );
                return true;
            },
        );
        assert.equal(canaryOf(stackText(dir, "production")).weight, 5);
        assert.deepEqual(temps(dir), []);
    });

    it("a stack file that is a symbolic link stays a link: its target gets the text (as Pulumi's own config writes, through the link)", () => {
        const dir = tempProject();
        const target = path.join(tempDir("shared"), "Pulumi.production.yaml");
        fs.renameSync(path.join(dir, "Pulumi.production.yaml"), target);
        fs.symlinkSync(target, path.join(dir, "Pulumi.production.yaml"));
        const doc = StackDocument.read(dir, "production");
        doc.set("canary.weight", 5);
        doc.write();
        assert.ok(fs.lstatSync(path.join(dir, "Pulumi.production.yaml")).isSymbolicLink());
        assert.equal(canaryOf(fs.readFileSync(target, "utf8")).weight, 5);
        assert.deepEqual([...temps(dir), ...temps(path.dirname(target))], []);
    });

    it("a lock held (or left) by another writer, its time now or ahead of the clock: refused, naming the lock, its age and how to remove it", () => {
        for (const [offset, age] of [
            [0, /taken \d+ s ago/],
            [3_600_000, /taken (60 min|1\.0 h) ahead of this machine's clock/],
        ] as const) {
            const dir = tempProject();
            const lock = path.join(dir, "Pulumi.production.yaml.lock");
            fs.mkdirSync(lock);
            const at = new Date(Date.now() + offset);
            fs.utimesSync(lock, at, at);
            const doc = StackDocument.read(dir, "production");
            doc.set("canary.weight", 5);
            assert.throws(
                () => doc.write("npm run canary -- next --stack production"),
                (e: Error) => {
                    assert.ok(e instanceof StackFileChanged);
                    assert.ok(e.message.startsWith(`Pulumi.production.yaml is being written by another command right now (lock ${lock}, `), e.message);
                    assert.match(e.message, age);
                    assert.match(
                        e.message,
                        /nothing was written\. .*re-run: npm run canary -- next --stack production\. If no canary command is running .* remove it \(rmdir \S*Pulumi\.production\.yaml\.lock\)/,
                    );
                    return true;
                },
            );
            assert.equal(canaryOf(stackText(dir, "production")).weight, 1);
            assert.deepEqual(temps(dir), []);
        }
    });

    it("two processes at once (next, set 0 --route): exactly one writes and exits 0; the other exits 2, says the file changed and which command to re-run, writes nothing", async () => {
        const dir = tempProject();
        const hold = tempDir("hold");
        const env = { CANARY_TEST_PAUSE_BEFORE_RENAME: hold };
        const next = startCanary(dir, ["next", "--stack", "production"], env);
        const down = startCanary(dir, ["set", "0", "--route", "payment-status", "--stack", "production"], env);
        // Both have read the file and planned, and hold their new text in a temporary file.
        await pausedWriters(hold, 2);
        assert.equal(canaryOf(stackText(dir, "production")).weight, 1, "nothing renamed yet");
        fs.writeFileSync(path.join(hold, "resume"), "");
        const [a, b] = await Promise.all([next.done, down.done]);
        assert.deepEqual([a.code, b.code].sort(), [0, 2], `${a.out}${a.err}\n${b.out}${b.err}`);
        const [winner, loser, loserCommand] = a.code === 0 ? [a, b, "set 0 --route payment-status"] : [b, a, "next"];
        assert.match(winner.out, /Wrote Pulumi\.production\.yaml\./);
        assert.doesNotMatch(loser.out, /Wrote/);
        assert.match(
            loser.err,
            /^Pulumi\.production\.yaml (changed while this command ran|is being written by another command right now).*nothing was written/,
        );
        assert.ok(loser.err.includes(`re-run: npm run canary -- ${loserCommand} --stack production`), loser.err);
        assert.equal(loser.err.trim().split("\n").length, 1, "one line, no trace");
        const canary = canaryOf(stackText(dir, "production"));
        // The file holds exactly the winner's step, not a mix.
        assert.deepEqual([canary.weight, canary.routes[0].weight], a.code === 0 ? [5, 5] : [1, 0]);
        assert.deepEqual(temps(dir), []);
    });

    it("a writer killed with SIGKILL between its temporary file and the rename leaves the old file whole; the next command works", async () => {
        const dir = tempProject();
        const before = stackText(dir, "production");
        const hold = tempDir("hold");
        const writer = startCanary(dir, ["next", "--stack", "production"], { CANARY_TEST_PAUSE_BEFORE_RENAME: hold });
        const [pid] = await pausedWriters(hold, 1);
        // The new text is on disk beside the stack file, not yet in it.
        const temp = `.Pulumi.production.yaml.${pid}.tmp`;
        assert.deepEqual(temps(dir), [temp]);
        assert.equal(canaryOf(fs.readFileSync(path.join(dir, temp), "utf8")).weight, 5);
        writer.child.kill("SIGKILL");
        const killed = await writer.done;
        assert.equal(killed.signal, "SIGKILL");
        assert.equal(stackText(dir, "production"), before, "the old text, whole");

        const again = await startCanary(dir, ["next", "--stack", "production"]).done;
        assert.equal(again.code, 0, again.out + again.err);
        assert.equal(canaryOf(stackText(dir, "production")).weight, 5);
        assert.deepEqual(temps(dir), [], "the dead writer's temporary file is gone");
    });
});
