import { createInstanceClient } from "green-api-partner";

// apiTokenInstance is a secret that travels in the URL path: keep it on a server.
const instance = createInstanceClient({
  idInstance: Number(process.env.GREEN_API_ID_INSTANCE),
  apiTokenInstance: process.env.GREEN_API_TOKEN_INSTANCE!,
  apiUrl: process.env.GREEN_API_INSTANCE_URL, // the apiUrl from the console; defaults to https://api.green-api.com
});

// Only after the notification is handled: a deleted notification never comes again.
const result = await instance.deleteNotification({ receiptId: Number(process.env.RECEIPT_ID) });

if (result.error) {
  console.error(result.error.kind, result.error.message);
} else {
  console.log(result.data.result ? "deleted" : "no such receipt (deleted already?)");
}
