import { strict as assert } from "node:assert";
import { CLOUDFRONT_FUNCTION_MAX_BYTES, QA_MAX_SOURCE_CIDRS, ipv6Groups, viewerFilterCode } from "../../lib/viewerFilter";

type Request = { headers: Record<string, { value: string }> };

/** Run the generated CloudFront Function as CloudFront would: handler(event) → request. */
function run(code: string, ip: string, headers: Record<string, string>): Record<string, string> {
    const handler = new Function(`${code}\nreturn handler;`)() as (event: unknown) => Request;
    const request: Request = { headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, { value: v }])) };
    const out = handler({ viewer: { ip }, request });
    return Object.fromEntries(Object.entries(out.headers).map(([k, v]) => [k, v.value]));
}

const QA = { "x-route-to": "spring-green", "x-route-token": "t0ken", "user-agent": "curl" };
const code = viewerFilterCode({
    routeHeader: "X-Route-To",
    tokenHeader: "X-Route-Token",
    sourceCidrs: ["203.0.113.0/24", "198.51.100.7/32", "2001:db8:abcd::/48"],
});

describe("QA viewer filter (CloudFront Function, issue 8.1)", () => {
    it("keeps the routing and token headers for testers inside the allowed ranges", () => {
        for (const ip of ["203.0.113.0", "203.0.113.255", "198.51.100.7", "2001:db8:abcd::1", "2001:db8:abcd:ffff:ffff:ffff:ffff:ffff"]) {
            assert.deepEqual(run(code, ip, QA), QA, ip);
        }
    });

    it("strips both headers from anyone else: the request takes the weighted mix like any viewer", () => {
        for (const ip of ["203.0.114.1", "198.51.100.8", "10.0.0.1", "2001:db8:abce::1", "2001:db9::1", "::1"]) {
            assert.deepEqual(run(code, ip, QA), { "user-agent": "curl" }, ip);
            assert.deepEqual(run(code, ip, { "x-route-token": "t0ken" }), {}, `${ip}, token alone`);
            assert.deepEqual(run(code, ip, { "x-route-to": "legacy" }), {}, `${ip}, route alone`);
        }
    });

    it("leaves ordinary requests alone, and treats a malformed address as outside", () => {
        assert.deepEqual(run(code, "192.0.2.1", { "user-agent": "curl" }), { "user-agent": "curl" });
        assert.deepEqual(run(code, "not-an-ip", QA), { "user-agent": "curl" });
        assert.deepEqual(run(code, "1.2.3", QA), { "user-agent": "curl" });
    });

    it("matches prefixes of every length, /0 included", () => {
        const all = viewerFilterCode({ routeHeader: "X-Route-To", tokenHeader: "X-Route-Token", sourceCidrs: ["0.0.0.0/0", "::/0"] });
        assert.deepEqual(run(all, "8.8.8.8", QA), QA);
        assert.deepEqual(run(all, "2606:4700::1", QA), QA);
        const odd = viewerFilterCode({ routeHeader: "X-Route-To", tokenHeader: "X-Route-Token", sourceCidrs: ["10.0.0.0/9", "2001:db8:8000::/33"] });
        assert.deepEqual(run(odd, "10.127.255.255", QA), QA);
        assert.deepEqual(run(odd, "10.128.0.0", QA), { "user-agent": "curl" });
        assert.deepEqual(run(odd, "2001:db8:ffff::1", QA), QA);
        assert.deepEqual(run(odd, "2001:db8:7fff::1", QA), { "user-agent": "curl" });
    });

    it("stays within CloudFront's function size limit at the configured maximum of ranges", () => {
        const cidrs = Array.from({ length: QA_MAX_SOURCE_CIDRS }, (_, i) => (i % 2 ? `2001:db8:${i.toString(16)}::/48` : `10.${i}.0.0/16`));
        assert.ok(
            Buffer.byteLength(viewerFilterCode({ routeHeader: "X-Route-To", tokenHeader: "X-Route-Token", sourceCidrs: cidrs })) <
                CLOUDFRONT_FUNCTION_MAX_BYTES,
        );
    });

    it("expands IPv6 addresses", () => {
        assert.deepEqual(ipv6Groups("2001:db8::1"), [0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]);
        assert.deepEqual(ipv6Groups("::"), [0, 0, 0, 0, 0, 0, 0, 0]);
        assert.equal(ipv6Groups("10.0.0.1"), undefined);
    });
});
