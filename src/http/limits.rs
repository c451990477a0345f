//! The limits of a request, each stated once: messages and the server read them from here.

/// The largest request body read (exactly 1 MiB is accepted, one byte more is 413).
pub const BODY_LIMIT: usize = 1024 * 1024;
/// Request heads past these get an enveloped 414/431. nginx in front allows 8 KiB per header
/// line and 32 KiB in all, so a proxied request never hits them.
pub const MAX_URI_BYTES: usize = 16 * 1024;
pub const MAX_HEADERS: usize = 100;
pub const MAX_HEADER_BYTES: usize = 64 * 1024;
/// hyper refuses (with a bare 431, below any middleware) request heads with more headers than
/// this; `MAX_HEADERS` is lower, so that the enveloped refusal is the one clients meet.
pub const HYPER_MAX_HEADERS: usize = 400;
/// The longest `x-request-id` kept from a client; longer ones are replaced.
pub const MAX_REQUEST_ID_BYTES: usize = 128;
