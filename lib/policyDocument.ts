/**
 * IAM policy documents (identity policies, trust policies, bucket policies) read into one
 * normalized shape, so that the policies judging them compare lists instead of re-reading the
 * grammar's shortcuts (a string or a list, `Principal: "*"` or a map).
 *
 * The grammar: IAM User Guide, "IAM JSON policy element reference"
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html):
 * `Statement` is one object or a list; `Action`, `NotAction`, `Resource`, `NotResource` a string
 * or a list; `Principal` / `NotPrincipal` is `"*"` or a map of principal type (AWS, Service,
 * Federated, CanonicalUser) to a string or a list. Action names are case-insensitive
 * ("Action" element: "the prefix and the action name are case insensitive").
 *
 * Pure: no Pulumi runtime.
 */

/** A principal map, `{ type: values }`; `"*"` as given is `{ "*": ["*"] }` (everyone). */
export type Principals = Record<string, string[]>;

export interface Statement {
    sid?: string;
    effect: string;
    /** Lower-cased (IAM compares action names case-insensitively); undefined when absent. */
    actions?: string[];
    notActions?: string[];
    resources?: string[];
    notResources?: string[];
    principals?: Principals;
    notPrincipals?: Principals;
    hasCondition: boolean;
    /**
     * The Condition block as `{ operator: { key: values } }`, keys lower-cased (IAM: "condition key
     * names are not case-sensitive"), each value a list; undefined when absent, null when it is not
     * of that shape (the operator names stay as written: a policy comparing them is exact).
     */
    conditions?: Conditions | null;
    /** Keys beyond the IAM statement grammar. */
    unknownKeys: string[];
}

/** A Condition block: operator → condition key (lower case) → values. */
export type Conditions = Record<string, Record<string, string[]>>;

const STATEMENT_KEYS = ["Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal", "Condition"];

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A string or a list of strings as a list; undefined when absent, null when malformed. */
function strings(v: unknown): string[] | undefined | null {
    if (v === undefined) return undefined;
    if (typeof v === "string") return [v];
    return Array.isArray(v) && v.every((x) => typeof x === "string") ? (v as string[]) : null;
}

/** A Condition block read as lists, or null when it is not `{ operator: { key: value | values } }` (values: strings, numbers or booleans). */
function conditions(v: unknown): Conditions | undefined | null {
    if (v === undefined) return undefined;
    if (!isRecord(v)) return null;
    const out: Conditions = {};
    for (const [operator, block] of Object.entries(v)) {
        if (!isRecord(block)) return null;
        out[operator] = {};
        for (const [key, values] of Object.entries(block)) {
            const list = (Array.isArray(values) ? values : [values]) as unknown[];
            if (!list.every((x) => ["string", "number", "boolean"].includes(typeof x))) return null;
            out[operator][key.toLowerCase()] = list.map(String);
        }
    }
    return out;
}

function principals(v: unknown): Principals | undefined | null {
    if (v === undefined) return undefined;
    if (v === "*") return { "*": ["*"] };
    if (!isRecord(v)) return null;
    const out: Principals = {};
    for (const [type, values] of Object.entries(v)) {
        const list = strings(values);
        if (!list) return null;
        out[type] = list;
    }
    return out;
}

/** One statement, or why it cannot be read. */
function statementOf(raw: unknown, index: number): Statement | string {
    if (!isRecord(raw)) return `statement ${index} is not an object`;
    const at = `statement ${typeof raw.Sid === "string" ? raw.Sid : index}`;
    const lists = {
        actions: strings(raw.Action),
        notActions: strings(raw.NotAction),
        resources: strings(raw.Resource),
        notResources: strings(raw.NotResource),
    };
    for (const [key, list] of Object.entries(lists)) if (list === null) return `${at}: ${key} is neither a string nor a list of strings`;
    const principal = principals(raw.Principal);
    const notPrincipal = principals(raw.NotPrincipal);
    if (principal === null || notPrincipal === null) return `${at}: a principal is neither "*" nor a map of principal types`;
    if (typeof raw.Effect !== "string") return `${at}: no Effect`;
    const lower = (xs: string[] | null | undefined) => xs?.map((x) => x.toLowerCase());
    return {
        sid: typeof raw.Sid === "string" ? raw.Sid : undefined,
        effect: raw.Effect,
        actions: lower(lists.actions),
        notActions: lower(lists.notActions),
        resources: lists.resources ?? undefined,
        notResources: lists.notResources ?? undefined,
        principals: principal,
        notPrincipals: notPrincipal,
        hasCondition: raw.Condition !== undefined,
        conditions: conditions(raw.Condition),
        unknownKeys: Object.keys(raw).filter((k) => !STATEMENT_KEYS.includes(k)),
    };
}

/**
 * A policy document (its JSON text, or the object) as statements, or why it cannot be read.
 * A document the pack cannot read is refused by its callers: what it grants is unknown.
 */
export function readPolicyDocument(doc: unknown): Statement[] | string {
    let parsed: unknown = doc;
    if (typeof doc === "string") {
        try {
            parsed = JSON.parse(doc) as unknown;
        } catch {
            return "the document is not JSON";
        }
    }
    if (!isRecord(parsed)) return "the document is not a JSON object";
    const raw = parsed.Statement;
    const list = Array.isArray(raw) ? (raw as unknown[]) : raw === undefined ? [] : [raw];
    const out: Statement[] = [];
    for (const [i, s] of list.entries()) {
        const st = statementOf(s, i);
        if (typeof st === "string") return st;
        out.push(st);
    }
    return out;
}

/** A statement's label in messages: its Sid, else its position. */
export const statementLabel = (s: Statement, index: number) => `statement ${s.sid ?? index}`;

/** Whether an IAM string uses a wildcard (`*` or `?` match any characters in actions and ARNs). */
export const hasWildcard = (s: string) => /[*?]/.test(s);
