// The sandbox's optional options accept `undefined` under exactOptionalPropertyTypes, as every
// other option of the package does (`?: T | undefined`); test/sandbox-types.test.ts checks this file with it on.
import { describe, expectTypeOf, test } from "vitest";
import { type Sandbox, type SandboxOptions, startSandbox } from "../src/testing.js";

declare const sandbox: Sandbox;
declare const phone: number | undefined;
declare const senderName: string | undefined;
declare const ms: number | undefined;

describe("the sandbox's options", () => {
  test("linkPhone's phone, contactWrites' senderName and every duration take undefined", () => {
    sandbox.linkPhone(1101000001, { phone });
    sandbox.contactWrites(1101000001, { chatId: "79001234567@c.us", text: "hi", senderName });
    expectTypeOf(startSandbox).toBeCallableWith({
      durations: { creatingMs: ms, resendAfterMs: ms },
      port: undefined,
      clock: undefined,
      partnerToken: undefined,
      startTime: undefined,
      typeInstance: undefined,
      onDelivery: undefined,
    } satisfies SandboxOptions);
  });
});
