import { createInstanceClient } from "green-api-partner";

// apiTokenInstance is a secret that travels in the URL path: keep it on a server.
const instance = createInstanceClient({
  idInstance: Number(process.env.GREEN_API_ID_INSTANCE),
  apiTokenInstance: process.env.GREEN_API_TOKEN_INSTANCE!,
  apiUrl: process.env.GREEN_API_INSTANCE_URL, // the apiUrl from the console; defaults to https://api.green-api.com
});

// The sends waiting their turn, oldest first (the first 500).
const queue = await instance.showMessagesQueue();

if (queue.error) console.error(queue.error.kind, queue.error.message);
else for (const entry of queue.data) console.log(entry.type, entry.messageID);
