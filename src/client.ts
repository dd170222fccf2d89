// The partner client: one typed line per method over the executor, and the recovery helper
// for an ambiguous create.
import type { Client } from "openapi-fetch";
import * as operations from "../generated/operations.js";
import { validatePartnerToken } from "../generated/validators.js";
import type {
  CreateInstanceRequest,
  CreatedInstance,
  DeleteInstanceAccountRequest,
  InstanceDeleted,
  PartnerInstance,
  paths,
} from "../generated/types.js";
import type { PartnerResult, Violation } from "./errors.js";
import { type CallOptions, type Core, type TransportOptions, createCore, serialise } from "./executor.js";
import { type InstanceClient, type InstanceClientOptions, createInstanceCore, instanceClientOf } from "./instance.js";

export interface PartnerClientOptions extends TransportOptions {
  /** The partner's secret API key from GREEN-API support. It never appears in an error. */
  partnerToken: string;
  /** `partnerApiUrl` from the partner's console; defaults to the spec's server. */
  baseUrl?: string | undefined;
}
/** Options of one call: `signal`, `timeoutMs`, `retry`. */
export type CreateInstanceOptions = Omit<CallOptions, "retry">;
export type CreateInstanceResult = PartnerResult<CreatedInstance>;
export type GetInstancesResult = PartnerResult<PartnerInstance[]>;
export type DeleteInstanceAccountResult = PartnerResult<InstanceDeleted>;

export interface FindCreatedInstancesQuery {
  /** The `name` the createInstance call sent: make it unique per call, and this finds exactly that call's instance. */
  name: string;
  /** When the createInstance call began (take `new Date()` just before it). */
  since: Date;
}

/** An instance as createInstance answers it or getInstances lists it: its id and, if listed, its token. */
export interface InstanceRef {
  idInstance: number;
  apiTokenInstance?: string | null | undefined;
}

export interface PartnerClient {
  /**
   * Creates a billable instance. Resolves with `data` (a created instance, never anything else)
   * or `error` (narrow on `error.kind`); rejects only on a programming error. Never resent.
   */
  createInstance(settings: CreateInstanceRequest, options?: CreateInstanceOptions): Promise<CreateInstanceResult>;
  /** Lists every instance of the partner's (deleted ones for 3 months). Retried when it is safe. */
  getInstances(options?: CallOptions): Promise<GetInstancesResult>;
  /** Deletes an instance; `{code: 404}` inside HTTP 200 (no such instance, or already deleted) is an `api` error. */
  deleteInstanceAccount(
    request: DeleteInstanceAccountRequest,
    options?: CallOptions,
  ): Promise<DeleteInstanceAccountResult>;
  /**
   * After a createInstance that failed with `sent` other than `"no"`: the instances that call
   * may have created, found by listing (never by creating again). Empty: none is listed (yet).
   */
  findCreatedInstances(query: FindCreatedInstancesQuery, options?: CallOptions): Promise<GetInstancesResult>;
  /**
   * The instance client of an instance createInstance created or getInstances listed, with this
   * client's `timeoutMs`, `retry`, `fetch` and middleware (`raw.use`, `useExample`) unless
   * `options` says otherwise. `apiUrl` is the instance's host from the console (createInstance
   * does not return it); by default this client's `baseUrl`, GREEN-API's universal host unless
   * you set another (a mock's, a proxy's). Throws a `TypeError` when the instance carries no
   * `apiTokenInstance`.
   */
  instance(
    instance: InstanceRef,
    options?: Omit<InstanceClientOptions, "idInstance" | "apiTokenInstance">,
  ): InstanceClient;
  /** The openapi-fetch client underneath, typed from the spec, with `baseUrl` set. */
  raw: Client<paths>;
  /** The base URL in use. */
  baseUrl: string;
}

/** Every way `settings` and `partnerToken` break createInstance's contract; empty when they can be sent. */
export function validateSettings(settings: unknown, partnerToken?: unknown): Violation[] {
  const token =
    partnerToken === undefined || validatePartnerToken(partnerToken)
      ? []
      : [{ field: "partnerToken", rule: "pattern", message: `partnerToken ${operations.partnerTokenRule}` }];
  return [...token, ...serialise(operations.createInstance, settings).violations];
}

/** Options without the keys set to `undefined`, which must not override a default. */
function withoutUndefined<T extends object>(options: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(options ?? {}).filter(([, value]) => value !== undefined)) as Partial<T>;
}

// GREEN-API's times carry no zone (see GreenApiTime in the spec), so "created after the call
// began" is judged with a margin of the widest UTC offset; the unique name does the real work.
const ZONE_MARGIN_MS = 14 * 60 * 60 * 1000;

/** The executor alone, for the method functions below: what a program that wants only some methods builds. */
export type PartnerCore = Core;

const WHERE = "createPartnerClient";

/** The partner family's core: checks the partner token and the base URL once, and builds the executor. */
export function createPartnerCore(options: PartnerClientOptions): PartnerCore {
  const { partnerToken } = options ?? ({} as PartnerClientOptions);
  if (typeof partnerToken !== "string" || partnerToken === "")
    throw new TypeError(
      `${WHERE}: partnerToken is required, as a non-empty string (the partner's API key from GREEN-API support)`,
    );
  // Refused at once, and never printed: a token that breaks the rule could change the request's path.
  if (!validatePartnerToken(partnerToken)) throw new TypeError(`${WHERE}: partnerToken ${operations.partnerTokenRule}`);
  return createCore({
    ...options,
    where: WHERE,
    baseUrl: options.baseUrl ?? operations.defaultBaseUrl,
    pathValues: { partnerToken },
  });
}

// One typed line per method over the executor. As functions of a core, a bundler keeps only the
// methods a program calls, and their validators; createPartnerClient gathers them all.
export const createInstance = (
  core: PartnerCore,
  settings: CreateInstanceRequest,
  call?: CreateInstanceOptions,
): Promise<CreateInstanceResult> => core.execute(operations.createInstance, settings, { ...call, retry: false });
export const getInstances = (core: PartnerCore, call?: CallOptions): Promise<GetInstancesResult> =>
  core.execute(operations.getInstances, undefined, call);
export const deleteInstanceAccount = (
  core: PartnerCore,
  request: DeleteInstanceAccountRequest,
  call?: CallOptions,
): Promise<DeleteInstanceAccountResult> => core.execute(operations.deleteInstanceAccount, request, call);

export async function findCreatedInstances(
  core: PartnerCore,
  { name, since }: FindCreatedInstancesQuery,
  call?: CallOptions,
): Promise<GetInstancesResult> {
  if (typeof name !== "string" || !(since instanceof Date) || Number.isNaN(since.getTime()))
    throw new TypeError("findCreatedInstances: name must be a string and since a valid Date");
  const listed = await getInstances(core, call);
  if (listed.error) return listed;
  const from = since.getTime() - ZONE_MARGIN_MS;
  return { data: listed.data.filter((i) => i.name === name && Date.parse(`${i.timeCreated.slice(0, 19)}Z`) >= from) };
}

export function createPartnerClient(options: PartnerClientOptions): PartnerClient {
  const core = createPartnerCore(options);
  const { timeoutMs, retry, fetch } = options;
  return {
    instance: ({ idInstance, apiTokenInstance }, more) => {
      // GREEN-API may stop listing tokens (its issue #815): keep the one createInstance returned.
      if (typeof apiTokenInstance !== "string")
        throw new TypeError(
          "instance: this instance carries no apiTokenInstance; use the one createInstance returned or the console shows",
        );
      // apiUrl defaults to this client's baseUrl (GREEN-API's universal host unless told otherwise):
      // a partner client pointed at a mock or a proxy keeps its instances' calls there too.
      const instanceOptions = {
        timeoutMs,
        retry,
        fetch,
        apiUrl: core.baseUrl,
        ...withoutUndefined(more),
        idInstance,
        apiTokenInstance,
      };
      return instanceClientOf(createInstanceCore(instanceOptions, { alsoMask: [options.partnerToken], raw: core.raw }));
    },
    createInstance: (settings, call) => createInstance(core, settings, call),
    getInstances: (call) => getInstances(core, call),
    deleteInstanceAccount: (request, call) => deleteInstanceAccount(core, request, call),
    findCreatedInstances: (query, call) => findCreatedInstances(core, query, call),
    raw: core.raw,
    baseUrl: core.baseUrl,
  };
}
