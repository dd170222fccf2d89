import { authorizeByQr, createInstanceClient, qrDataUrl } from "green-api-partner";

// apiTokenInstance is a secret that travels in the URL path: keep it on a server.
const instance = createInstanceClient({
  idInstance: Number(process.env.GREEN_API_ID_INSTANCE),
  apiTokenInstance: process.env.GREEN_API_TOKEN_INSTANCE!,
  apiUrl: process.env.GREEN_API_INSTANCE_URL, // the apiUrl from the console; defaults to https://api.green-api.com
});

// One read: a QR code (a base64 PNG), alreadyLogged (a phone is linked) or an error text.
const result = await instance.qr();
if (result.error) console.error(result.error.kind, result.error.message);
else console.log(result.data.type, qrDataUrl(result.data)?.slice(0, 40) ?? result.data.message);

// Or let the package poll it (every 2 s) until the phone is linked, showing each new code.
const linked = await authorizeByQr(instance, {
  timeoutMs: 120_000,
  onQrCode: (dataUrl) => console.log(`show <img src="${dataUrl.slice(0, 40)}...">`),
});
console.log(linked.error ? `not linked: ${linked.error.kind}` : "linked");
