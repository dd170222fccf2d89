# On the media host (mediaUrl), not apiUrl. The file is at most 100 MB. Never resent on your own.
file=$(mktemp) && printf '%%PDF-1.7\n' > "$file"
curl -sS --fail-with-body -X POST "https://media.green-api.com/waInstance$GREEN_API_ID_INSTANCE/sendFileByUpload/$GREEN_API_TOKEN_INSTANCE" \
  -F "file=@$file;filename=invoice-1234.pdf" \
  -F 'chatId=79007654321@c.us' \
  -F 'fileName=invoice-1234.pdf'
