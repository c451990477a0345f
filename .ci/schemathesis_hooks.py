"""Schemathesis hooks for .ci/schemathesis.sh.

- schemathesis 4.32's coverage phase sends header values that ignore the header's documented
  `pattern` (`If-Match: 0`) and then counts the server's 400 as a valid request rejected; such
  values are replaced by `*`, which the pattern allows. Malformed headers are tested in
  tests/api/conditional.rs.
- Each generated request gets an Idempotency-Key of its own, so that the replays of the
  stateful phase test the writes rather than the key's reuse (also tested there).
"""
import re
import uuid

import schemathesis

# src/http/schemas.rs, entity_tags_pattern().
ENTITY_TAGS = re.compile(r'^ *(\*|(W/)?"[!#-~]*"( *, *(W/)?"[!#-~]*")*) *$')


@schemathesis.hook
def map_headers(ctx, headers):
    if not headers:
        return headers
    for name in ("If-Match", "If-None-Match"):
        if name in headers and not ENTITY_TAGS.match(str(headers[name])):
            headers[name] = "*"
    if "Idempotency-Key" in headers:
        headers["Idempotency-Key"] = f"st-{uuid.uuid4()}"
    return headers
