//! Logging: human-readable text, or one JSON object a line (`LOG_FORMAT=json`).

use tracing_subscriber::{EnvFilter, fmt};

/// Installs the global subscriber. `writer` is where lines go (stdout in production);
/// colours only when `ansi` (a terminal).
pub fn init<W>(filter: &str, json: bool, ansi: bool, writer: W) -> Result<(), String>
where
    W: for<'a> fmt::MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_new(filter).map_err(|e| format!("RUST_LOG `{filter}`: {e}"))?;
    let builder = fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_target(false)
        .with_ansi(ansi && !json);
    let result = if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    } else {
        builder.try_init()
    };
    result.map_err(|e| e.to_string())
}
