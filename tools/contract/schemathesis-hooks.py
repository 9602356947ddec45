# Loaded by Schemathesis through SCHEMATHESIS_HOOKS (see tools/contract/schemathesis.ts).
from email.parser import BytesParser
from email.policy import HTTP

import schemathesis
from schemathesis.core import media_types
from schemathesis.core.jsonschema import make_validator

# tus bodies (PATCH, creation-with-upload) are raw bytes under their own media type; send them as such.
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")

# Stands in for a file part's bytes: any bytes are a valid `format: binary` string.
FILE_PART = "<file bytes>"


def sent_multipart_fields(request):
    """The fields of a multipart/form-data request as the server reads them: text parts as their text,
    file parts (those with a filename or a content type of their own) as FILE_PART. The last of repeated
    parts wins, as it does in the gateway's parser."""
    content = request.body
    if isinstance(content, str):
        content = content.encode()
    if not isinstance(content, bytes):
        return None
    content_type = request.headers.get("Content-Type", "")
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + content)
    if not message.is_multipart():
        return None
    fields = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name is None:
            return None
        payload = part.get_payload(decode=True)
        if part.get_filename() is not None or "content-type" in part or not isinstance(payload, bytes):
            fields[name] = FILE_PART
        else:
            fields[name] = payload.decode(errors="replace")
    return fields


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """Keep every failure but ST201 ("schema-violating request accepted") for a multipart body whose
    fields, as they went over the wire, satisfy the schema.

    Multipart carries text only: a generated `null`, number or object in a string field is sent as its
    text ("null", "3"), which is a valid string, so the gateway rightly accepts it. Schemathesis already
    reads text parts this way, but keeps the generated value for a part it sends as a file, so a mutated
    `source` that went out as a few valid bytes still counts against the API. Any other negated part of
    the request (query, headers, path) keeps the failure."""
    if failure.code != "ST201" or case.media_type is None:
        return True
    if media_types.parse(case.media_type) != ("multipart", "form-data"):
        return True
    meta = case.meta
    if meta is not None and any(
        component.mode.is_negative for location, component in meta.components.items() if location.name != "BODY"
    ):
        return True
    fields = sent_multipart_fields(response.request)
    body = case.operation.get_body_for_media_type(case.media_type)
    if fields is None or body is None:
        return True
    validator = make_validator(body.optimized_schema, case.operation.schema.adapter.jsonschema_validator_cls)
    return not validator.is_valid(fields)
