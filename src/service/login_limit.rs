use std::{net::IpAddr, num::NonZeroU32};

use governor::{DefaultKeyedRateLimiter, Quota, clock::Clock, clock::DefaultClock};

use super::ServiceError;
use crate::domain::Email;

/// Login attempts per minute, per client IP and (separately) per email, so that neither
/// one address nor a botnet aimed at one account can guess passwords quickly.
pub struct LoginLimiter {
    limits: Option<(
        DefaultKeyedRateLimiter<IpAddr>,
        DefaultKeyedRateLimiter<String>,
    )>,
    clock: DefaultClock,
}

impl LoginLimiter {
    /// `per_minute == 0` turns the limit off.
    pub fn new(per_minute: u32) -> Self {
        let limits = NonZeroU32::new(per_minute).map(|n| {
            let quota = Quota::per_minute(n).allow_burst(n);
            (
                DefaultKeyedRateLimiter::hashmap(quota),
                DefaultKeyedRateLimiter::hashmap(quota),
            )
        });
        Self {
            limits,
            clock: DefaultClock::default(),
        }
    }

    pub fn check(&self, ip: IpAddr, email: &Email) -> Result<(), ServiceError> {
        let Some((by_ip, by_email)) = &self.limits else {
            return Ok(());
        };
        let verdict = by_ip
            .check_key(&ip)
            .and_then(|_| by_email.check_key(&email.as_ref().to_string()));
        verdict.map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            tracing::info!(%ip, retry_after_ms = wait.as_millis() as u64, "login rate limit hit");
            metrics::counter!("login_rate_limit_refusals_total").increment(1);
            ServiceError::TooManyRequests { retry_after: wait }
        })
    }

    /// Forgets keys whose budget is full again, so the maps stay small.
    pub fn forget_idle(&self) {
        if let Some((by_ip, by_email)) = &self.limits {
            by_ip.retain_recent();
            by_email.retain_recent();
            by_ip.shrink_to_fit();
            by_email.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_ip_and_per_email() {
        let limiter = LoginLimiter::new(3);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let email = Email::parse("a@b.co").unwrap();
        for _ in 0..3 {
            limiter.check(ip, &email).unwrap();
        }
        let Err(ServiceError::TooManyRequests { retry_after }) = limiter.check(ip, &email) else {
            panic!("fourth attempt should be limited");
        };
        assert!(retry_after > std::time::Duration::ZERO);
        assert!(retry_after <= std::time::Duration::from_secs(60));
        // Another address is limited by the email's own budget.
        let other_ip: IpAddr = "10.0.0.2".parse().unwrap();
        assert!(limiter.check(other_ip, &email).is_err());
        // The same address is limited even for another email.
        assert!(limiter.check(ip, &Email::parse("c@d.co").unwrap()).is_err());
    }

    #[test]
    fn zero_turns_the_limit_off() {
        let limiter = LoginLimiter::new(0);
        let email = Email::parse("a@b.co").unwrap();
        for _ in 0..1000 {
            limiter.check("10.0.0.1".parse().unwrap(), &email).unwrap();
        }
    }
}
