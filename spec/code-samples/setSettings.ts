import { createInstanceClient } from "green-api-partner";

// apiTokenInstance is a secret that travels in the URL path: keep it on a server.
const instance = createInstanceClient({
  idInstance: Number(process.env.GREEN_API_ID_INSTANCE),
  apiTokenInstance: process.env.GREEN_API_TOKEN_INSTANCE!,
  apiUrl: process.env.GREEN_API_INSTANCE_URL, // the apiUrl from the console; defaults to https://api.green-api.com
});

// At least one setting. The instance restarts to apply them (up to about 5 minutes); never
// resent on its own: check with getSettings after a failure that may have gone through.
const result = await instance.setSettings({
  webhookUrl: "https://mysite.com/webhook/green-api/",
  incomingWebhook: "yes",
  stateWebhook: "yes",
});

if (result.error) {
  console.error(result.error.kind, result.error.message);
} else {
  console.log("saved; the instance restarts to apply them");
}
