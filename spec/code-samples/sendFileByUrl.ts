import { createInstanceClient } from "green-api-partner";

// apiTokenInstance is a secret that travels in the URL path: keep it on a server.
const instance = createInstanceClient({
  idInstance: Number(process.env.GREEN_API_ID_INSTANCE),
  apiTokenInstance: process.env.GREEN_API_TOKEN_INSTANCE!,
  apiUrl: process.env.GREEN_API_INSTANCE_URL, // the apiUrl from the console; defaults to https://api.green-api.com
});

// fileName's extension decides the file's type; a name without one is refused before sending.
const sent = await instance.sendFileByUrl({
  chatId: "79007654321@c.us",
  urlFile: "https://shop.example/invoices/1234.pdf",
  fileName: "invoice-1234.pdf",
  caption: "Your invoice for order 1234",
});

if (sent.error) console.error(sent.error.kind, sent.error.message);
else console.log("queued as", sent.data.idMessage);
