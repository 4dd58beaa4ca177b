/**
 * What ECS really runs. With `waitForSteadyState` the provider reports a successful update
 * even when the deployment circuit breaker rolled the service back to the previous task
 * definition (terraform-provider-aws#20858), so after an update that touches a service, and
 * before a flip onto a Spring color, the tool asks ECS (DescribeServices): the PRIMARY
 * deployment must have rolloutState COMPLETED with the task definition the state records
 * (ECS API reference, Deployment: status PRIMARY is the most recent deployment; rolloutState
 * COMPLETED once it reached steady state, FAILED when the circuit breaker stopped it).
 */
import { Color } from "../../lib/weights";
import { DeployedResource, Engine, ServiceInspector } from "./adapters";

const SERVICE = "aws:ecs/service:Service";
const TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition";

const nameOf = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);

/** Problems with one service (empty: it runs what the state says). */
async function checkService(services: ServiceInspector, r: DeployedResource): Promise<string[]> {
    const cluster = String(r.outputs.cluster ?? "");
    const name = String(r.outputs.name ?? "");
    const wanted = String(r.outputs.taskDefinition ?? "");
    const found = await services.describe(cluster, name);
    const label = `${nameOf(r.urn)} (ECS service ${name})`;
    if (!found) return [`${label}: ECS does not know it in cluster ${cluster}`];
    const primary = found.deployments.find((d) => d.status === "PRIMARY");
    if (!primary) return [`${label}: no PRIMARY deployment`];
    const problems: string[] = [];
    if (primary.taskDefinition !== wanted) {
        problems.push(`${label}: runs ${primary.taskDefinition}, the state says ${wanted} (rolled back by the circuit breaker?)`);
    }
    if (primary.rolloutState !== "COMPLETED") {
        problems.push(
            `${label}: primary deployment is ${primary.rolloutState ?? "of unknown state"}${primary.rolloutStateReason ? `: ${primary.rolloutStateReason}` : ""}`,
        );
    }
    return problems;
}

/** Every ECS service of the stack: does its primary deployment run the state's task definition, completed? */
export async function verifyServices(engine: Engine, services: ServiceInspector, stack: string): Promise<string[]> {
    const resources = await engine.resources(stack);
    const problems: string[] = [];
    for (const r of resources.filter((x) => x.type === SERVICE)) problems.push(...(await checkService(services, r)));
    return problems;
}

/** The images in a deployed task definition's container definitions (a JSON string in the state). */
function imagesOf(taskDefinition: DeployedResource | undefined): string[] {
    const raw = taskDefinition?.outputs.containerDefinitions;
    try {
        const defs = (typeof raw === "string" ? JSON.parse(raw) : raw) as { image?: string }[];
        return defs.map((d) => String(d.image ?? ""));
    } catch {
        return [];
    }
}

/**
 * Before Spring traffic moves onto `color`: its service must run, completed, the task
 * definition the state records, and that task definition must carry the image released to
 * that color. Returns the problems (empty: safe to flip).
 */
export async function verifyReleasedColor(engine: Engine, services: ServiceInspector, stack: string, color: Color, image: string): Promise<string[]> {
    const resources = await engine.resources(stack);
    const service = resources.find((r) => r.type === SERVICE && nameOf(r.urn) === `spring-${color}`);
    if (!service) return [`spring-${color}: no ECS service in the deployed state`];
    const problems = await checkService(services, service);
    const taskDefinition = resources.find((r) => r.type === TASK_DEFINITION && r.outputs.arn === service.outputs.taskDefinition);
    const images = imagesOf(taskDefinition);
    if (!images.includes(image)) {
        problems.push(
            `spring-${color}: the deployed task definition runs ${images.join(", ") || "an unknown image"}, not the released ${image} (run pulumi up first)`,
        );
    }
    return problems;
}
