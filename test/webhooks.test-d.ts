// Type tests of the notifications (generated/types.d.ts): a receiver narrows on `typeWebhook`
// and on `messageData.typeMessage`, and the open fallbacks keep the known kinds visible.
import { describe, expectTypeOf, test } from "vitest";
import type { components, webhooks } from "../generated/types.js";
import type { KnownMessageData, KnownNotification, WebhookType, notificationExamples } from "../generated/webhooks.js";

type S = components["schemas"];
type Notification = S["Notification"];
type Known = KnownNotification;
type Of<K extends string> = Extract<Notification, { typeWebhook: K }>;

describe("Notification", () => {
  test("names every described kind, and stays open to others without collapsing to string", () => {
    // Every described kind is also a string & {}: excluding the fallback by type removes them all.
    expectTypeOf<Exclude<Notification, S["UnknownNotification"]>>().toEqualTypeOf<never>();
    expectTypeOf<Known["typeWebhook"]>().toEqualTypeOf<WebhookType>();
    expectTypeOf<S["UnknownNotification"]["typeWebhook"]>().toEqualTypeOf<string & {}>();
    // The known literals survive beside the open fallback: "x" | string would be just string.
    expectTypeOf<Notification["typeWebhook"]>().not.toEqualTypeOf<string>();
    expectTypeOf<"incomingMessageReceived">().toExtend<Notification["typeWebhook"]>();
    expectTypeOf<"brandNewWebhook">().toExtend<Notification["typeWebhook"]>();
  });

  test("picks one branch per typeWebhook, never the fallback", () => {
    expectTypeOf<Of<"incomingMessageReceived">>().toEqualTypeOf<S["IncomingMessageReceived"]>();
    expectTypeOf<Of<"outgoingMessageStatus">>().toEqualTypeOf<S["OutgoingMessageStatus"]>();
    expectTypeOf<Of<"quotaExceeded">>().toEqualTypeOf<S["QuotaExceeded"]>();
    // Each webhook entry's body is its branch.
    expectTypeOf<webhooks["incomingCall"]["post"]["requestBody"]>().toEqualTypeOf<{
      content: { "application/json": S["IncomingCall"] };
    }>();
  });

  test("narrows on typeWebhook once the known kinds are told from the fallback", () => {
    const handle = (n: Known) => {
      switch (n.typeWebhook) {
        case "incomingMessageReceived":
          expectTypeOf(n.senderData.chatId).toEqualTypeOf<string>();
          return n.idMessage;
        case "outgoingMessageStatus":
          expectTypeOf(n.chatId).toEqualTypeOf<string>();
          // @ts-expect-error a status has no senderData
          return n.senderData;
        case "stateInstanceChanged":
          expectTypeOf(n.timestamp).toEqualTypeOf<number>();
          return n.stateInstance;
        default:
          return n.typeWebhook;
      }
    };
    void handle;
  });

  test("keeps the open lists' known values: statuses, states", () => {
    expectTypeOf<"delivered">().toExtend<S["OutgoingMessageStatus"]["status"]>();
    expectTypeOf<S["OutgoingMessageStatus"]["status"]>().not.toEqualTypeOf<string>();
    expectTypeOf<"brandNewStatus">().toExtend<S["OutgoingMessageStatus"]["status"]>();
  });
});

describe("MessageData", () => {
  type Message = S["MessageData"];
  type KnownMessage = KnownMessageData;

  test("narrows on typeMessage", () => {
    const read = (m: KnownMessage) => {
      if (m.typeMessage === "textMessage") return m.textMessageData.textMessage;
      if (m.typeMessage === "imageMessage") return m.fileMessageData.downloadUrl;
      if (m.typeMessage === "reactionMessage") return m.quotedMessage.stanzaId;
      // @ts-expect-error a location has no textMessageData
      if (m.typeMessage === "locationMessage") return m.textMessageData;
      return undefined;
    };
    void read;
  });

  test("keeps the known kinds beside the open fallback", () => {
    expectTypeOf<S["UnknownMessage"]["typeMessage"]>().toEqualTypeOf<string & {}>();
    expectTypeOf<Message["typeMessage"]>().not.toEqualTypeOf<string>();
    expectTypeOf<Extract<Message, { typeMessage: "pollUpdateMessage" }>>().toEqualTypeOf<S["PollUpdateMessage"]>();
  });
});

describe("named notification examples", () => {
  test("are typed by name, with their branch", () => {
    expectTypeOf<(typeof notificationExamples)["incomingText"]>().toEqualTypeOf<S["IncomingMessageReceived"]>();
    // @ts-expect-error no example has this name
    type Missing = (typeof notificationExamples)["incomingTxt"];
  });
});

describe("narrowing a notification as a partner writes it (isKnownNotification, isKnownMessageData)", () => {
  test("after the guard, === on typeWebhook and typeMessage narrows to the fields", async () => {
    const { isKnownNotification, isKnownMessageData } = await import("../src/webhooks.js");
    const handle = (n: import("../src/webhooks.js").Notification) => {
      if (!isKnownNotification(n)) return;
      if (n.typeWebhook === "stateInstanceChanged") expectTypeOf(n.stateInstance).toMatchTypeOf<string>();
      if (
        n.typeWebhook === "incomingMessageReceived" &&
        isKnownMessageData(n.messageData) &&
        n.messageData.typeMessage === "textMessage"
      )
        expectTypeOf(n.messageData.textMessageData.textMessage).toEqualTypeOf<string>();
    };
    void handle;
  });
});
