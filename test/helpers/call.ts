// Calls an operation of the spec through the public client by its operationId, with its first
// request example: how the parameterised tests drive every method the same way.
import type { CallOptions, PartnerClient, PartnerResult } from "../../src/index.js";
import type { SpecOperation } from "./spec.js";

export function callOperation(partner: PartnerClient, op: SpecOperation, options?: CallOptions, body = op.request): Promise<PartnerResult<unknown>> {
  switch (op.operationId) {
    case "createInstance":
      return partner.createInstance(body as never, options);
    case "getInstances":
      return partner.getInstances(options);
    case "deleteInstanceAccount":
      return partner.deleteInstanceAccount(body as never, options);
  }
}

/** The request path a call of `op` with `token` must reach, exactly. */
export const pathOf = (op: SpecOperation, token: string) => op.path.replace("{partnerToken}", token);
