//! Rate limits (governor's GCRA, in memory, per `serve` process): every caller, a token by its
//! id or an anonymous client by its IP, may send `rate_limit_per_sec` requests a second with a
//! burst of `rate_limit_burst` (config; 0 = off); login attempts are limited per client IP on
//! their own. Past a limit the answer is 429 with `Retry-After` (whole seconds) and a detail.
//! The client IP is the TCP peer's (a proxy's `X-Forwarded-For` is not trusted).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use uuid::Uuid;

use super::{ApiError, ApiState};
use crate::config::Config;

/// Login attempts per client IP: a burst of this many, then one every [`LOGIN_EVERY`].
pub const LOGIN_BURST: u32 = 5;
pub const LOGIN_EVERY: Duration = Duration::from_secs(12);

/// Stale keys are dropped from memory after this many checks.
const SWEEP_EVERY: u64 = 4096;

/// Who a limit counts requests of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Caller {
    Token(Uuid),
    Ip(IpAddr),
}

/// The limiters of one API (shared by every request through `ApiState`).
pub struct RateLimits {
    /// `None`: no limit per caller (`rate_limit_per_sec = 0`).
    callers: Option<DefaultKeyedRateLimiter<Caller>>,
    logins: DefaultKeyedRateLimiter<IpAddr>,
    checks: AtomicU64,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits")
            .field("per_caller", &self.callers.is_some())
            .finish()
    }
}

impl RateLimits {
    /// From config `rate_limit_per_sec` (0 = off) and `rate_limit_burst` (at least the rate).
    pub fn from_config(config: &Config) -> RateLimits {
        let callers = NonZeroU32::new(config.rate_limit_per_sec).map(|rate| {
            let burst = NonZeroU32::new(config.rate_limit_burst.max(rate.get())).unwrap_or(rate);
            RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))
        });
        let login_quota = Quota::with_period(LOGIN_EVERY)
            .expect("a non-zero period")
            .allow_burst(NonZeroU32::new(LOGIN_BURST).expect("non-zero"));
        RateLimits {
            callers,
            logins: RateLimiter::keyed(login_quota),
            checks: AtomicU64::new(0),
        }
    }

    /// Counts one request of `caller`: `Err(wait)` when it is over its limit.
    pub fn check(&self, caller: Caller) -> Result<(), Duration> {
        let Some(limiter) = &self.callers else {
            return Ok(());
        };
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            limiter.retain_recent();
            self.logins.retain_recent();
        }
        limiter
            .check_key(&caller)
            .map_err(|not_until| not_until.wait_time_from(limiter.clock().now()))
    }

    /// Counts one login attempt from `ip`: `Err(wait)` when it has tried too often.
    pub fn check_login(&self, ip: IpAddr) -> Result<(), Duration> {
        self.logins
            .check_key(&ip)
            .map_err(|not_until| not_until.wait_time_from(self.logins.clock().now()))
    }
}

/// The client's IP: the TCP peer (the unspecified address when the server was not started
/// with connection info, as in a unit test's direct call).
pub fn client_ip(request: &Request) -> IpAddr {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip())
}

/// 429 with `Retry-After` (whole seconds, at least 1) and a detail saying what to do.
pub fn too_many(wait: Duration, what: &str) -> Response {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let seconds = seconds.max(1);
    let mut response = ApiError::status(
        StatusCode::TOO_MANY_REQUESTS,
        format!("too many {what}: try again in {seconds} s"),
    )
    .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

/// The limit for routes without a token (`/health*`, login): per client IP.
pub async fn by_ip(State(state): State<ApiState>, request: Request, next: Next) -> Response {
    match state.rate_limits.check(Caller::Ip(client_ip(&request))) {
        Ok(()) => next.run(request).await,
        Err(wait) => too_many(wait, "requests from this address"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(rate: u32, burst: u32) -> RateLimits {
        let mut config = Config::load(&crate::config::Overrides {
            config_path: Some("/dev/null".into()),
            data_dir: Some(std::env::temp_dir()),
            ..Default::default()
        })
        .unwrap();
        config.rate_limit_per_sec = rate;
        config.rate_limit_burst = burst;
        RateLimits::from_config(&config)
    }

    #[test]
    fn a_caller_gets_its_burst_then_waits_and_others_are_not_affected() {
        let limits = limits(1, 3);
        let a = Caller::Token(Uuid::new_v4());
        for _ in 0..3 {
            assert!(limits.check(a).is_ok());
        }
        let wait = limits.check(a).unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(1),
            "{wait:?}"
        );
        assert!(
            limits
                .check(Caller::Ip(IpAddr::V4(Ipv4Addr::LOCALHOST)))
                .is_ok()
        );
    }

    #[test]
    fn zero_turns_the_limit_off_but_not_the_login_limit() {
        let limits = limits(0, 0);
        let a = Caller::Ip(IpAddr::V4(Ipv4Addr::LOCALHOST));
        for _ in 0..1000 {
            assert!(limits.check(a).is_ok());
        }
        let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
        for _ in 0..LOGIN_BURST {
            assert!(limits.check_login(ip).is_ok());
        }
        assert!(limits.check_login(ip).is_err());
    }

    #[test]
    fn retry_after_is_whole_seconds_rounded_up() {
        let response = too_many(Duration::from_millis(1200), "requests");
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "2");
        let response = too_many(Duration::from_millis(10), "requests");
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
    }
}
