import { createInstanceClient } from "green-api-partner";

// apiTokenInstance is a secret that travels in the URL path: keep it on a server.
const instance = createInstanceClient({
  idInstance: Number(process.env.GREEN_API_ID_INSTANCE),
  apiTokenInstance: process.env.GREEN_API_TOKEN_INSTANCE!,
  apiUrl: process.env.GREEN_API_INSTANCE_URL, // the apiUrl from the console; defaults to https://api.green-api.com
});

// Polling works only while the instance's webhookUrl is "". Waits up to 20 s for a notification.
const received = await instance.receiveNotification({ receiveTimeout: 20 });

if (received.error) {
  console.error(received.error.kind, received.error.message);
} else if (received.data === null) {
  console.log("no notification yet");
} else {
  const { receiptId, body } = received.data;
  console.log(body.typeWebhook); // handle it, then delete it: await instance.deleteNotification({ receiptId })
  console.log("receipt", receiptId);
}
