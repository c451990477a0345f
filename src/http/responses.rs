//! The error answers that many operations share, written once for their OpenAPI
//! `responses(...)` lists (each is inlined into the operation, as a tuple would be).

use utoipa::IntoResponses;

use super::ErrorBody;

#[derive(IntoResponses)]
#[response(
    status = 401,
    description = "Missing or bad token, or its session ended (`unauthorized`)"
)]
pub struct Unauthorized(#[allow(dead_code)] ErrorBody);

#[derive(IntoResponses)]
#[response(status = 413, description = "Body over 1 MiB (`payload_too_large`)")]
pub struct PayloadTooLarge(#[allow(dead_code)] ErrorBody);

#[derive(IntoResponses)]
#[response(
    status = 415,
    description = "Body is not `application/json` (`unsupported_media_type`)"
)]
pub struct UnsupportedMediaType(#[allow(dead_code)] ErrorBody);

#[derive(IntoResponses)]
#[response(status = 503, description = "Database unavailable (`unavailable`)")]
pub struct Unavailable(#[allow(dead_code)] ErrorBody);

#[derive(IntoResponses)]
#[response(
    status = 412,
    description = "The post is not the version `If-Match` names (`precondition_failed`)"
)]
pub struct PreconditionFailed(#[allow(dead_code)] ErrorBody);

#[derive(IntoResponses)]
#[response(status = 403, description = "Not the author (`forbidden`)")]
pub struct NotTheAuthor(#[allow(dead_code)] ErrorBody);

#[derive(IntoResponses)]
#[response(
    status = 403,
    description = "The caller's role does not allow it (`forbidden`)"
)]
pub struct RoleRequired(#[allow(dead_code)] ErrorBody);
