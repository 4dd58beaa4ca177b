import { strict as assert } from "node:assert";
import { isValidFargateSize, describeFargateSizes, FARGATE_SIZES } from "../../lib/fargate";

describe("Fargate sizes", () => {
    const valid: [number, number[]][] = [
        [256, [512, 1024, 2048]],
        [512, [1024, 2048, 3072, 4096]],
        [1024, [2048, 3072, 4096, 5120, 6144, 7168, 8192]],
        [2048, Array.from({ length: 13 }, (_, i) => 4096 + i * 1024)],
        [4096, Array.from({ length: 23 }, (_, i) => 8192 + i * 1024)],
        [8192, Array.from({ length: 12 }, (_, i) => 16384 + i * 4096)],
        [16384, Array.from({ length: 12 }, (_, i) => 32768 + i * 8192)],
    ];

    it("accepts exactly the AWS table", () => {
        for (const [cpu, memories] of valid) {
            assert.deepEqual([...(FARGATE_SIZES.get(cpu) ?? [])], memories, `cpu ${cpu}`);
            for (let memory = 256; memory <= 131072; memory += 256) {
                assert.equal(isValidFargateSize(cpu, memory), memories.includes(memory), `${cpu}/${memory}`);
            }
        }
    });

    it("rejects unknown cpu values and explains what is allowed", () => {
        for (const cpu of [0, 128, 300, 1000, 32768]) {
            assert.equal(isValidFargateSize(cpu, 2048), false);
            assert.match(describeFargateSizes(cpu), /cpu must be one of 256, 512, 1024, 2048, 4096, 8192, 16384/);
        }
        assert.match(describeFargateSizes(1024), /with cpu 1024, memory \(MiB\) must be 2048–8192 in steps of 1024/);
        assert.match(describeFargateSizes(256), /512, 1024, 2048/);
    });
});
