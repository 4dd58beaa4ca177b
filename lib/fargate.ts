/**
 * Valid Fargate task sizes (AWS table, Linux). A task definition with any other
 * cpu/memory pair is rejected by ECS at deploy time, after the rest of the update
 * has already happened; checking it here makes it a config error instead.
 */

const GIB = 1024;

function steps(fromMiB: number, toMiB: number, stepMiB: number): number[] {
    const out: number[] = [];
    for (let m = fromMiB; m <= toMiB; m += stepMiB) {
        out.push(m);
    }
    return out;
}

/** cpu units → allowed memory in MiB. */
export const FARGATE_SIZES: ReadonlyMap<number, readonly number[]> = new Map<number, readonly number[]>([
    [256, [512, 1024, 2048]],
    [512, steps(1 * GIB, 4 * GIB, GIB)],
    [1024, steps(2 * GIB, 8 * GIB, GIB)],
    [2048, steps(4 * GIB, 16 * GIB, GIB)],
    [4096, steps(8 * GIB, 30 * GIB, GIB)],
    [8192, steps(16 * GIB, 60 * GIB, 4 * GIB)],
    [16384, steps(32 * GIB, 120 * GIB, 8 * GIB)],
]);

export function isValidFargateSize(cpu: number, memory: number): boolean {
    return FARGATE_SIZES.get(cpu)?.includes(memory) ?? false;
}

/** Human-readable list of what is allowed for a cpu value (or the cpu values themselves). */
export function describeFargateSizes(cpu: number): string {
    const memories = FARGATE_SIZES.get(cpu);
    if (!memories) {
        return `cpu must be one of ${[...FARGATE_SIZES.keys()].join(", ")}`;
    }
    const range = memories.length <= 3 ? memories.join(", ") : `${memories[0]}–${memories[memories.length - 1]} in steps of ${memories[1] - memories[0]}`;
    return `with cpu ${cpu}, memory (MiB) must be ${range}`;
}
