/**
 * The resource monitor both runs talk to: the offline plan installs it in-process, the
 * protocol run (tools/engine/run.ts) serves it over gRPC to a program started exactly as
 * `pulumi preview` starts one. One implementation, so both runs get the same answers
 * (tools/plan/mocks.ts) and record the same things.
 *
 * What it does as the Pulumi engine does (pkg/resource/deploy, step_generator.go):
 * - URNs: `urn:pulumi:<stack>::<project>::<parent's qualified type>$<type>::<name>`, with the
 *   parent's whole type chain, and no parent type for children of the root stack resource
 *   (Pulumi's own MockMonitor keeps only the last parent type and does not special-case the
 *   root stack, so its URNs differ from a real deployment's);
 * - reads (a StackReference) are recorded but never sent to Analyze (the engine analyzes
 *   registrations only; AnalyzeStack sees everything);
 * - a duplicate URN is an error, as the engine's "Duplicate resource URN".
 * Every request and response is the generated protobuf class, so the same object serves an
 * in-process SDK and a gRPC server.
 */
import * as grpc from "@grpc/grpc-js";
import * as pulumi from "@pulumi/pulumi";
import { RecordedResource, UNKNOWN } from "../plan/mocks";

import type { Callback as TransformCallback, CallbackInvokeResponse } from "@pulumi/pulumi/proto/callback_pb";
import type { CallbacksClient } from "@pulumi/pulumi/proto/callback_grpc_pb";
import type {
    ReadResourceRequest,
    ReadResourceResponse,
    RegisterPackageRequest,
    RegisterPackageResponse,
    RegisterResourceOutputsRequest,
    RegisterResourceRequest,
    RegisterResourceResponse,
    ResourceInvokeRequest,
    SupportsFeatureRequest,
    SupportsFeatureResponse,
    TransformResourceOptions,
} from "@pulumi/pulumi/proto/resource_pb";
import type { InvokeResponse } from "@pulumi/pulumi/proto/provider_pb";
import type { Empty } from "google-protobuf/google/protobuf/empty_pb";
import type { JavaScriptValue, Struct } from "google-protobuf/google/protobuf/struct_pb";

// Generated protobuf classes of the program's own @pulumi/pulumi: the modules the SDK builds its
// requests from, typed by the .d.ts files generated beside them (and @types/google-protobuf).
const resproto = require("@pulumi/pulumi/proto/resource_pb") as typeof import("@pulumi/pulumi/proto/resource_pb");
const provproto = require("@pulumi/pulumi/proto/provider_pb") as typeof import("@pulumi/pulumi/proto/provider_pb");
const structproto = require("google-protobuf/google/protobuf/struct_pb") as typeof import("google-protobuf/google/protobuf/struct_pb");
const emptyproto = require("google-protobuf/google/protobuf/empty_pb") as typeof import("google-protobuf/google/protobuf/empty_pb");
const callbackproto = require("@pulumi/pulumi/proto/callback_pb") as typeof import("@pulumi/pulumi/proto/callback_pb");
const callbackrpc = require("@pulumi/pulumi/proto/callback_grpc_pb") as typeof import("@pulumi/pulumi/proto/callback_grpc_pb");

export const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

/**
 * Features this monitor implements, answered to SupportsFeature. The SDK asks once, at
 * the root stack's registration, in both runs. Left out: outputValues (remote components
 * only), invokeTransforms and resource/error hooks (a program that uses them fails loudly with
 * the SDK's "does not support …" instead of silently skipping them).
 */
export const MONITOR_FEATURES: readonly string[] = [
    "secrets",
    "resourceReferences",
    "deletedWith",
    "replaceWith",
    "aliasSpecs",
    "transforms",
    "parameterization",
];

/** A unary call's answer, as gRPC's server and the in-process SDK both take it. */
export type Callback<Resp> = (err: Error | null, resp?: Resp) => void;

/** Serialized properties, as a protobuf Struct holds them (what Analyze and AnalyzeStack are given). */
export type StructData = Record<string, JavaScriptValue>;

/** The names `N` of a generated message's `getN`/`setN` accessor pairs. */
type AccessorName<M> = { [K in keyof M]: K extends `get${infer N}` ? (`set${N}` extends keyof M ? N : never) : never }[keyof M];

/**
 * The resource options a transform sees and may change: RegisterResourceRequest's accessor
 * suffix, and TransformResourceOptions'. (The import id is passed to transforms, not taken back.)
 */
const TRANSFORMABLE_OPTIONS: readonly [AccessorName<RegisterResourceRequest>, AccessorName<TransformResourceOptions>][] = [
    ["DependenciesList", "DependsOnList"],
    ["Protect", "Protect"],
    ["IgnorechangesList", "IgnoreChangesList"],
    ["ReplaceonchangesList", "ReplaceOnChangesList"],
    ["Retainondelete", "RetainOnDelete"],
    ["Deletebeforereplace", "DeleteBeforeReplace"],
    ["AdditionalsecretoutputsList", "AdditionalSecretOutputsList"],
    ["Deletedwith", "DeletedWith"],
    ["Provider", "Provider"],
    ["Version", "Version"],
    ["AliasesList", "AliasesList"],
];

/** A resource as the last deployment left it: what the engine copies for a resource a targeted update does not target. */
export interface DeployedResourceState {
    urn: string;
    type: string;
    id?: string;
    inputs: Record<string, unknown>;
    outputs: Record<string, unknown>;
}

export interface MonitorOptions {
    project: string;
    stack: string;
    mocks: pulumi.runtime.Mocks;
    /**
     * A targeted update (`pulumi up --target`): a custom resource not in `targets` keeps its deployed
     * inputs and outputs, and the program gets those outputs back; one that was never deployed is not
     * created. As the engine does (pulumi/pulumi pkg/resource/deploy/step_generator.go: "If not
     * targeted, stub out the provider check and use the old inputs directly" and "If the user requested
     * only specific resources to update, and this resource was not in that set, then we should emit a
     * SameStep for it"). Providers and the root stack are always targeted (ibid., isImplicitlyTargetedResource).
     */
    targeted?: { targets: ReadonlySet<string>; deployed: ReadonlyMap<string, DeployedResourceState> };
}

/**
 * Copy one option between two generated messages, `from.get<getter>()` to `to.set<setter>()`.
 * The names are checked against the classes' typings (TRANSFORMABLE_OPTIONS); the values pass
 * through as they are, whatever each option's type.
 */
function copyOption(from: object, getter: string, to: object, setter: string): void {
    const get: unknown = Reflect.get(from, `get${getter}`);
    const set: unknown = Reflect.get(to, `set${setter}`);
    if (typeof get !== "function" || typeof set !== "function") throw new Error(`no get${getter} or set${setter}: the SDK's generated messages changed`);
    set.call(to, get.call(from));
}

/** The qualified type of a URN: "a$b$c" (the third "::" segment). */
function qualifiedType(urn: string): string {
    return urn.split("::")[2] ?? "";
}

/** Deserialized request properties as plain data: secrets unwrapped (placeholders only), unknowns as UNKNOWN. */
export function plainProperties(struct: Struct | undefined): Record<string, unknown> {
    if (!struct) return {};
    return unwrapSecrets(pulumi.runtime.deserializeProperties(struct)) as Record<string, unknown>;
}

function unwrapSecrets(v: unknown): unknown {
    if (pulumi.isUnknown(v)) return UNKNOWN;
    if (Array.isArray(v)) return v.map(unwrapSecrets);
    if (v && typeof v === "object") {
        const o = v as Record<string, unknown>;
        if (o[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig) return unwrapSecrets(o.value);
        return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unwrapSecrets(x)]));
    }
    return v;
}

export class PlanMonitor {
    /** Every registered and read resource, in registration order, with its inputs, outputs and options. */
    readonly recorded: RecordedResource[] = [];
    /** Each registered resource's inputs as the SDK serialized them (what the engine passes to Analyze). */
    readonly rawInputs = new Map<string, StructData>();
    /** Each resource's outputs as serialized state (what the engine passes to AnalyzeStack). */
    readonly rawOutputs = new Map<string, StructData>();
    /** URNs of read (not registered) resources: never analyzed one by one. */
    readonly reads = new Set<string>();

    /** Stack transforms (registerResourceTransform), as callbacks into the program's callback server. */
    private readonly stackTransforms: TransformCallback[] = [];
    /** Each registered resource's own transforms, which its descendants inherit. */
    private readonly transformsOf = new Map<string, TransformCallback[]>();
    private readonly parentOf = new Map<string, string>();
    private readonly callbackClients = new Map<string, CallbacksClient>();

    constructor(private readonly opts: MonitorOptions) {}

    /** The program closes its callback server at exit; our clients to it go too. */
    close(): void {
        for (const client of this.callbackClients.values()) client.close();
        this.callbackClients.clear();
    }

    registerStackTransform(req: TransformCallback, callback: Callback<Empty>): void {
        this.stackTransforms.push(req);
        callback(null, new emptyproto.Empty());
    }

    /**
     * Apply transforms as the engine does before it registers a resource: the resource's own,
     * then its ancestors', then the stack's, each through the program's callback server, each
     * seeing what the previous one returned.
     */
    private async transform(req: RegisterResourceRequest): Promise<void> {
        const chain = [...req.getTransformsList()];
        for (let p: string | undefined = req.getParent(); p; p = this.parentOf.get(p)) chain.push(...(this.transformsOf.get(p) ?? []));
        chain.push(...this.stackTransforms);
        for (const cb of chain) {
            const opts = new resproto.TransformResourceOptions();
            for (const [field, option] of TRANSFORMABLE_OPTIONS) copyOption(req, field, opts, option);
            opts.setImport(req.getImportid());
            const transformReq = new resproto.TransformRequest();
            transformReq.setType(req.getType());
            transformReq.setName(req.getName());
            transformReq.setCustom(req.getCustom());
            transformReq.setParent(req.getParent());
            transformReq.setProperties(req.getObject());
            transformReq.setOptions(opts);
            const invoke = new callbackproto.CallbackInvokeRequest();
            invoke.setToken(cb.getToken());
            invoke.setRequest(transformReq.serializeBinary());
            const client = this.callbackClients.get(cb.getTarget()) ?? new callbackrpc.CallbacksClient(cb.getTarget(), grpc.credentials.createInsecure());
            this.callbackClients.set(cb.getTarget(), client);
            const resp = await new Promise<CallbackInvokeResponse>((resolve, reject) => client.invoke(invoke, (err, r) => (err ? reject(err) : resolve(r))));
            const result = resproto.TransformResponse.deserializeBinary(resp.getResponse_asU8());
            if (result.getProperties()) req.setObject(result.getProperties());
            const o = result.getOptions();
            if (o) for (const [field, option] of TRANSFORMABLE_OPTIONS) copyOption(o, option, req, field);
        }
    }

    urn(parent: string, type: string, name: string): string {
        const parentType = parent ? qualifiedType(parent) : "";
        const prefix = parentType && parentType !== ROOT_STACK_TYPE ? `${parentType}$` : "";
        return `urn:pulumi:${this.opts.stack}::${this.opts.project}::${prefix}${type}::${name}`;
    }

    private readonly urns = new Set<string>();

    private claim(urn: string): void {
        if (this.urns.has(urn)) throw new Error(`Duplicate resource URN '${urn}'; try giving it a unique name`);
        this.urns.add(urn);
    }

    private async state(type: string, name: string, inputs: Record<string, unknown>, custom: boolean, id: string, provider: string) {
        const result = await this.opts.mocks.newResource({ type, name, inputs, provider, custom, id });
        const serialized = await pulumi.runtime.serializeProperties("", result.state ?? {});
        return { id: result.id ?? "", serialized };
    }

    supportsFeature(req: SupportsFeatureRequest, callback: Callback<SupportsFeatureResponse>): void {
        const resp = new resproto.SupportsFeatureResponse();
        resp.setHassupport(MONITOR_FEATURES.includes(req.getId()));
        callback(null, resp);
    }

    /** The deployed state of a custom resource a targeted update leaves as it is (undefined: it is targeted, or not custom). */
    private untargeted(urn: string, type: string, custom: boolean): DeployedResourceState | "never-deployed" | undefined {
        const t = this.opts.targeted;
        if (!t || !custom || t.targets.has(urn) || type === ROOT_STACK_TYPE || type.startsWith("pulumi:providers:")) return undefined;
        return t.deployed.get(urn) ?? "never-deployed";
    }

    /** Plans skipped by a targeted update: resources the engine does not create because they are not targeted. */
    readonly skipped: string[] = [];

    async registerResource(req: RegisterResourceRequest, callback: Callback<RegisterResourceResponse>): Promise<void> {
        try {
            const urn = this.urn(req.getParent(), req.getType(), req.getName());
            this.claim(urn);
            if (req.getParent()) this.parentOf.set(urn, req.getParent());
            this.transformsOf.set(urn, req.getTransformsList());
            await this.transform(req);
            const kept = this.untargeted(urn, req.getType(), req.getCustom());
            if (kept === "never-deployed") this.skipped.push(urn);
            // Deployed inputs are the state's JSON.
            if (kept && kept !== "never-deployed") req.setObject(structproto.Struct.fromJavaScript(kept.inputs as StructData));
            const inputs = pulumi.runtime.deserializeProperties(req.getObject()!);
            const { id, serialized } =
                kept && kept !== "never-deployed"
                    ? { id: kept.id ?? String(kept.outputs.id ?? ""), serialized: await pulumi.runtime.serializeProperties("", kept.outputs) }
                    : await this.state(req.getType(), req.getName(), inputs, req.getCustom(), req.getImportid(), req.getProvider());
            this.rawInputs.set(urn, req.getObject()?.toJavaScript() ?? {});
            this.rawOutputs.set(urn, { ...serialized, ...(id ? { id } : {}) });
            this.recorded.push({
                urn,
                type: req.getType(),
                name: req.getName(),
                parent: req.getParent() || null,
                custom: req.getCustom(),
                inputs: plainProperties(req.getObject()),
                outputs: { ...plainProperties(structproto.Struct.fromJavaScript(serialized)), ...(id ? { id } : {}) },
                options: {
                    protect: req.getProtect() === true,
                    ignoreChanges: req.getIgnorechangesList(),
                    retainOnDelete: req.getRetainondelete() === true,
                    dependsOn: req.getDependenciesList(),
                    ...(req.getImportid() ? { import: req.getImportid() } : {}),
                },
            });
            const resp = new resproto.RegisterResourceResponse();
            resp.setUrn(urn);
            resp.setId(id);
            resp.setObject(structproto.Struct.fromJavaScript(serialized));
            callback(null, resp);
        } catch (err) {
            callback(err as Error);
        }
    }

    /** Read resources (a StackReference is one) come through ReadResource, not RegisterResource. */
    async readResource(req: ReadResourceRequest, callback: Callback<ReadResourceResponse>): Promise<void> {
        try {
            const urn = this.urn(req.getParent(), req.getType(), req.getName());
            this.claim(urn);
            const inputs = pulumi.runtime.deserializeProperties(req.getProperties()!);
            const { serialized } = await this.state(req.getType(), req.getName(), inputs, true, req.getId(), req.getProvider());
            this.reads.add(urn);
            this.rawOutputs.set(urn, serialized);
            this.recorded.push({
                urn,
                type: req.getType(),
                name: req.getName(),
                parent: req.getParent() || null,
                custom: true,
                inputs: plainProperties(req.getProperties()),
                outputs: { ...plainProperties(structproto.Struct.fromJavaScript(serialized)), id: req.getId() },
                options: { protect: false, ignoreChanges: [], retainOnDelete: false, dependsOn: req.getDependenciesList() },
            });
            const resp = new resproto.ReadResourceResponse();
            resp.setUrn(urn);
            resp.setProperties(structproto.Struct.fromJavaScript(serialized));
            callback(null, resp);
        } catch (err) {
            callback(err as Error);
        }
    }

    /** Components (and the root stack) register their outputs later; stack policies read them. */
    registerResourceOutputs(req: RegisterResourceOutputsRequest, callback: Callback<Empty>): void {
        const target = this.recorded.find((r) => r.urn === req.getUrn());
        if (!target) {
            callback(new Error(`unknown resource ${req.getUrn()}`));
            return;
        }
        const outputs = req.getOutputs();
        if (outputs) {
            target.outputs = plainProperties(outputs);
            this.rawOutputs.set(target.urn, outputs.toJavaScript());
        }
        callback(null, new emptyproto.Empty());
    }

    async invoke(req: ResourceInvokeRequest, callback: Callback<InvokeResponse>): Promise<void> {
        try {
            const token = req.getTok();
            const inputs = pulumi.runtime.deserializeProperties(req.getArgs()!);
            let result: StructData;
            if (token === "pulumi:pulumi:getResource") {
                const r = this.recorded.find((x) => x.urn === inputs.urn);
                // Every recorded resource has its serialized outputs (set before it is recorded).
                const state = r && this.rawOutputs.get(r.urn);
                if (!r || !state) throw new Error(`unknown resource ${inputs.urn}`);
                result = { urn: r.urn, id: state.id ?? null, state };
            } else {
                result = await pulumi.runtime.serializeProperties("", await this.opts.mocks.call({ token, inputs, provider: req.getProvider() }));
            }
            const resp = new provproto.InvokeResponse();
            resp.setReturn(structproto.Struct.fromJavaScript(result));
            callback(null, resp);
        } catch (err) {
            callback(err as Error);
        }
    }

    registerPackage(req: RegisterPackageRequest, callback: Callback<RegisterPackageResponse>): void {
        const resp = new resproto.RegisterPackageResponse();
        resp.setRef(`${req.getName()}@${req.getVersion()}`);
        callback(null, resp);
    }

    /** Nothing runs after the program (no delete hooks): shutdown is immediate. */
    signalAndWaitForShutdown(_req: Empty, callback: Callback<Empty>): void {
        callback(null, new emptyproto.Empty());
    }
}
