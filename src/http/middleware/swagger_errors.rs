use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};

use crate::http::error::ApiError;

/// utoipa-swagger-ui's handler answers a file it does not serve with a bare 404, and a failure
/// to read one with a plain-text 500 (`utoipa_swagger_ui::axum`, `serve_swagger_ui`); give
/// both the envelope. Layered on the Swagger UI's routes only.
pub async fn envelope_swagger_errors(response: Response) -> Response {
    match response.status() {
        StatusCode::NOT_FOUND => ApiError::NotFound.into_response(),
        StatusCode::INTERNAL_SERVER_ERROR => {
            ApiError::internal("Swagger UI could not serve a file").into_response()
        }
        _ => response,
    }
}
