import { createInstanceClient } from "green-api-partner";

// apiTokenInstance is a secret that travels in the URL path: keep it on a server.
const instance = createInstanceClient({
  idInstance: Number(process.env.GREEN_API_ID_INSTANCE),
  apiTokenInstance: process.env.GREEN_API_TOKEN_INSTANCE!,
  apiUrl: process.env.GREEN_API_INSTANCE_URL, // the apiUrl from the console; defaults to https://api.green-api.com
});

// Before deleting an authorized instance: deleteInstanceAccount does not log the phone out.
const result = await instance.logout();

if (result.error) {
  console.error(result.error.kind, result.error.message);
} else {
  console.log(result.data.isLogout ? "logged out: the instance can be deleted" : "not logged out");
}
