/** policy/cidr.ts: CIDR blocks judged by the addresses they cover, however they are spelled. */
import { strict as assert } from "node:assert";
import { isPrivateCidr, parseCidr } from "../../policy/cidr";

describe("policy/cidr.ts", () => {
    it("parses IPv4 and IPv6 blocks, compressed, embedded IPv4 and all, and refuses what is no block", () => {
        assert.deepEqual(parseCidr("10.0.0.0/8"), { family: 4, address: 0x0a000000n, length: 8 });
        assert.deepEqual(parseCidr(" ::/0 "), { family: 6, address: 0n, length: 0 });
        assert.equal(parseCidr("::0/0")?.address, 0n);
        assert.equal(parseCidr("::ffff:10.0.0.1/128")?.address, 0xffff0a000001n);
        assert.equal(parseCidr("fd00:0:0:0:0:0:0:1/128")?.address, (0xfd00n << 112n) | 1n);
        for (const bad of ["10.0.0.0", "10.0.0.256/8", "10.0.0.0/33", "1::2::3/64", "fd00::/129", "1:2:3:4:5:6:7/64", "x/8", 8, undefined])
            assert.equal(parseCidr(bad), undefined, String(bad));
    });

    it("private means every address of the block is private (RFC 1918, RFC 6598, IPv6 unique local)", () => {
        for (const cidr of ["10.1.0.0/16", "172.16.0.0/12", "172.31.255.0/24", "192.168.1.1/32", "100.64.0.0/10", "fd12:3456::/48"])
            assert.ok(isPrivateCidr(cidr), cidr);
        // Wider than a private range, outside it, or not a block: not private.
        for (const cidr of ["0.0.0.0/0", "10.0.0.0/7", "172.32.0.0/16", "8.8.8.8/32", "::/0", "2001:db8::/32", "0.0.0.0/1", "nonsense"])
            assert.ok(!isPrivateCidr(cidr), cidr);
    });
});
