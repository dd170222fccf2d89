import { createInstanceClient } from "green-api-partner";

// apiTokenInstance is a secret that travels in the URL path: keep it on a server.
const instance = createInstanceClient({
  idInstance: Number(process.env.GREEN_API_ID_INSTANCE),
  apiTokenInstance: process.env.GREEN_API_TOKEN_INSTANCE!,
  apiUrl: process.env.GREEN_API_INSTANCE_URL, // the apiUrl from the console; defaults to https://api.green-api.com
});

// The queued messages will not be sent.
const cleared = await instance.clearMessagesQueue();

if (cleared.error) console.error(cleared.error.kind, cleared.error.message);
else console.log("cleared:", cleared.data.isCleared);
