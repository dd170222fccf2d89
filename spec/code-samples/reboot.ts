import { createInstanceClient } from "green-api-partner";

// apiTokenInstance is a secret that travels in the URL path: keep it on a server.
const instance = createInstanceClient({
  idInstance: Number(process.env.GREEN_API_ID_INSTANCE),
  apiTokenInstance: process.env.GREEN_API_TOKEN_INSTANCE!,
  apiUrl: process.env.GREEN_API_INSTANCE_URL, // the apiUrl from the console; defaults to https://api.green-api.com
});

// Each call restarts the instance again: never resent on its own.
const result = await instance.reboot();

if (result.error) {
  console.error(result.error.kind, result.error.message);
} else {
  console.log("restarting: getStateInstance answers starting for a while");
}
