// Type tests (checked by tsc through vitest's typecheck): the compiler enforces the spec's types
// and every outcome of createInstance narrows on `error.kind`.
import { describe, expectTypeOf, test } from "vitest";
import {
  type CreateInstanceRequest,
  type CreatedInstance,
  type ErrorKind,
  type InstanceDeleted,
  type PartnerInstance,
  type Sent,
  type TypeInstance,
  type TypeInstanceKnown,
  type Violation,
  createPartnerClient,
} from "../src/index.js";
import { mockFetch, useExample } from "../src/testing.js";

const partner = createPartnerClient({ partnerToken: "gac.example" });

describe("settings", () => {
  test("take the spec's fields and yes/no strings", () => {
    expectTypeOf<CreateInstanceRequest["stateWebhook"]>().toEqualTypeOf<"yes" | "no" | undefined>();
    expectTypeOf<CreateInstanceRequest["delaySendMessagesMilliseconds"]>().toEqualTypeOf<number | undefined>();
    void partner.createInstance({ name: "ok", stateWebhook: "yes" });
    // @ts-expect-error "true" is not a yes/no value
    void partner.createInstance({ stateWebhook: "true" });
    // @ts-expect-error a boolean is not a yes/no value
    void partner.createInstance({ incomingWebhook: true });
    // @ts-expect-error a misspelt field does not compile
    void partner.createInstance({ stateWebhok: "yes" });
  });
});

describe("the result", () => {
  test("holds a created instance only after narrowing", async () => {
    const result = await partner.createInstance({ name: "x" });
    // @ts-expect-error data may be undefined until the error is ruled out
    void result.data.idInstance;
    if (result.error) {
      expectTypeOf(result.data).toEqualTypeOf<undefined>();
      return;
    }
    expectTypeOf(result.data).toEqualTypeOf<CreatedInstance>();
    expectTypeOf(result.data.idInstance).toEqualTypeOf<number>();
    // @ts-expect-error a created instance has no code: failures are never data
    void result.data.code;
  });

  test("narrows every error kind to its own fields", async () => {
    const { error } = await partner.createInstance({ name: "x" });
    if (!error) return;
    expectTypeOf(error.kind).toEqualTypeOf<ErrorKind>();
    switch (error.kind) {
      case "invalid-request":
        expectTypeOf(error.violations).toEqualTypeOf<Violation[]>();
        // @ts-expect-error nothing was sent, so there is no status
        void error.status;
        break;
      case "api":
        expectTypeOf(error.code).toEqualTypeOf<number>();
        expectTypeOf(error.description).toEqualTypeOf<string>();
        expectTypeOf(error.status).toEqualTypeOf<number>();
        break;
      case "http":
        expectTypeOf(error.excerpt).toEqualTypeOf<string>();
        // @ts-expect-error only an api error has GREEN-API's code
        void error.code;
        break;
      case "unexpected-response":
        expectTypeOf(error.reason).toEqualTypeOf<string>();
        break;
      case "network":
        expectTypeOf(error.url).toEqualTypeOf<string>();
        break;
      case "timeout":
        expectTypeOf(error.by).toEqualTypeOf<"timeout" | "signal">();
        break;
      default:
        expectTypeOf(error).toBeNever();
    }
  });
});

describe("getInstances and deleteInstanceAccount", () => {
  test("give typed results only after narrowing", async () => {
    const list = await partner.getInstances();
    if (!list.error) expectTypeOf(list.data).toEqualTypeOf<PartnerInstance[]>();
    const deleted = await partner.deleteInstanceAccount({ idInstance: 1101000001 });
    if (!deleted.error) expectTypeOf(deleted.data).toEqualTypeOf<InstanceDeleted>();
    // @ts-expect-error idInstance is a number
    void partner.deleteInstanceAccount({ idInstance: "1" });
    // @ts-expect-error idInstance is required
    void partner.deleteInstanceAccount({});
  });

  test("every error says whether anything was sent, and how many attempts were made", async () => {
    const { error } = await partner.getInstances({ retry: false, timeoutMs: 1000 });
    if (!error) return;
    expectTypeOf(error.sent).toEqualTypeOf<Sent>();
    expectTypeOf(error.attempts).toEqualTypeOf<number>();
  });
});

describe("green-api-partner/testing", () => {
  test("takes only the spec's example names", () => {
    useExample(partner, "getInstances", "noInstances");
    // @ts-expect-error noInstances is not an example of createInstance
    useExample(partner, "createInstance", "noInstances");
    // @ts-expect-error a misspelt example name does not compile
    mockFetch({ deleteInstanceAccount: "instanceDeletd" });
  });
});

describe("open enums (`x-open-enum` on the catch-all branch)", () => {
  test("keep their known values as literals, and still take any string", () => {
    expectTypeOf<Extract<CreatedInstance["typeInstance"], "whatsapp">>().toEqualTypeOf<"whatsapp">();
    expectTypeOf<Extract<TypeInstance, TypeInstanceKnown>>().toEqualTypeOf<TypeInstanceKnown>();
    expectTypeOf<TypeInstance>().not.toEqualTypeOf<string>();
    expectTypeOf<"a messenger from next year">().toExtend<TypeInstance>();
    expectTypeOf<TypeInstanceKnown>().toExtend<NonNullable<PartnerInstance["messenger"]>>();
  });
});

describe("answers read tolerantly", () => {
  test("a listed instance requires only what findCreatedInstances needs; optional fields may be null", () => {
    expectTypeOf<PartnerInstance["idInstance"]>().toEqualTypeOf<number>();
    expectTypeOf<PartnerInstance["name"]>().toEqualTypeOf<string>();
    expectTypeOf<PartnerInstance["apiTokenInstance"]>().toEqualTypeOf<string | null | undefined>();
    expectTypeOf<PartnerInstance["deleted"]>().toEqualTypeOf<boolean | null | undefined>();
  });
});

describe("the journey's types", () => {
  test("one name, one meaning: ...Result is the client's result; the spec's 200 body is ...ResponseBody", () => {
    type Root = typeof import("../src/index.js");
    type Spec = typeof import("../generated/types.js");
    expectTypeOf<import("../src/index.js").CreateInstanceResult>().toEqualTypeOf<
      import("../src/index.js").PartnerResult<CreatedInstance>
    >();
    expectTypeOf<"CreateInstanceResult" extends keyof Spec ? true : false>().toEqualTypeOf<false>();
    expectTypeOf<keyof Root>().not.toEqualTypeOf<never>();
  });

  test("instance methods are typed from the spec, states stay open with their literals", async () => {
    const { createInstanceClient, waitForState } = await import("../src/index.js");
    const instance = createInstanceClient({
      idInstance: 1101000001,
      apiTokenInstance: "FAKE-TOKEN",
      apiUrl: process.env.GREEN_API_INSTANCE_URL,
    });
    const state = await instance.getStateInstance();
    if (!state.error) {
      // null while the instance is being created
      expectTypeOf(state.data).toMatchTypeOf<{ stateInstance: string } | null>();
      if (state.data)
        expectTypeOf<Extract<typeof state.data.stateInstance, "notAuthorized">>().toEqualTypeOf<"notAuthorized">();
    }
    const reached = await waitForState(instance, ["notAuthorized", "authorized"]);
    if (reached.data) expectTypeOf(reached.data.stateInstance).toEqualTypeOf<"notAuthorized" | "authorized">();
    // @ts-expect-error a phone number is a number of digits, not a string with "+"
    void instance.getAuthorizationCode({ phoneNumber: "+79001234567" });
    // @ts-expect-error setSettings has no `name` (createInstance's field)
    void instance.setSettings({ name: "shop" });
  });
});
