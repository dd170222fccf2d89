# Failures come with real HTTP statuses: --fail-with-body makes curl exit non-zero on them.
# With "type": "qrCode", "message" is a PNG in base64: show it as data:image/png;base64,<message>.
curl -sS --fail-with-body "https://api.green-api.com/waInstance$GREEN_API_ID_INSTANCE/qr/$GREEN_API_TOKEN_INSTANCE"
