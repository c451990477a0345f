//! Prometheus metrics: what every request records (`RecordRequestsLayer`), and `GET /metrics`.
//! Label values are bounded: the method (known ones, else `OTHER`), the route template (never
//! the raw path) and the status.

use std::{
    collections::HashMap,
    pin::Pin,
    sync::{OnceLock, PoisonError, RwLock},
    task::{Context, Poll, ready},
    time::Instant,
};

use axum::{
    extract::{MatchedPath, Request, State},
    http::{Method, header},
    response::{IntoResponse, Response},
};
use metrics::{Counter, Histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tower::{Layer, Service};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::AppState;

const REQUESTS: &str = "http_requests_total";
const DURATION: &str = "http_request_duration_seconds";
/// Seconds; a GET here takes ~3 ms under load, a login ~0.5 s.
const DURATION_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(scrape))
}

/// The process's recorder: metrics are global in the `metrics` crate, so every app of one
/// process (the tests start many) shares it.
fn prometheus() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(DURATION.into()), &DURATION_BUCKETS)
            .expect("the buckets are not empty");
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder is installed; /metrics shows nothing");
        }
        handle
    })
}

/// How often recorded durations are folded into the histogram buckets. Until then they are
/// kept one by one, so an instance that nobody scrapes would otherwise hold them all.
const UPKEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Installs the recorder (at start, so that the first request is counted too), registers
/// the series that would otherwise appear only once they first move, and starts the upkeep.
pub fn install() {
    prometheus();
    // One task per app (the tests start many, each on its own runtime); upkeep is idempotent.
    tokio::spawn(async {
        let mut tick = tokio::time::interval(UPKEEP_EVERY);
        loop {
            tick.tick().await;
            prometheus().run_upkeep();
        }
    });
    metrics::counter!("login_rate_limit_refusals_total").increment(0);
    metrics::gauge!("password_hash_jobs_waiting").set(0.0);
}

/// Counts every request and times it, by method, route template and status. A tower layer
/// of its own rather than `middleware::from_fn`, which clones the inner service and boxes
/// two futures per request: that cost ~4,000 instructions of GET one's ~127,000
/// (bench/instructions.py), this costs a few hundred.
#[derive(Clone, Copy, Debug, Default)]
pub struct RecordRequestsLayer;

impl<S> Layer<S> for RecordRequestsLayer {
    type Service = RecordRequests<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RecordRequests { inner }
    }
}

#[derive(Clone, Debug)]
pub struct RecordRequests<S> {
    inner: S,
}

impl<S> Service<Request> for RecordRequests<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Recorded<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let started = Instant::now();
        let method = method_label(request.method());
        let route = request.extensions().get::<MatchedPath>().cloned();
        Recorded {
            inner: self.inner.call(request),
            started,
            method,
            route,
        }
    }
}

pin_project_lite::pin_project! {
    /// The inner response, recorded when it is ready.
    pub struct Recorded<F> {
        #[pin]
        inner: F,
        started: Instant,
        method: &'static str,
        route: Option<MatchedPath>,
    }
}

impl<F, E> Future for Recorded<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = ready!(this.inner.poll(cx));
        if let Ok(response) = &result {
            let route = this.route.as_ref().map_or("unmatched", MatchedPath::as_str);
            let series = series(this.method, route, response.status().as_u16());
            series.duration.record(this.started.elapsed().as_secs_f64());
            series.requests.increment(1);
        }
        Poll::Ready(result)
    }
}

/// The handles of one (method, route, status) series.
struct Series {
    requests: Counter,
    duration: Histogram,
}

type SeriesKey = (&'static str, &'static str, u16);

/// The handles of a series, registered on first use and then looked up here: building the
/// labelled key and finding it in the recorder's registry on every request cost more than the
/// request's own routing.
fn series(method: &'static str, route: &str, status: u16) -> &'static Series {
    static SERIES: OnceLock<RwLock<HashMap<SeriesKey, &'static Series>>> = OnceLock::new();
    let cache = SERIES.get_or_init(RwLock::default);
    {
        let known = cache.read().unwrap_or_else(PoisonError::into_inner);
        // Keys live for 'static; a shorter-lived route looks them up (HashMap is covariant).
        let known: &HashMap<(&'static str, &str, u16), &'static Series> = &known;
        if let Some(series) = known.get(&(method, route, status)) {
            return series;
        }
    }
    let mut known = cache.write().unwrap_or_else(PoisonError::into_inner);
    let view: &HashMap<(&'static str, &str, u16), &'static Series> = &known;
    if let Some(series) = view.get(&(method, route, status)) {
        return series;
    }
    // Each route template is copied once and kept: a bounded set (the router's templates and
    // "unmatched"), found here again for the route's other methods and statuses.
    let route: &'static str = match known.keys().find(|key| key.1 == route) {
        Some(key) => key.1,
        None => Box::leak(route.to_owned().into_boxed_str()),
    };
    // Kept for the process's life, like the recorder's own entries: no reference counting
    // per request.
    let series: &'static Series = Box::leak(Box::new(Series {
        requests: metrics::counter!(REQUESTS, "method" => method, "route" => route, "status" => status.to_string()),
        duration: metrics::histogram!(DURATION, "method" => method, "route" => route),
    }));
    known.insert((method, route, status), series);
    series
}

fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

/// Metrics in the Prometheus text format: requests by method, route and status, their
/// durations, database connections in use and idle, password-hash jobs waiting, and login-limit
/// refusals. Not for the outside: the project's nginx answers 404 for it.
#[utoipa::path(get, path = "/metrics", tag = "health",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain", body = String)))]
pub async fn scrape(State(state): State<AppState>) -> Response {
    if !state.settings.metrics {
        return super::ApiError::NotFound.into_response();
    }
    let load = state.services.load();
    metrics::gauge!("db_connections", "state" => "in_use").set(load.connections_in_use as f64);
    metrics::gauge!("db_connections", "state" => "idle").set(load.connections_idle as f64);
    metrics::gauge!("password_hash_jobs_waiting").set(load.hash_jobs_waiting as f64);
    let handle = prometheus();
    handle.run_upkeep();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
        .into_response()
}
