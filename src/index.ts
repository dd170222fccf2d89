// The package's public surface.
export {
  createPartnerClient,
  validateSettings,
  DEFAULT_TIMEOUT_MS,
  type PartnerClient,
  type PartnerClientOptions,
  type CreateInstanceOptions,
  type CreateInstanceResult,
} from "./client.js";
export type {
  ApiError,
  CreateInstanceError,
  ErrorKind,
  HttpError,
  InvalidRequestError,
  NetworkError,
  TimeoutError,
  UnexpectedResponseError,
  Violation,
} from "./errors.js";
export type {
  CreateInstanceRequest,
  CreatedInstance,
  PartnerError,
  TypeInstanceKnown,
  YesNo,
  paths,
  components,
  operations,
} from "../generated/types.js";
