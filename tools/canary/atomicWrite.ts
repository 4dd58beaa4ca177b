/**
 * How the canary tool replaces a stack file: never half written, never silently overwritten.
 *
 * Atomic: the new text goes to a temporary file in the same folder (rename(2) is atomic only
 * within one file system), is fsynced, and is renamed over the stack file; then the folder is
 * fsynced, since fsync on a file "does not necessarily ensure that the entry in the directory
 * containing the file has also reached disk" (fsync(2)). A kill -9 at any moment leaves the
 * old text or the new one, never an empty or partial file.
 *
 * Exclusive: a compare-and-swap against the text the command read at its start, under a lock
 * held only for the compare and the rename (proper-lockfile: a `<file>.lock` directory, since
 * mkdir is atomic; considered stale STALE_MS after its holder died). Of two commands that read
 * the same text, the first to write wins; the other finds the file changed, writes nothing and
 * exits 2 with the command to re-run.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { lockSync } from "proper-lockfile";
import { UserError } from "../../lib/errors";

/** A lock older than this is a dead holder's (the lock is held for a compare and a rename: milliseconds). */
const STALE_MS = 5000;

/** The stack file is not what this command read: another command or an edit wrote it since (exit 2, nothing written). */
export class StackFileChanged extends UserError {}

/**
 * Test hook, named by the environment so a test can kill a writer at the worst moment: with
 * CANARY_TEST_PAUSE_BEFORE_RENAME=<dir>, a writer that has written and fsynced its temporary
 * file creates <dir>/paused.<pid> and waits (at most a minute) until <dir>/resume exists.
 */
function pauseForTest(): void {
    const dir = process.env.CANARY_TEST_PAUSE_BEFORE_RENAME;
    if (!dir) return;
    fs.writeFileSync(path.join(dir, `paused.${process.pid}`), "");
    const wait = new Int32Array(new SharedArrayBuffer(4));
    for (let waited = 0; waited < 60_000 && !fs.existsSync(path.join(dir, "resume")); waited += 10) Atomics.wait(wait, 0, 0, 10);
}

const tempPrefix = (file: string) => `.${path.basename(file)}.`;

/** Temporary files of writers that died before their rename (`.<name>.<pid>.tmp`, the pid gone). */
function removeDeadWritersTemps(file: string): void {
    const prefix = tempPrefix(file);
    for (const name of fs.readdirSync(path.dirname(file))) {
        const pid = name.startsWith(prefix) && name.endsWith(".tmp") ? Number(name.slice(prefix.length, -".tmp".length)) : NaN;
        if (!Number.isInteger(pid) || pid === process.pid || isAlive(pid)) continue;
        fs.rmSync(path.join(path.dirname(file), name), { force: true });
    }
}

function isAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === "EPERM";
    }
}

/** `text` in a new file beside `file`, with its mode, on disk: the file's name. */
function writeTemp(file: string, text: string): string {
    const temp = path.join(path.dirname(file), `${tempPrefix(file)}${process.pid}.tmp`);
    const fd = fs.openSync(temp, "w", fs.statSync(file).mode & 0o7777);
    try {
        fs.writeFileSync(fd, text);
        fs.fsyncSync(fd);
    } finally {
        fs.closeSync(fd);
    }
    return temp;
}

function fsyncFolder(dir: string): void {
    const fd = fs.openSync(dir, "r");
    try {
        fs.fsyncSync(fd);
    } finally {
        fs.closeSync(fd);
    }
}

function changedUnder(file: string, why: string, rerun: string): StackFileChanged {
    const name = path.basename(file);
    return new StackFileChanged(`${name} ${why}; nothing was written. See what changed (git diff ${name}), then re-run: ${rerun}`);
}

const CHANGED = "changed while this command ran (another command or an edit wrote it)";

/** StackFileChanged unless `file` holds `expected` (a check before an action in AWS that the write would follow). */
export function checkUnchanged(file: string, expected: string, rerun: string): void {
    if (fs.readFileSync(file, "utf8") !== expected) throw changedUnder(file, CHANGED, rerun);
}

/**
 * Replace `file` with `text` if it still holds `expected`; otherwise throw StackFileChanged
 * (naming `rerun`, the command to run again) and leave the file as it is.
 */
export function replaceIfUnchanged(file: string, expected: string, text: string, rerun: string): void {
    removeDeadWritersTemps(file);
    const temp = writeTemp(file, text);
    try {
        pauseForTest();
        let release: () => void;
        try {
            release = lockSync(file, { stale: STALE_MS, realpath: false });
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== "ELOCKED") throw e;
            throw changedUnder(file, "is being written by another command right now", rerun);
        }
        try {
            checkUnchanged(file, expected, rerun);
            fs.renameSync(temp, file);
            fsyncFolder(path.dirname(file));
        } finally {
            release();
        }
    } finally {
        fs.rmSync(temp, { force: true });
    }
}
