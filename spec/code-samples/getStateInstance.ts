import { createInstanceClient, waitForState } from "green-api-partner";

// apiTokenInstance is a secret that travels in the URL path: keep it on a server.
const instance = createInstanceClient({
  idInstance: Number(process.env.GREEN_API_ID_INSTANCE),
  apiTokenInstance: process.env.GREEN_API_TOKEN_INSTANCE!,
  apiUrl: process.env.GREEN_API_INSTANCE_URL, // the apiUrl from the console; defaults to https://api.green-api.com
});

// One read: { stateInstance } or null while the instance is still being created.
const state = await instance.getStateInstance();
if (state.error) console.error(state.error.kind, state.error.message); // a real HTTP status; tokens appear in no error
else console.log("state:", state.data?.stateInstance ?? "being created");

// After createInstance: poll until a phone can be linked (null, then starting; up to about 5
// minutes). waitForState treats null, starting and a starting instance's 400 as "not yet".
const ready = await waitForState(instance, "notAuthorized", { timeoutMs: 300_000, onState: (s) => console.log("now:", s) });
if (ready.error) console.error(ready.error.kind, ready.error.message);
else console.log("ready: show a QR code (qr) or ask for a pairing code (getAuthorizationCode)");
