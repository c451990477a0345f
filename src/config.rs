//! Configuration, read once from the environment (API.md, "Configuration").
//! Nothing else in the crate reads environment variables.

use std::{collections::HashMap, fmt, net::IpAddr, path::PathBuf, time::Duration};

/// Where the data lives. Chosen once at start; nothing above `store` sees it.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    MySql(String),
    Sqlite(String),
}

impl DatabaseUrl {
    pub fn as_str(&self) -> &str {
        match self {
            DatabaseUrl::MySql(url) | DatabaseUrl::Sqlite(url) => url,
        }
    }
}

/// Prints the URL with any password masked, so that logs and panics never carry it.
impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact_url(self.as_str()))
    }
}

/// A secret that never shows in `Debug` output.
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl Secret {
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into())
    }
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

/// A network (address + prefix length) whose `X-Forwarded-For` we believe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrustedNet {
    addr: IpAddr,
    prefix: u8,
}

impl TrustedNet {
    pub fn parse(text: &str) -> Result<Self, String> {
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let addr: IpAddr = addr
            .trim()
            .parse()
            .map_err(|_| format!("`{text}` is not an IP address or CIDR"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("`{text}` has a bad prefix length"))?,
            None => max,
        };
        Ok(Self { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        fn masked(bits: u128, prefix: u8, width: u8) -> u128 {
            if prefix == 0 {
                0
            } else {
                bits >> (width - prefix)
            }
        }
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                masked(u32::from(net).into(), self.prefix, 32)
                    == masked(u32::from(ip).into(), self.prefix, 32)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                masked(u128::from(net), self.prefix, 128)
                    == masked(u128::from(ip), self.prefix, 128)
            }
            _ => false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub database: DatabaseUrl,
    pub jwt_secret: Secret,
    /// True when no `JWT_SECRET_KEY` was given and a random one was made.
    pub jwt_secret_generated: bool,
    pub token_ttl: Duration,
    /// How long a refresh token lives (a session unused for that long ends).
    pub refresh_token_ttl: Duration,
    pub host: IpAddr,
    pub port: u16,
    pub log_filter: String,
    pub log_json: bool,
    /// Login attempts per minute per client IP and per email; 0 = unlimited.
    pub login_rate_per_minute: u32,
    pub trusted_proxies: Vec<TrustedNet>,
    /// How long start-up keeps retrying an unreachable database.
    pub db_connect_timeout: Duration,
    /// Connections the MySQL pool opens at most.
    pub db_pool_size: u32,
    /// Upper bound for one request, body included.
    pub request_timeout: Duration,
    pub cors_origins: Vec<String>,
    /// `GET /metrics` and the per-request counting behind it (`METRICS_ENABLED`).
    pub metrics_enabled: bool,
    /// How often expired sessions and idle rate-limiter keys are removed (not read from the
    /// environment; tests shorten it).
    pub housekeeping_interval: Duration,
    /// Where this instance keeps its search index (`SEARCH_INDEX_DIR`); one server per folder.
    pub search_index_dir: PathBuf,
    /// MiB that search's per-segment query cache may hold (`SEARCH_CACHE_MB`; 0: none).
    pub search_cache_mib: usize,
}

pub const DEFAULT_SQLITE_URL: &str = "sqlite://board.db";
/// Beside the default database, in the working directory (the image's is writable).
pub const DEFAULT_SEARCH_INDEX_DIR: &str = "board-search";
pub const DEFAULT_HOUSEKEEPING_INTERVAL: Duration = Duration::from_secs(60);
/// 14 days.
pub const DEFAULT_REFRESH_TOKEN_SECS: u64 = 14 * 24 * 3600;
/// 10 years: far enough for anyone, near enough that timestamps stay representable.
pub const MAX_REFRESH_TOKEN_SECS: u64 = 10 * 365 * 24 * 3600;
/// Shorter keys make HS256 tokens guessable offline.
pub const MIN_SECRET_BYTES: usize = 32;

#[derive(Debug, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct ConfigError(pub String);

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(std::env::vars().collect())
    }

    /// Builds the config from a map of variables (the process environment in `from_env`).
    pub fn from_vars(vars: HashMap<String, String>) -> Result<Self, ConfigError> {
        let get = |name: &str| vars.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
        let err = |msg: String| ConfigError(msg);

        let database = if let Some(url) = get("DATABASE_URL") {
            parse_database_url(url).map_err(err)?
        } else if let Some(host) = get("MYSQL_HOST") {
            let port: u16 = parse_num(get("MYSQL_PORT"), "MYSQL_PORT", 3306).map_err(err)?;
            let user = get("MYSQL_USER").unwrap_or("root");
            let password = get("MYSQL_PASSWORD").unwrap_or("");
            let database = get("MYSQL_DATABASE").unwrap_or("PROJECT");
            let auth = if password.is_empty() {
                percent_encode(user)
            } else {
                format!("{}:{}", percent_encode(user), percent_encode(password))
            };
            // e.g. `required` for RDS (TLS); sqlx's default, `preferred`, uses TLS when offered.
            let tls = match get("MYSQL_SSL_MODE") {
                Some(mode) => format!("?ssl-mode={}", percent_encode(mode)),
                None => String::new(),
            };
            DatabaseUrl::MySql(format!(
                "mysql://{auth}@{host}:{port}/{}{tls}",
                percent_encode(database)
            ))
        } else {
            DatabaseUrl::Sqlite(DEFAULT_SQLITE_URL.to_string())
        };

        let (jwt_secret, jwt_secret_generated) = match get("JWT_SECRET_KEY") {
            Some(key)
                if matches!(database, DatabaseUrl::MySql(_)) && key.len() < MIN_SECRET_BYTES =>
            {
                return Err(err(format!(
                    "JWT_SECRET_KEY must be at least {MIN_SECRET_BYTES} bytes for a MySQL deployment"
                )));
            }
            Some(key) => (Secret::new(key.as_bytes()), false),
            None if matches!(database, DatabaseUrl::MySql(_)) => {
                return Err(err("JWT_SECRET_KEY is required with MySQL".into()));
            }
            None => {
                let mut bytes = [0u8; 32];
                getrandom::fill(&mut bytes)
                    .map_err(|e| err(format!("cannot make a random JWT key: {e}")))?;
                (Secret::new(bytes.to_vec()), true)
            }
        };

        let token_ttl_secs: u64 = parse_num(
            get("JWT_ACCESS_TOKEN_EXPIRES"),
            "JWT_ACCESS_TOKEN_EXPIRES",
            900,
        )
        .map_err(err)?;
        if token_ttl_secs == 0 {
            return Err(err("JWT_ACCESS_TOKEN_EXPIRES must be positive".into()));
        }
        let refresh_ttl_secs: u64 = parse_num(
            get("JWT_REFRESH_TOKEN_EXPIRES"),
            "JWT_REFRESH_TOKEN_EXPIRES",
            DEFAULT_REFRESH_TOKEN_SECS,
        )
        .map_err(err)?;
        if refresh_ttl_secs == 0 || refresh_ttl_secs > MAX_REFRESH_TOKEN_SECS {
            return Err(err(format!(
                "JWT_REFRESH_TOKEN_EXPIRES must be from 1 to {MAX_REFRESH_TOKEN_SECS} seconds"
            )));
        }
        let host: IpAddr = match get("HOST") {
            Some(h) => h
                .parse()
                .map_err(|_| err(format!("HOST `{h}` is not an IP address")))?,
            None => IpAddr::from([0, 0, 0, 0]),
        };
        let port: u16 = parse_num(get("PORT"), "PORT", 8080).map_err(err)?;
        let log_json = match get("LOG_FORMAT") {
            None | Some("text") => false,
            Some("json") => true,
            Some(other) => return Err(err(format!("LOG_FORMAT `{other}` is not text or json"))),
        };
        let login_rate_per_minute =
            parse_num(get("LOGIN_RATE_PER_MINUTE"), "LOGIN_RATE_PER_MINUTE", 20).map_err(err)?;
        let trusted_proxies = get("TRUSTED_PROXIES")
            .map(|list| {
                list.split(',')
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| TrustedNet::parse(s.trim()))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()
            .map_err(|e| err(format!("TRUSTED_PROXIES: {e}")))?
            .unwrap_or_default();
        let db_connect_timeout: u64 =
            parse_num(get("DB_CONNECT_TIMEOUT"), "DB_CONNECT_TIMEOUT", 60).map_err(err)?;
        let db_pool_size: u32 = parse_num(get("DB_POOL_SIZE"), "DB_POOL_SIZE", 16).map_err(err)?;
        if !(1..=1000).contains(&db_pool_size) {
            return Err(err("DB_POOL_SIZE must be between 1 and 1000".into()));
        }
        let request_timeout: u64 =
            parse_num(get("REQUEST_TIMEOUT"), "REQUEST_TIMEOUT", 30).map_err(err)?;
        let metrics_enabled = match get("METRICS_ENABLED") {
            None | Some("true" | "1") => true,
            Some("false" | "0") => false,
            Some(other) => {
                return Err(err(format!(
                    "METRICS_ENABLED `{other}` is not true or false"
                )));
            }
        };
        let search_cache_mib: usize =
            parse_num(get("SEARCH_CACHE_MB"), "SEARCH_CACHE_MB", 64).map_err(err)?;
        if search_cache_mib > 65_536 {
            return Err(err("SEARCH_CACHE_MB must be from 0 to 65536".into()));
        }
        let cors_origins = get("CORS_ALLOWED_ORIGINS")
            .map(|list| {
                list.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();

        Ok(Self {
            database,
            jwt_secret,
            jwt_secret_generated,
            token_ttl: Duration::from_secs(token_ttl_secs),
            refresh_token_ttl: Duration::from_secs(refresh_ttl_secs),
            host,
            port,
            log_filter: get("RUST_LOG").unwrap_or("info").to_string(),
            log_json,
            login_rate_per_minute,
            trusted_proxies,
            db_connect_timeout: Duration::from_secs(db_connect_timeout),
            db_pool_size,
            request_timeout: Duration::from_secs(request_timeout.max(1)),
            cors_origins,
            metrics_enabled,
            housekeeping_interval: DEFAULT_HOUSEKEEPING_INTERVAL,
            search_cache_mib,
            search_index_dir: PathBuf::from(
                get("SEARCH_INDEX_DIR").unwrap_or(DEFAULT_SEARCH_INDEX_DIR),
            ),
        })
    }
}

fn parse_database_url(url: &str) -> Result<DatabaseUrl, String> {
    if url.starts_with("mysql://") || url.starts_with("mariadb://") {
        Ok(DatabaseUrl::MySql(url.replacen(
            "mariadb://",
            "mysql://",
            1,
        )))
    } else if url.starts_with("sqlite:") {
        Ok(DatabaseUrl::Sqlite(url.to_string()))
    } else {
        Err(format!(
            "DATABASE_URL `{}` must start with mysql:// or sqlite:",
            redact_url(url)
        ))
    }
}

fn parse_num<T: std::str::FromStr>(
    value: Option<&str>,
    name: &str,
    default: T,
) -> Result<T, String> {
    match value {
        None => Ok(default),
        Some(v) => v
            .parse()
            .map_err(|_| format!("{name} `{v}` is not a valid number")),
    }
}

/// Encodes the characters that would break a URL's user-info or path part.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `mysql://user:secret@host/db` → `mysql://user:****@host/db`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((userinfo, host)) = rest.rsplit_once('@') else {
        return url.to_string();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:****@{host}"),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_to_sqlite_with_a_generated_key() {
        let config = Config::from_vars(vars(&[])).unwrap();
        assert_eq!(
            config.database,
            DatabaseUrl::Sqlite(DEFAULT_SQLITE_URL.into())
        );
        assert!(config.jwt_secret_generated);
        assert_eq!(config.jwt_secret.expose().len(), 32);
        assert_eq!(config.port, 8080);
        assert_eq!(config.token_ttl, Duration::from_secs(900));
        assert_eq!(config.refresh_token_ttl, Duration::from_secs(1_209_600));
        assert_eq!(config.login_rate_per_minute, 20);
    }

    #[test]
    fn mysql_names_of_the_original_build_a_url() {
        let key = "k".repeat(32);
        let config = Config::from_vars(vars(&[
            ("MYSQL_HOST", "db"),
            ("MYSQL_PASSWORD", "p@ss:word"),
            ("JWT_SECRET_KEY", &key),
        ]))
        .unwrap();
        assert_eq!(
            config.database,
            DatabaseUrl::MySql("mysql://root:p%40ss%3Aword@db:3306/PROJECT".into())
        );
        assert_eq!(
            format!("{:?}", config.database),
            "mysql://root:****@db:3306/PROJECT"
        );
        assert_eq!(format!("{:?}", config.jwt_secret), "****");
        let tls = Config::from_vars(vars(&[
            ("MYSQL_HOST", "db.example"),
            ("MYSQL_SSL_MODE", "required"),
            ("JWT_SECRET_KEY", &key),
        ]))
        .unwrap();
        assert_eq!(
            tls.database,
            DatabaseUrl::MySql("mysql://root@db.example:3306/PROJECT?ssl-mode=required".into())
        );
    }

    #[test]
    fn database_url_wins_over_mysql_names() {
        let key = "k".repeat(32);
        let config = Config::from_vars(vars(&[
            ("DATABASE_URL", "sqlite://x.db"),
            ("MYSQL_HOST", "db"),
            ("JWT_SECRET_KEY", &key),
        ]))
        .unwrap();
        assert_eq!(config.database, DatabaseUrl::Sqlite("sqlite://x.db".into()));
    }

    #[test]
    fn mysql_needs_a_long_enough_key() {
        let missing = Config::from_vars(vars(&[("DATABASE_URL", "mysql://root@h/db")]));
        assert!(missing.unwrap_err().0.contains("required"));
        let short = Config::from_vars(vars(&[
            ("DATABASE_URL", "mysql://root@h/db"),
            ("JWT_SECRET_KEY", "dev"),
        ]));
        assert!(short.unwrap_err().0.contains("at least 32"));
    }

    #[test]
    fn bad_values_are_refused() {
        for (name, value) in [
            ("PORT", "80a"),
            ("PORT", "70000"),
            ("HOST", "not-an-ip"),
            ("LOG_FORMAT", "xml"),
            ("DATABASE_URL", "postgres://x"),
            ("TRUSTED_PROXIES", "10.0.0.0/33"),
            ("JWT_ACCESS_TOKEN_EXPIRES", "0"),
            ("JWT_REFRESH_TOKEN_EXPIRES", "0"),
            ("JWT_REFRESH_TOKEN_EXPIRES", "999999999999"),
            ("DB_POOL_SIZE", "0"),
            ("DB_POOL_SIZE", "1001"),
            ("DB_POOL_SIZE", "many"),
            ("METRICS_ENABLED", "maybe"),
        ] {
            assert!(
                Config::from_vars(vars(&[(name, value)])).is_err(),
                "{name}={value}"
            );
        }
    }

    #[test]
    fn trusted_networks_match_by_prefix() {
        let net = TrustedNet::parse("172.16.0.0/12").unwrap();
        assert!(net.contains("172.20.1.2".parse().unwrap()));
        assert!(!net.contains("172.32.0.1".parse().unwrap()));
        assert!(net.contains("::ffff:172.20.1.2".parse().unwrap()));
        let one = TrustedNet::parse("127.0.0.1").unwrap();
        assert!(one.contains("127.0.0.1".parse().unwrap()));
        assert!(!one.contains("127.0.0.2".parse().unwrap()));
        let all = TrustedNet::parse("::/0").unwrap();
        assert!(all.contains("::1".parse().unwrap()));
    }
}
