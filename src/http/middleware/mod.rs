//! Middleware of the router, one concern a file. The order they run in is set in
//! `http::router`.

mod head_limits;
mod request_id;
mod swagger_errors;
mod timeout;

pub(super) use head_limits::limit_request_head;
pub(super) use request_id::{REQUEST_ID, assign_request_id, request_span};
pub(super) use swagger_errors::envelope_swagger_errors;
pub(super) use timeout::time_out;
