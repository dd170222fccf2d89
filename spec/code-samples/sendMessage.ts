import { createInstanceClient } from "green-api-partner";

// apiTokenInstance is a secret that travels in the URL path: keep it on a server.
const instance = createInstanceClient({
  idInstance: Number(process.env.GREEN_API_ID_INSTANCE),
  apiTokenInstance: process.env.GREEN_API_TOKEN_INSTANCE!,
  apiUrl: process.env.GREEN_API_INSTANCE_URL, // the apiUrl from the console; defaults to https://api.green-api.com
});

// A message to a real person: never resent on its own. An answer that was lost (sent: "maybe")
// or a 5xx is looked for with findSentMessage, not sent again.
const sent = await instance.sendMessage({ chatId: "79007654321@c.us", message: "Your order 1234 is on its way" });

if (sent.error) {
  console.error(sent.error.kind, sent.error.sent, sent.error.message);
} else {
  console.log("queued as", sent.data.idMessage); // its statuses arrive as outgoingMessageStatus webhooks
}
