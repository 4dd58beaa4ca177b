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
import { shellPath } from "./adapters";

/** A lock older than this is a dead holder's (the lock is held for a compare and a rename: milliseconds). */
const STALE_MS = 5000;

/** The stack file is not what this command read: another command or an edit wrote it since (exit 2, nothing written). */
export class StackFileChanged extends UserError {}

/** File-system errors the operator fixes (permissions, a read-only or full disk, a quota), as they read them. */
const FS_PROBLEMS: Record<string, string> = {
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    EROFS: "read-only file system",
    ENOSPC: "no space left on device",
    EDQUOT: "disk quota exceeded",
    EIO: "input/output error",
};

/** A UserError (one line, exit 2) for a file-system error the operator fixes; anything else is rethrown as it is. */
function cannotWrite(file: string, e: unknown, written = false): never {
    const code = (e as NodeJS.ErrnoException | null)?.code;
    if (typeof code !== "string" || !(code in FS_PROBLEMS)) throw e;
    const outcome = written ? "the new text was renamed into place but may not be on disk yet: check the file before the next step" : "nothing was written";
    throw new UserError(`cannot write ${path.basename(file)} in ${path.dirname(file)}: ${FS_PROBLEMS[code]} (${code}); ${outcome}`);
}

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

/** Temporary files of writers that died before their rename (`.<name>.<pid>.tmp`, the pid gone); best effort. */
function removeDeadWritersTemps(file: string): void {
    const prefix = tempPrefix(file);
    for (const name of fs.readdirSync(path.dirname(file))) {
        const pid = name.startsWith(prefix) && name.endsWith(".tmp") ? Number(name.slice(prefix.length, -".tmp".length)) : NaN;
        if (!Number.isInteger(pid) || pid === process.pid || isAlive(pid)) continue;
        try {
            fs.rmSync(path.join(path.dirname(file), name), { force: true });
        } catch {
            // A folder this command cannot write: writeTemp says so, in one line.
        }
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
    return new StackFileChanged(`${name} ${why}; nothing was written. See what changed (git diff ${shellPath(file)}), then re-run: ${rerun}`);
}

const CHANGED = "changed while this command ran (another command or an edit wrote it)";

/** StackFileChanged unless `file` holds `expected` (a check before an action in AWS that the write would follow). */
export function checkUnchanged(file: string, expected: string, rerun: string): void {
    if (fs.readFileSync(file, "utf8") !== expected) throw changedUnder(file, CHANGED, rerun);
}

/** "3 s ago", "in 1 h 2 min": a lock's time against this machine's clock. */
function describeAge(ms: number): string {
    const abs = Math.abs(ms);
    const text = abs < 60_000 ? `${Math.round(abs / 1000)} s` : abs < 3_600_000 ? `${Math.round(abs / 60_000)} min` : `${(abs / 3_600_000).toFixed(1)} h`;
    return ms >= 0 ? `${text} ago` : `${text} ahead of this machine's clock`;
}

/**
 * The refusal for a lock another holder has: named, with its age, and how to remove it safely.
 * A lock whose time lies ahead is never stale to proper-lockfile (stale means mtime < now −
 * stale): a clock stepped back, or a host with a fast clock on a shared mount, left it; it
 * cannot be told from a live holder's, so the operator decides.
 */
function lockedBy(file: string, lock: string, rerun: string): StackFileChanged {
    let age = "";
    try {
        age = `, taken ${describeAge(Date.now() - fs.statSync(lock).mtimeMs)}`;
    } catch {
        // Released meanwhile: the re-run takes it.
    }
    const name = path.basename(file);
    return new StackFileChanged(
        `${name} is being written by another command right now (lock ${lock}${age}); nothing was written. Wait for it, then re-run: ${rerun}. If no canary command is running on this checkout (on any machine that mounts it), the lock is left over: remove it (rmdir ${shellPath(lock)}) and re-run`,
    );
}

/** The lock, held only for the compare and the rename. */
function lock(file: string, rerun: string): () => void {
    try {
        return lockSync(file, { stale: STALE_MS, realpath: false });
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ELOCKED") throw lockedBy(file, `${file}.lock`, rerun);
        return cannotWrite(file, e);
    }
}

/**
 * Replace `file` with `text` if it still holds `expected`; otherwise throw StackFileChanged
 * (naming `rerun`, the command to run again) and leave the file as it is. A symbolic link
 * stays a link: its target gets the text (rename(2) would replace the link itself, and Pulumi's
 * own config writes go through it: os.WriteFile follows links). A file-system error the
 * operator fixes (a folder they cannot write, a read-only or full disk) is one line, exit 2.
 */
export function replaceIfUnchanged(given: string, expected: string, text: string, rerun: string): void {
    if (!fs.existsSync(given)) throw changedUnder(given, "was removed while this command ran", rerun);
    const file = fs.realpathSync(given);
    removeDeadWritersTemps(file);
    let temp: string;
    try {
        temp = writeTemp(file, text);
    } catch (e) {
        return cannotWrite(file, e);
    }
    try {
        pauseForTest();
        const release = lock(file, rerun);
        try {
            checkUnchanged(file, expected, rerun);
            try {
                fs.renameSync(temp, file);
            } catch (e) {
                cannotWrite(file, e);
            }
            try {
                fsyncFolder(path.dirname(file));
            } catch (e) {
                cannotWrite(file, e, true);
            }
        } finally {
            release();
        }
    } finally {
        fs.rmSync(temp, { force: true });
    }
}
