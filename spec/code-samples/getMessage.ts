import { createInstanceClient } from "green-api-partner";

// apiTokenInstance is a secret that travels in the URL path: keep it on a server.
const instance = createInstanceClient({
  idInstance: Number(process.env.GREEN_API_ID_INSTANCE),
  apiTokenInstance: process.env.GREEN_API_TOKEN_INSTANCE!,
  apiUrl: process.env.GREEN_API_INSTANCE_URL, // the apiUrl from the console; defaults to https://api.green-api.com
});

// A sent message's status: pending, sent, delivered, read, failed... (up to 2 minutes late).
const message = await instance.getMessage({ chatId: "79007654321@c.us", idMessage: "BAE5F4886F6F2D05" });

if (message.error) console.error(message.error.kind, message.error.message);
else console.log(message.data.statusMessage);
