import { strict as assert } from "node:assert";
import { defined } from "../helpers";
import { InputsOf, plan, resource, resources } from "../planCache";

const ENV = "aws:elasticbeanstalk/environment:Environment";
const APP = "aws:elasticbeanstalk/application:Application";

function settings(env: { inputs: InputsOf<typeof ENV> }): Record<string, string> {
    return Object.fromEntries(defined(env.inputs.settings, "settings").map((s) => [`${s.namespace}/${s.name}`, s.value]));
}

describe("LegacyBeanstalkPair (through mocks)", () => {
    for (const color of ["blue", "green"] as const) {
        it(`${color}: joins the routed ALB in shared mode with the ALB's own security group`, async () => {
            const p = await plan("production");
            const env = resource(p, ENV, `legacy-${color}`);
            const s = settings(env);
            assert.equal(s["aws:elasticbeanstalk:environment/LoadBalancerType"], "application");
            assert.equal(s["aws:elasticbeanstalk:environment/LoadBalancerIsShared"], "true");
            assert.match(s["aws:elbv2:loadbalancer/SharedLoadBalancer"], /^arn:aws:elasticloadbalancing:eu-west-1:\d{12}:loadbalancer\/app\//);
            assert.match(s["aws:elbv2:loadbalancer/SecurityGroups"], /^sg-/);
            // Shared mode: only SharedLoadBalancer and SecurityGroups are valid in aws:elbv2:loadbalancer (issue 8.3).
            assert.deepEqual(
                Object.keys(s)
                    .filter((k) => k.startsWith("aws:elbv2:loadbalancer/"))
                    .sort(),
                ["aws:elbv2:loadbalancer/SecurityGroups", "aws:elbv2:loadbalancer/SharedLoadBalancer"],
            );
            assert.equal(s["aws:elbv2:listener:80/Rules"], "default");
            assert.equal(s["aws:elasticbeanstalk:environment:process:default/HealthCheckPath"], "/health");
            assert.equal(s["aws:elasticbeanstalk:environment:process:default/DeregistrationDelay"], "60");
            assert.equal(s["aws:elasticbeanstalk:command/DeploymentPolicy"], "Immutable");
            assert.equal(s["aws:ec2:vpc/Subnets"], "subnet-0a1b2c3d4e5f60021,subnet-0a1b2c3d4e5f60022,subnet-0a1b2c3d4e5f60023");
            assert.equal(s["aws:ec2:vpc/AssociatePublicIpAddress"], "false");
            assert.equal(s["aws:autoscaling:asg/MinSize"], "3");
            assert.equal(s["aws:ec2:instances/InstanceTypes"], "m6i.large");
            assert.equal(env.inputs.version, color === "blue" ? "rails-2026.11.1" : "rails-2026.11.2");
            assert.equal(env.inputs.application, "payments-api");
            assert.equal(env.options.protect, true);
        });
    }

    it("sets Rails environment properties per color, each color's own over legacy.environment (a change staged on the idle color)", async () => {
        const NS = "aws:elasticbeanstalk:application:environment";
        const shared = await plan("production", ["legacy.environment.RAILS_LOG_LEVEL=info"]);
        const staged = await plan("production", ["legacy.environment.RAILS_LOG_LEVEL=info", "legacy.blue.environment.RAILS_LOG_LEVEL=debug"]);
        assert.equal(settings(resource(staged, ENV, "legacy-blue"))[`${NS}/RAILS_LOG_LEVEL`], "debug");
        assert.equal(settings(resource(staged, ENV, "legacy-green"))[`${NS}/RAILS_LOG_LEVEL`], "info");
        // The serving color (green) is exactly what it was: Beanstalk restarts an environment whose properties change.
        assert.deepEqual(resource(staged, ENV, "legacy-green").inputs, resource(shared, ENV, "legacy-green").inputs);
        const none = await plan("production");
        assert.ok(!defined(resource(none, ENV, "legacy-blue").inputs.settings).some((s) => s.namespace === NS), "no properties unless configured");
    });

    it("uses an existing application by name in production and creates one in staging", async () => {
        assert.equal(resources(await plan("production"), APP).length, 0);
        assert.equal(resource(await plan("staging"), APP, "legacy-app").inputs.name, "payments-api-staging");
    });

    it("finds each color's target group by Beanstalk's environment-id tag and routes to it", async () => {
        const p = await plan("production");
        const qaBlue = p.routing.find((r) => r.name === "qa-legacy-blue")!;
        assert.deepEqual(
            qaBlue.targets.map((t) => `${t.side}-${t.color}`),
            ["legacy-blue"],
        );
        const qaGreen = p.routing.find((r) => r.name === "qa-legacy-green")!;
        assert.deepEqual(
            qaGreen.targets.map((t) => `${t.side}-${t.color}`),
            ["legacy-green"],
        );
    });

    it("takes target group ARNs from config when given", async () => {
        const arn = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/awseb-given/0123456789abcdef";
        const p = await plan("production", [`legacy.targetGroupArns.blue=${arn}`, `legacy.targetGroupArns.green=${arn.replace("given", "other")}`]);
        const rule = resource(p, "aws:lb/listenerRule:ListenerRule", "alb-qa-legacy-blue");
        assert.equal(defined(rule.inputs.actions[0].forward, "forward").targetGroups[0].arn, arn);
    });

    it("is gone, with its QA routes, once decommissioned at 100 %", async () => {
        const p = await plan("production", ["legacy.decommissioned=true", "canary.weight=100", "canary.routes[0].weight=100"]);
        assert.equal(resources(p, ENV).length, 0);
        assert.ok(p.routing.every((r) => r.targets.every((t) => t.side === "spring")));
        assert.ok(!p.routing.some((r) => r.name.startsWith("qa-legacy")));
    });
});
