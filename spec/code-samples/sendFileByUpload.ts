import { createInstanceClient } from "green-api-partner";

// Uploads go to the instance's mediaUrl (from the console), not its apiUrl.
const instance = createInstanceClient({
  idInstance: Number(process.env.GREEN_API_ID_INSTANCE),
  apiTokenInstance: process.env.GREEN_API_TOKEN_INSTANCE!,
  apiUrl: process.env.GREEN_API_INSTANCE_URL, // defaults to https://api.green-api.com
  mediaUrl: process.env.GREEN_API_MEDIA_URL, // defaults to https://media.green-api.com
});

// A Blob, a File or bytes (such as `await readFile("invoice-1234.pdf")`); at most 100 MB,
// checked from its size before anything is sent.
const file = new Blob([new TextEncoder().encode("%PDF-1.7\n")], { type: "application/pdf" });
const sent = await instance.sendFileByUpload({ chatId: "79007654321@c.us", file, fileName: "invoice-1234.pdf" });

if (sent.error) console.error(sent.error.kind, sent.error.message);
else console.log("queued as", sent.data.idMessage, "stored at", sent.data.urlFile); // urlFile: 15 days
