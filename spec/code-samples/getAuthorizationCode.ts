import { createInstanceClient } from "green-api-partner";

// apiTokenInstance is a secret that travels in the URL path: keep it on a server.
const instance = createInstanceClient({
  idInstance: Number(process.env.GREEN_API_ID_INSTANCE),
  apiTokenInstance: process.env.GREEN_API_TOKEN_INSTANCE!,
  apiUrl: process.env.GREEN_API_INSTANCE_URL, // the apiUrl from the console; defaults to https://api.green-api.com
});

// WhatsApp only: the phone's number, international, digits only. Never resent on its own:
// each call issues a new code.
const result = await instance.getAuthorizationCode({ phoneNumber: 79876543210 });

if (result.error) {
  console.error(result.error.kind, result.error.message);
} else {
  console.log(`enter ${result.data.code} in WhatsApp on the phone within 2.5 minutes`);
}
