use axum::{
    extract::Request,
    http::{HeaderName, HeaderValue},
    middleware::Next,
    response::Response,
};
use tracing::Span;

use crate::http::limits::MAX_REQUEST_ID_BYTES;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Keeps a caller's `x-request-id` when it is short and printable, otherwise makes one, so
/// that every log line and the response can name the request.
pub async fn assign_request_id(mut request: Request, next: Next) -> Response {
    let valid = request.headers().get(&REQUEST_ID).is_some_and(|value| {
        let bytes = value.as_bytes();
        !bytes.is_empty()
            && bytes.len() <= MAX_REQUEST_ID_BYTES
            && bytes.iter().all(|b| b.is_ascii_graphic())
    });
    if !valid {
        let id = uuid::Uuid::new_v4().to_string();
        request.headers_mut().insert(
            REQUEST_ID,
            HeaderValue::from_str(&id).expect("a UUID is a valid header value"),
        );
    }
    next.run(request).await
}

/// The span every log line of a request is written in.
pub fn request_span(request: &Request) -> Span {
    let request_id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    tracing::info_span!("request", request_id, method = %request.method(), path = %request.uri().path())
}
