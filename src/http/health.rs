use std::time::Duration;

use axum::{Json, extract::State, response::IntoResponse};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{ApiError, AppState, responses::Unavailable};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(live))
        .routes(routes!(ready))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HealthStatus {
    /// `ok` (liveness) or `ready` (readiness).
    pub status: &'static str,
}

/// Readiness must answer quickly even when the database hangs.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// Liveness: the process serves HTTP. Does not touch the database.
#[utoipa::path(get, path = "/health", tag = "health",
    responses((status = 200, description = "Alive", body = HealthStatus)))]
pub async fn live() -> impl IntoResponse {
    Json(HealthStatus { status: "ok" })
}

/// Readiness: the database answers.
#[utoipa::path(get, path = "/health/ready", tag = "health",
    responses(
        (status = 200, description = "Ready", body = HealthStatus),
        Unavailable,
    ))]
pub async fn ready(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    match tokio::time::timeout(READY_TIMEOUT, state.services.ready()).await {
        Ok(Ok(())) => Ok(Json(HealthStatus { status: "ready" })),
        Ok(Err(error)) => Err(ApiError::Unavailable(error.into())),
        Err(_) => Err(ApiError::Unavailable("database ping timed out".into())),
    }
}
