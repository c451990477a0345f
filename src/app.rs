//! Application state and the router with its middleware stack.

use std::{sync::Arc, time::Duration};

use axum::{
    Router,
    extract::{DefaultBodyLimit, Request},
    http::{HeaderName, HeaderValue, Method, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use tower::ServiceBuilder;
use tower_http::{
    catch_panic::CatchPanicLayer,
    cors::{AllowOrigin, CorsLayer},
    propagate_header::PropagateHeaderLayer,
    set_header::SetResponseHeaderLayer,
    timeout::TimeoutLayer,
    trace::{DefaultOnResponse, TraceLayer},
};
use tracing::Level;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

use crate::{
    auth::{PasswordHasher, TokenKeys},
    config::{Config, TrustedNet},
    error::ApiError,
    http::{self, openapi::ApiDoc},
    service::LoginLimiter,
    store::Store,
};

/// The largest request body read (API.md: exactly 1 MiB is accepted, one byte more is 413).
pub const BODY_LIMIT: usize = 1024 * 1024;
/// Request heads past these get an enveloped 414/431. nginx in front allows 8 KiB per header
/// line and 32 KiB in all, so a proxied request never hits them.
pub const MAX_URI_BYTES: usize = 16 * 1024;
pub const MAX_HEADERS: usize = 100;
pub const MAX_HEADER_BYTES: usize = 64 * 1024;
const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// What every handler may use. Cheap to clone: everything inside is shared.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub tokens: Arc<TokenKeys>,
    pub hasher: PasswordHasher,
    pub login_limiter: Arc<LoginLimiter>,
    pub settings: Arc<Settings>,
}

/// Settings the HTTP layer needs at request time.
#[derive(Debug, Clone)]
pub struct Settings {
    pub trusted_proxies: Vec<TrustedNet>,
}

impl AppState {
    pub fn new(config: &Config, store: Store) -> Self {
        // Each argon2 run holds ~19 MiB: allow one per core, queue the rest.
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            store,
            tokens: Arc::new(TokenKeys::new(&config.jwt_secret, config.token_ttl)),
            hasher: PasswordHasher::new(cores),
            login_limiter: Arc::new(LoginLimiter::new(config.login_rate_per_minute)),
            settings: Arc::new(Settings {
                trusted_proxies: config.trusted_proxies.clone(),
            }),
        }
    }
}

/// The whole application: API routes, OpenAPI document, Swagger UI and the middleware stack.
pub fn build(config: &Config, state: AppState) -> Router {
    spawn_limiter_cleanup(&state.login_limiter);

    let (api, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(http::users::router())
        .merge(http::boards::router())
        .merge(http::health::router())
        .split_for_parts();

    let cors = (!config.cors_origins.is_empty()).then(|| {
        let origins: Vec<HeaderValue> = config
            .cors_origins
            .iter()
            .filter_map(|origin| HeaderValue::from_str(origin).ok())
            .collect();
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
            .expose_headers([REQUEST_ID])
    });

    let request_span = |request: &Request| {
        let request_id = request
            .headers()
            .get(&REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        tracing::info_span!("request", request_id, method = %request.method(), path = %request.uri().path())
    };

    api.merge(SwaggerUi::new("/swagger-ui").url("/api-docs/openapi.json", openapi))
        .route("/", get(|| async { Redirect::temporary("/swagger-ui/") }))
        .fallback(|| async { ApiError::NotFound })
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                .layer(middleware::from_fn(assign_request_id))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(request_span)
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
                .layer(middleware::from_fn(envelope_bare_errors))
                .layer(middleware::from_fn(limit_request_head))
                .layer(CatchPanicLayer::new())
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    config.request_timeout,
                ))
                .layer(DefaultBodyLimit::max(BODY_LIMIT)),
        )
}

/// Refuses request heads past the limits above with the envelope, before any handler runs.
async fn limit_request_head(request: Request, next: Next) -> Response {
    let uri_bytes = request
        .uri()
        .path_and_query()
        .map_or(0, |pq| pq.as_str().len());
    if uri_bytes > MAX_URI_BYTES {
        return ApiError::UriTooLong.into_response();
    }
    let headers = request.headers();
    let header_bytes: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    if headers.len() > MAX_HEADERS || header_bytes > MAX_HEADER_BYTES {
        return ApiError::HeadersTooLarge.into_response();
    }
    next.run(request).await
}

/// Keeps a caller's `x-request-id` when it is short and printable, otherwise makes one, so
/// that every log line and the response can name the request.
async fn assign_request_id(mut request: Request, next: Next) -> Response {
    let valid = request.headers().get(&REQUEST_ID).is_some_and(|value| {
        let bytes = value.as_bytes();
        !bytes.is_empty() && bytes.len() <= 128 && bytes.iter().all(|b| b.is_ascii_graphic())
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

/// Errors made below the handlers (axum's 405, the timeout's 408, a caught panic's 500) come
/// without the envelope; give them one, keeping headers such as `Allow`.
async fn envelope_bare_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if status.as_u16() < 400 || is_json {
        return response;
    }
    let Some(error) = ApiError::from_status(status) else {
        return response;
    };
    let mut enveloped = error.into_response();
    for name in [header::ALLOW, header::RETRY_AFTER, header::WWW_AUTHENTICATE] {
        if let Some(value) = response.headers().get(&name) {
            enveloped.headers_mut().insert(name, value.clone());
        }
    }
    enveloped
}

/// Drops rate-limiter keys that are idle again, once a minute, for as long as the app lives.
fn spawn_limiter_cleanup(limiter: &Arc<LoginLimiter>) {
    let limiter = Arc::downgrade(limiter);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            match limiter.upgrade() {
                Some(limiter) => limiter.forget_idle(),
                None => break,
            }
        }
    });
}
