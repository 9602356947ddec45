# Loaded by Schemathesis through SCHEMATHESIS_HOOKS (see tools/contract/schemathesis.ts).
import schemathesis

# tus bodies (PATCH, creation-with-upload) are raw bytes under their own media type; send them as such.
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")
