# Each call restarts the instance again: do not resend on your own.
curl -sS --fail-with-body "https://api.green-api.com/waInstance$GREEN_API_ID_INSTANCE/reboot/$GREEN_API_TOKEN_INSTANCE"
