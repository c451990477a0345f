//! The HTTP face: the router and its middleware, handlers, request/response DTOs,
//! extractors, the OpenAPI document and `ApiError`, the one place that picks a status.
//! Handlers parse, call one service function, and shape the response.

mod admin;
mod auth_user;
pub mod boards;
pub mod comments;
mod conditional;
pub mod error;
mod extract;
pub mod health;
pub mod limits;
mod metrics;
mod middleware;
pub mod openapi;
mod responses;
mod schemas;
pub mod server;
pub mod users;

pub use auth_user::AuthUser;
pub use error::{ApiError, ErrorBody};
pub use extract::{ApiJson, ApiPath, ApiQuery, ClientIp};

use std::{sync::Arc, time::Duration};

use axum::{
    Router,
    extract::DefaultBodyLimit,
    http::{HeaderValue, Method, header},
    middleware::{from_fn, from_fn_with_state, map_response},
    response::{IntoResponse, Redirect},
    routing::get,
};
use serde::Serialize;
use tower::ServiceBuilder;
use tower_http::{
    catch_panic::CatchPanicLayer,
    cors::{AllowOrigin, CorsLayer},
    propagate_header::PropagateHeaderLayer,
    set_header::SetResponseHeaderLayer,
    trace::{DefaultOnResponse, TraceLayer},
};
use tracing::Level;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

use crate::{config::TrustedNet, service::Services};
use middleware::REQUEST_ID;
use openapi::ApiDoc;

/// What every handler may use. Cheap to clone: everything inside is shared.
#[derive(Clone)]
pub struct AppState {
    pub services: Services,
    pub settings: Arc<HttpSettings>,
}

/// The HTTP layer's own configuration.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Peers whose `X-Forwarded-For` is believed (see `ClientIp`).
    pub trusted_proxies: Vec<TrustedNet>,
    /// Browser origins allowed to call the API; none: no CORS headers at all.
    pub cors_origins: Vec<String>,
    /// Upper bound for one request, body included, and for sending a request head.
    pub request_timeout: Duration,
    /// Count requests and serve `GET /metrics`.
    pub metrics: bool,
}

/// The whole application: API routes, OpenAPI document, Swagger UI and the middleware stack.
pub fn router(services: Services, settings: HttpSettings) -> Router {
    let settings = Arc::new(settings);
    let (api, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(users::router())
        .merge(boards::router())
        .merge(comments::router())
        .merge(admin::router())
        .merge(health::router())
        .merge(metrics::router())
        .split_for_parts();
    if settings.metrics {
        metrics::install();
    }
    let count_requests = settings.metrics;

    let cors = (!settings.cors_origins.is_empty()).then(|| {
        let origins: Vec<HeaderValue> = settings
            .cors_origins
            .iter()
            .filter_map(|origin| HeaderValue::from_str(origin).ok())
            .collect();
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::IF_MATCH,
                header::IF_NONE_MATCH,
                conditional::IDEMPOTENCY_KEY,
            ])
            .expose_headers([
                REQUEST_ID,
                header::ETAG,
                header::LINK,
                conditional::IDEMPOTENT_REPLAYED,
            ])
    });
    let request_timeout = settings.request_timeout;

    let swagger =
        Router::from(SwaggerUi::new("/swagger-ui").url("/api-docs/openapi.json", openapi))
            .layer(map_response(middleware::envelope_swagger_errors));

    let app = api
        .merge(swagger)
        .route("/", get(|| async { Redirect::temporary("/swagger-ui/") }))
        .fallback(|| async { ApiError::NotFound })
        // After every route: axum keeps the `Allow` header on these.
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .with_state(AppState { services, settings })
        .layer(
            ServiceBuilder::new()
                .layer(from_fn(middleware::assign_request_id))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(middleware::request_span)
                        .on_response(DefaultOnResponse::new().level(Level::INFO)),
                )
                .layer(PropagateHeaderLayer::new(REQUEST_ID))
                .layer(SetResponseHeaderLayer::overriding(
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                ))
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("no-store"),
                ))
                .option_layer(cors)
                .layer(from_fn(middleware::limit_request_head))
                .layer(CatchPanicLayer::custom(|_| {
                    ApiError::internal("a handler panicked").into_response()
                }))
                .layer(from_fn_with_state(request_timeout, middleware::time_out))
                .layer(DefaultBodyLimit::max(limits::BODY_LIMIT)),
        );
    // Outermost, so that it times what every other layer does too (timeouts and caught
    // panics included); not in the stack at all when off.
    if count_requests {
        app.layer(metrics::RecordRequestsLayer)
    } else {
        app
    }
}

/// `message` and `statusCode` of a successful envelope.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Success {
    /// Always `"Success"`.
    #[schema(example = "Success")]
    pub message: &'static str,
    /// Equal to the HTTP status.
    #[serde(rename = "statusCode")]
    pub status_code: u16,
}

impl Success {
    pub fn with_status(status: axum::http::StatusCode) -> Self {
        Self {
            message: "Success",
            status_code: status.as_u16(),
        }
    }
}
