import { createInstanceClient } from "green-api-partner";

// apiTokenInstance is a secret that travels in the URL path: keep it on a server.
const instance = createInstanceClient({
  idInstance: Number(process.env.GREEN_API_ID_INSTANCE),
  apiTokenInstance: process.env.GREEN_API_TOKEN_INSTANCE!,
  apiUrl: process.env.GREEN_API_INSTANCE_URL, // the apiUrl from the console; defaults to https://api.green-api.com
});

const result = await instance.getSettings();

if (result.error) {
  console.error(result.error.kind, result.error.message);
} else {
  // webhookUrlToken is in the answer, in clear: never log the whole object.
  console.log(`linked: ${result.data.wid || "no phone yet"}; webhooks to ${result.data.webhookUrl || "nowhere"}`);
}
