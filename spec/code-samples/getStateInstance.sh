# Failures come with real HTTP statuses: --fail-with-body makes curl exit non-zero on them.
# The answer is null while the instance is still being created: ask again in a few seconds.
curl -sS --fail-with-body "https://api.green-api.com/waInstance$GREEN_API_ID_INSTANCE/getStateInstance/$GREEN_API_TOKEN_INSTANCE"
