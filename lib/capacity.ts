/**
 * How much each color can take at once: Spring's desired task count and Beanstalk's
 * minimum instance count, per color. Pure (the policy pack imports it through
 * lib/deployedState.ts).
 */
import type { LegacyConfig, StackModel } from "./config";

type Color = "blue" | "green";

/** A Beanstalk color's instance counts: its own, else the pair's (the per-color default lives here only). */
export function legacyInstances(legacy: Pick<LegacyConfig, "blue" | "green" | "minInstances" | "maxInstances">, color: Color): { min: number; max: number } {
    return { min: legacy[color].minInstances ?? legacy.minInstances, max: legacy[color].maxInstances ?? legacy.maxInstances };
}

/** The capacity a stack keeps in each color: ECS desired tasks, and Beanstalk's MinSize (null without the pair). */
export interface Capacity {
    spring: Record<Color, number>;
    legacy: Record<Color, number> | null;
}

export function capacityOf(model: StackModel): Capacity {
    return {
        spring: { blue: model.spring.blue.desiredCount, green: model.spring.green.desiredCount },
        legacy: model.legacyPresent ? { blue: legacyInstances(model.legacy, "blue").min, green: legacyInstances(model.legacy, "green").min } : null,
    };
}
