# fileName's extension decides the file's type. Never resent on your own.
curl -sS --fail-with-body -X POST "https://api.green-api.com/waInstance$GREEN_API_ID_INSTANCE/sendFileByUrl/$GREEN_API_TOKEN_INSTANCE" \
  -H 'Content-Type: application/json' \
  -d '{"chatId": "79007654321@c.us", "urlFile": "https://shop.example/invoices/1234.pdf", "fileName": "invoice-1234.pdf"}'
