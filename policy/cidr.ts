/**
 * CIDR blocks as address ranges, for no-open-ingress: an ingress block is judged by the
 * addresses it covers, not by how it is spelled (0.0.0.0/1 + 128.0.0.0/1 is the whole
 * IPv4 internet, ::0/0 is ::/0).
 */

interface Block {
    family: 4 | 6;
    address: bigint;
    length: number;
}

function ipv4(text: string): bigint | undefined {
    const parts = text.split(".");
    if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
    return parts.reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
}

function ipv6(text: string): bigint | undefined {
    let head = text;
    let tail: number[] = [];
    // An embedded IPv4 (::ffff:1.2.3.4) is the last two groups.
    const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
    if (v4) {
        const value = ipv4(v4[2]);
        if (value === undefined) return undefined;
        head = v4[1].endsWith("::") ? v4[1] : v4[1].slice(0, -1);
        tail = [Number(value >> 16n), Number(value & 0xffffn)];
    }
    const halves = head.split("::");
    if (halves.length > 2) return undefined;
    const groups = (s: string) => (s === "" ? [] : s.split(":"));
    const [left, right] = [groups(halves[0]), halves.length === 2 ? groups(halves[1]) : []];
    if (![...left, ...right].every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
    const given = [...left, ...right].map((g) => parseInt(g, 16));
    const missing = 8 - given.length - tail.length;
    if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
    const all = [...left.map((g) => parseInt(g, 16)), ...new Array(halves.length === 2 ? missing : 0).fill(0), ...right.map((g) => parseInt(g, 16)), ...tail];
    return all.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

/** A CIDR block ("10.0.0.0/16", "fd00::/8"), or undefined when it is not one. */
export function parseCidr(text: unknown): Block | undefined {
    if (typeof text !== "string") return undefined;
    const m = /^([^/\s]+)\/(\d{1,3})$/.exec(text.trim());
    if (!m) return undefined;
    const length = Number(m[2]);
    if (m[1].includes(":")) {
        const address = ipv6(m[1]);
        return address === undefined || length > 128 ? undefined : { family: 6, address, length };
    }
    const address = ipv4(m[1]);
    return address === undefined || length > 32 ? undefined : { family: 4, address, length };
}

/** Private address space: RFC 1918, the shared CGNAT block (RFC 6598, VPCs use it as a secondary block) and IPv6 unique local addresses. */
export const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"] as const;

function within(inner: Block, outer: Block): boolean {
    if (inner.family !== outer.family || inner.length < outer.length) return false;
    const bits = BigInt(inner.family === 4 ? 32 : 128);
    const shift = bits - BigInt(outer.length);
    return inner.address >> shift === outer.address >> shift;
}

/** Whether every address of the block lies in private address space (an unparseable block does not). */
export function isPrivateCidr(text: unknown): boolean {
    const block = parseCidr(text);
    return block !== undefined && PRIVATE_RANGES.some((r) => within(block, parseCidr(r)!));
}
