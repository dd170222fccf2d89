import { createInstanceClient } from "green-api-partner";

// apiTokenInstance is a secret that travels in the URL path: keep it on a server.
const instance = createInstanceClient({
  idInstance: Number(process.env.GREEN_API_ID_INSTANCE),
  apiTokenInstance: process.env.GREEN_API_TOKEN_INSTANCE!,
  apiUrl: process.env.GREEN_API_INSTANCE_URL, // the apiUrl from the console; defaults to https://api.green-api.com
});

// The messages sent in the last hour, with their statuses.
const last = await instance.lastOutgoingMessages({ minutes: 60 });

if (last.error) console.error(last.error.kind, last.error.message);
else for (const message of last.data) console.log(message.idMessage, message.statusMessage);
