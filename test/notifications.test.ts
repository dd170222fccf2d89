// The webhook contract: every named notification is a Notification matching exactly one branch
// (and one kind of message), the open fallbacks take new kinds without swallowing broken known
// ones, and the facts a receiver uses (known kinds, dedup keys, settings) agree with the spec.
import { describe, expect, it } from "vitest";
import { dedupKeys, notificationExamples, webhookSettings, webhookTypes } from "../generated/webhooks.js";
import { validateNotification } from "../generated/validators.js";
import { discriminated } from "../scripts/generate.js";
import { createInstanceClient } from "../src/index.js";
import { check } from "../src/validation.js";
import { INSTANCE_TOKEN } from "./helpers/token.js";
import { compile, deref, namedExamples, spec, specAjv } from "./helpers/spec.js";

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any -- notifications are free-form JSON

const ajv = specAjv();
const schemas = spec.components.schemas;
const validate = compile(ajv, { $ref: "#/components/schemas/Notification" });
const branches = (name: string) =>
  schemas[name].oneOf.map((branch: Json) => ({ name: branch.$ref.split("/").pop(), check: compile(ajv, branch) }));
const notificationBranches = branches("Notification");
const messageBranches = branches("MessageData");
const matching = (list: typeof notificationBranches, value: unknown) =>
  list.filter((b: Json) => b.check(value)).map((b: Json) => b.name);
const webhookExamples = namedExamples().filter((e) => e.webhook);
const copy = (value: unknown): Json => structuredClone(value);
const pointer = (value: Json, path: string) =>
  path
    .split("/")
    .slice(1)
    .reduce((at, key) => at?.[key], value);
/** The typeWebhook constant of a webhook's body schema (a branch, or an allOf holding it). */
const constantOf = (schema: Json): string => {
  const s = deref(schema);
  return (
    s.properties?.typeWebhook?.const ??
    s.allOf.map((part: Json) => deref(part).properties?.typeWebhook?.const).find(Boolean)
  );
};
const messageKinds = (name: string): string[] => {
  const type = schemas[name].properties.typeMessage;
  return type.const ? [type.const] : type.enum;
};

describe("named notification examples", () => {
  it("cover every webhook, and every described kind of message", () => {
    expect(new Set(webhookExamples.map((e) => e.operationId))).toEqual(new Set(Object.keys(spec.webhooks)));
    const kinds = new Set(webhookExamples.map((e) => (e.value as Json).messageData?.typeMessage).filter(Boolean));
    for (const branch of messageBranches.filter((b: Json) => b.name !== "UnknownMessage"))
      for (const kind of messageKinds(branch.name)) expect(kinds, kind).toContain(kind);
  });

  it("show WhatsApp, MAX and Telegram where they differ", () => {
    const types = (id: string) =>
      new Set(
        webhookExamples.filter((e) => e.operationId === id).map((e) => (e.value as Json).instanceData.typeInstance),
      );
    for (const id of ["incomingMessageReceived", "outgoingMessageStatus", "stateInstanceChanged"])
      expect(types(id)).toEqual(new Set(["whatsapp", "v3", "telegram"]));
  });

  it.each(Object.entries(notificationExamples))(
    "%s is a Notification matching exactly one branch, and one kind of message",
    (name, value) => {
      expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
      expect(validateNotification(value), "the generated draft-07 validator agrees").toBe(true);
      expect(matching(notificationBranches, value), name).toHaveLength(1);
      const messageData = (value as Json).messageData;
      if (messageData) expect(matching(messageBranches, messageData), name).toHaveLength(1);
    },
  );

  it.each(webhookExamples.map((e) => [`${e.operationId} ${e.name}`, e] as const))(
    "%s has its webhook's typeWebhook and every part of its dedup key",
    (_, e) => {
      const hook = spec.webhooks[e.operationId].post;
      expect((e.value as Json).typeWebhook).toBe(constantOf(hook.requestBody.content["application/json"].schema));
      for (const part of hook["x-dedup-key"]) expect(pointer(e.value, part), part).toBeDefined();
    },
  );
});

describe("the open fallbacks", () => {
  const text = copy(notificationExamples.incomingText);

  it("take a kind of notification this contract does not describe, with any fields", () => {
    const value = { typeWebhook: "brandNewWebhook", instanceData: text.instanceData, anything: [1, { deep: true }] };
    expect(validate(value)).toBe(true);
    expect(validateNotification(value)).toBe(true);
    expect(matching(notificationBranches, value)).toEqual(["UnknownNotification"]);
  });

  it("take a new kind of message inside a known notification", () => {
    const value = copy(text);
    value.messageData = { typeMessage: "brandNewMessage", brandNewMessageData: { x: 1 } };
    expect(validate(value)).toBe(true);
    expect(validateNotification(value)).toBe(true);
    expect(matching(notificationBranches, value)).toEqual(["IncomingMessageReceived"]);
    expect(matching(messageBranches, value.messageData)).toEqual(["UnknownMessage"]);
  });

  it("take unknown fields and unknown values of open lists", () => {
    const value = copy(notificationExamples.statusDelivered);
    Object.assign(value, { status: "brandNewStatus", brandNewField: "x" });
    value.instanceData.typeInstance = "brandNewMessenger";
    expect(validateNotification(value)).toBe(true);
    const state = copy(notificationExamples.stateAuthorized);
    state.stateInstance = "brandNewState";
    expect(validateNotification(state)).toBe(true);
  });

  it("list exactly the described kinds, so that they never swallow a broken known one", () => {
    const described = (list: typeof notificationBranches, name: string) => list.filter((b: Json) => b.name !== name);
    expect(schemas.UnknownNotification.properties.typeWebhook.not.enum).toEqual(Object.keys(spec.webhooks));
    expect(
      described(notificationBranches, "UnknownNotification").map((b: Json) =>
        constantOf({ $ref: `#/components/schemas/${b.name}` }),
      ),
    ).toEqual(Object.keys(spec.webhooks));
    expect(schemas.UnknownMessage.properties.typeMessage.not.enum).toEqual(
      described(messageBranches, "UnknownMessage").flatMap((b: Json) => messageKinds(b.name)),
    );
  });
});

describe("broken copies of known notifications are rejected", () => {
  const broken: Array<[string, Json]> = [];
  const text = notificationExamples.incomingText as Json;
  broken.push(["a message without idMessage", (({ idMessage, ...rest }) => rest)(text)]);
  broken.push([
    "a known kind of message without its data",
    { ...text, messageData: { typeMessage: "textMessage", extendedTextMessageData: { text: "x" } } },
  ]);
  broken.push([
    "a file kind with a text's data",
    { ...text, messageData: { typeMessage: "imageMessage", textMessageData: { textMessage: "x" } } },
  ]);
  broken.push(["typeWebhook that is not a string", { ...text, typeWebhook: 1 }]);
  broken.push(["timestamp in milliseconds as a string", { ...text, timestamp: "1767225601000" }]);
  broken.push([
    "a status without its chatId",
    (({ chatId, ...rest }) => rest)(notificationExamples.statusRead as Json),
  ]);
  broken.push([
    "a state that is not a string",
    { ...(notificationExamples.stateAuthorized as Json), stateInstance: 3 },
  ]);
  broken.push(["a message whose chat has no id", { ...text, senderData: { sender: "79007654321@c.us" } }]);
  it.each(broken)("%s", (_, value) => {
    expect(validate(value)).toBe(false);
    expect(validateNotification(value)).toBe(false);
  });
});

describe("what a receiver reads from generated/webhooks.js", () => {
  it("agrees with the spec's webhooks", () => {
    expect(webhookTypes).toEqual(Object.keys(spec.webhooks));
    for (const [type, hook] of Object.entries(spec.webhooks) as Array<[string, Json]>) {
      expect(dedupKeys[type as keyof typeof dedupKeys]).toEqual(hook.post["x-dedup-key"]);
      expect(webhookSettings[type as keyof typeof webhookSettings]).toEqual(hook.post["x-settings"]);
    }
  });

  it("keeps every named notification example, by name", () => {
    for (const e of webhookExamples) expect(notificationExamples).toHaveProperty([e.name], e.value);
  });
});

describe("settings and webhooks name each other", () => {
  const settingSchemas = ["CreateInstanceRequest", "SetSettingsRequest"].filter((name) => schemas[name]);

  it.each(Object.entries(spec.webhooks) as Array<[string, Json]>)(
    "%s: each of its settings exists and links to it",
    (type, hook) => {
      for (const setting of hook.post["x-settings"]) {
        expect(hook.post.description, setting).toContain(`\`${setting}\``);
        for (const name of settingSchemas)
          expect(schemas[name].properties[setting]?.description, `${name}.${setting}`).toContain(
            `(#operation/${type})`,
          );
      }
    },
  );

  it("every webhook needs its instance, first, in its dedup key", () => {
    for (const hook of Object.values(spec.webhooks) as Json[])
      expect(hook.post["x-dedup-key"][0]).toBe("/instanceData/idInstance");
  });
});

// scripts/generate.js compiles MessageData's and Notification's oneOf as an if/then/else chain on
// the field that tells their branches apart: faster, and a violation names the branch's own rule.
describe("the generated validators' chain on typeMessage and typeWebhook", () => {
  const kinds = [
    ...messageBranches.filter((b: Json) => b.name !== "UnknownMessage").flatMap((b: Json) => messageKinds(b.name)),
    "brandNewMessage",
  ];
  const types = [...Object.keys(spec.webhooks), "brandNewWebhook"];
  // Every example, every example with each kind of message or notification put in (so with the
  // wrong data), without the field, with the field of another type, and a few values that are no object.
  const variants: Json[] = [1, "x", null, [], {}];
  for (const value of Object.values(notificationExamples) as Json[]) {
    variants.push(value, (({ typeWebhook, ...rest }) => rest)(value), { ...value, typeWebhook: 7 });
    for (const type of types) variants.push({ ...value, typeWebhook: type });
    if (!value.messageData) continue;
    const { typeMessage, ...rest } = value.messageData;
    variants.push({ ...value, messageData: rest }, { ...value, messageData: "text" });
    for (const kind of [...kinds, 7])
      variants.push({ ...value, messageData: { ...value.messageData, typeMessage: kind } });
  }

  it("accepts and refuses exactly what the spec's oneOf does", () => {
    let refused = 0;
    for (const value of variants) {
      expect(validateNotification(value), JSON.stringify(value)).toBe(validate(value));
      if (!validate(value)) refused++;
    }
    // Both outcomes are exercised, many times each.
    expect(refused).toBeGreaterThan(variants.length / 4);
    expect(variants.length - refused).toBeGreaterThan(variants.length / 4);
  });

  it("names the rule the chosen branch breaks, not every other branch's", () => {
    const value = copy(notificationExamples.incomingText);
    value.messageData = { typeMessage: "imageMessage" };
    expect(check(validateNotification, value, "body", "the notification").map((v) => v.message)).toEqual([
      "messageData.fileMessageData is required",
    ]);
    expect(check(validateNotification, { typeWebhook: 1 }, "body", "the notification").map((v) => v.field)).toEqual([
      "typeWebhook",
    ]);
  });

  it("an answer of receiveNotification names the chosen branch's rule too, not the chain's", async () => {
    const body = copy(notificationExamples.incomingText);
    body.messageData = { typeMessage: "imageMessage" };
    const instance = createInstanceClient({
      idInstance: 1101000001,
      apiTokenInstance: INSTANCE_TOKEN,
      fetch: async () => Response.json({ receiptId: 1, body }),
    });
    const { error } = await instance.receiveNotification();
    expect(error?.kind).toBe("unexpected-response");
    expect(error?.message).toContain("/body/messageData lacks fileMessageData");
    expect(error?.message).not.toMatch(/rule if/);
  });

  it("leaves a oneOf as it is when its branches are not told apart by one field", () => {
    const schemas = {
      A: { type: "object", required: ["kind"], properties: { kind: { const: "a" } } },
      B: { type: "object", required: ["kind"], properties: { kind: { enum: ["a", "b"] } } }, // "a" twice
      C: { type: "object", required: ["kind"], properties: { kind: { type: "string", not: { enum: ["a"] } } } },
      D: { required: ["kind"], properties: { kind: { const: "d" } } }, // not only objects
    };
    const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
    for (const oneOf of [
      [ref("A"), ref("B")],
      [ref("A"), ref("D")],
      [ref("A"), ref("C"), { type: "string" }],
    ])
      expect(discriminated({ oneOf }, schemas)).toEqual({ oneOf });
    // A fallback must take exactly the values no other branch names.
    const E = { type: "object", required: ["kind"], properties: { kind: { const: "e" } } };
    expect(discriminated({ oneOf: [ref("A"), ref("E"), ref("C")] }, { ...schemas, E })).toEqual({
      oneOf: [ref("A"), ref("E"), ref("C")],
    });
    expect(discriminated({ oneOf: [ref("A"), ref("C")] }, schemas)).toHaveProperty("if");
  });
});
