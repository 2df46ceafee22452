//! Fault injection: [`SandboxFaults`] (latency, random 500s, forced 503s, malformed bodies,
//! dropped connections or responses, ignored idempotency keys) and the middleware that applies
//! them to every request, after recording it as a [`SeenRequest`].

use std::io;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{AppState, SeenRequest, lock};

/// Faults the sandbox injects into every request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SandboxFaults {
    /// Added before each request is handled.
    pub latency: Duration,
    /// Probability (0..=1) of answering 500 `Internal Server Error` instead.
    pub error_rate: f64,
    /// Answer every request with 503 `Service Unavailable` (MPIS down behind a proxy).
    pub force_5xx: bool,
    /// Cut every body in half and append junk (status and headers unchanged).
    pub malformed_bodies: bool,
    /// Drop the connection instead of answering.
    pub drop_connections: bool,
    /// Handle the request (publish records are recorded), then drop the connection instead of
    /// answering: a lost response, the case that tempts a client to send again.
    pub drop_responses: bool,
    /// Ignore `Idempotency-Key`, as the real MPIS does (a repeated publish is recorded again).
    pub ignore_idempotency_keys: bool,
}

impl SandboxFaults {
    /// No faults.
    pub fn none() -> Self {
        Self::default()
    }

    /// `none`, or the active faults, e.g. `latency 200 ms, error rate 0.3`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.latency.is_zero() {
            parts.push(format!(
                "latency {}",
                crate::mpis::error::format_duration(self.latency)
            ));
        }
        if self.error_rate > 0.0 {
            parts.push(format!("error rate {}", self.error_rate));
        }
        if self.force_5xx {
            parts.push("every answer 503".to_owned());
        }
        if self.malformed_bodies {
            parts.push("malformed bodies".to_owned());
        }
        if self.drop_connections {
            parts.push("dropping connections".to_owned());
        }
        if self.drop_responses {
            parts.push("dropping responses".to_owned());
        }
        if self.ignore_idempotency_keys {
            parts.push("ignoring idempotency keys".to_owned());
        }
        if parts.is_empty() {
            "none".to_owned()
        } else {
            parts.join(", ")
        }
    }
}

pub(super) async fn inject_faults(
    State(shared): AppState,
    request: Request,
    next: Next,
) -> Response {
    let seen = SeenRequest::of(&request);
    lock(&shared.state).seen.push(seen);

    let latency = lock(&shared.faults).latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let faults = lock(&shared.faults).clone();
    if faults.drop_connections {
        return dropped_connection();
    }
    if faults.force_5xx {
        return (StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable").into_response();
    }
    if faults.error_rate > 0.0 && fastrand::f64() < faults.error_rate {
        return (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response();
    }
    let response = next.run(request).await;
    if faults.drop_responses {
        return dropped_connection();
    }
    if faults.malformed_bodies {
        return malformed(response).await;
    }
    response
}

/// A response whose body fails at once: the server abandons the connection mid-answer.
fn dropped_connection() -> Response {
    let failing = futures_util::stream::once(async {
        Err::<Bytes, io::Error>(io::Error::new(
            io::ErrorKind::ConnectionAborted,
            "sandbox fault: connection dropped",
        ))
    });
    Response::new(Body::from_stream(failing))
}

/// The first half of the real body, then an escape sequence and junk.
async fn malformed(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let mut broken = bytes[..bytes.len() / 2].to_vec();
    broken.extend_from_slice(b"\x1b[31m<!-- sandbox fault: malformed body -->");
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(broken))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_describe_themselves() {
        assert_eq!(SandboxFaults::none().describe(), "none");
        let faults = SandboxFaults {
            latency: Duration::from_millis(250),
            error_rate: 0.25,
            force_5xx: true,
            malformed_bodies: true,
            drop_connections: true,
            drop_responses: true,
            ignore_idempotency_keys: true,
        };
        assert_eq!(
            faults.describe(),
            "latency 250 ms, error rate 0.25, every answer 503, malformed bodies, dropping connections, \
             dropping responses, ignoring idempotency keys"
        );
    }
}
