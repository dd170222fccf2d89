// The package's public surface.
export {
  createPartnerClient,
  validateSettings,
  type PartnerClient,
  type PartnerClientOptions,
  type CreateInstanceOptions,
  type CreateInstanceResult,
  type GetInstancesResult,
  type DeleteInstanceAccountResult,
  type FindCreatedInstancesQuery,
} from "./client.js";
export { DEFAULT_TIMEOUT_MS, parseRetryAfter, type CallOptions, type RetryOptions } from "./executor.js";
export type {
  ApiError,
  CreateInstanceError,
  ErrorKind,
  HttpError,
  InvalidRequestError,
  NetworkError,
  PartnerClientError,
  PartnerResult,
  Sent,
  TimeoutError,
  UnexpectedResponseError,
  Violation,
} from "./errors.js";
export type {
  CreateInstanceRequest,
  CreatedInstance,
  DeleteInstanceAccountRequest,
  InstanceDeleted,
  PartnerInstance,
  PartnerError,
  TypeInstance,
  TypeInstanceKnown,
  YesNo,
  paths,
  components,
  operations,
} from "../generated/types.js";
