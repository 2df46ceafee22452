//! Who is calling: `Authorization: Bearer <token>` checked against `api_tokens` (hash only,
//! constant-time), and whether the token's role may use the route. Reading (GET, HEAD) needs a
//! viewer, writing an editor, the admin routes an admin whatever the method; with
//! `--allow-anonymous-read` reads need no token (admin routes still do). A refusal is
//! 401 with `WWW-Authenticate: Bearer` (no or bad token) or 403 naming the role needed. The
//! token itself is never logged. Handlers find the caller in the request's extensions
//! ([`Authenticated`]) for their audit entries.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use super::rate_limit::{self, Caller};
use super::{ApiError, ApiState};
use crate::domain::auth::Role;
use crate::store::tokens::Authenticated;

/// The role a request needs by its method (routes that need admin say so themselves).
pub fn needed_role(method: &Method) -> Role {
    if method == Method::GET || method == Method::HEAD {
        Role::Viewer
    } else {
        Role::Editor
    }
}

/// The middleware in front of every `/api` route.
pub async fn require_token(
    State(state): State<ApiState>,
    request: Request,
    next: Next,
) -> Response {
    let needed = needed_role(request.method());
    check(state, needed, request, next).await
}

/// The middleware in front of the admin routes (widgets registry, ingestion jobs): an admin
/// token whatever the method, even with `--allow-anonymous-read`.
pub async fn require_admin(
    State(state): State<ApiState>,
    request: Request,
    next: Next,
) -> Response {
    check(state, Role::Admin, request, next).await
}

/// The middleware in front of the queries sent as POST that write nothing (the AI analyst):
/// a viewer whatever the method, like a read (none with `--allow-anonymous-read`).
pub async fn require_viewer(
    State(state): State<ApiState>,
    request: Request,
    next: Next,
) -> Response {
    check(state, Role::Viewer, request, next).await
}

/// The token's role against the role `needed`; then the caller's rate
/// limit (per token; per client IP without one). A refused token counts against its IP's
/// limit, so guessing tokens is slowed down like any flood.
async fn check(state: ApiState, needed: Role, mut request: Request, next: Next) -> Response {
    let ip = rate_limit::client_ip(&request);
    let header = request.headers().get(header::AUTHORIZATION);
    let Some(header) = header else {
        if needed == Role::Viewer && state.anonymous_read {
            if let Err(wait) = state.rate_limits.check(Caller::Ip(ip)) {
                return rate_limit::too_many(wait, "requests from this address");
            }
            return next.run(request).await;
        }
        return refused(
            &state,
            ip,
            &if needed == Role::Admin {
                "missing token: this needs the admin role; send Authorization: Bearer <admin token> (mpis-dash token create --role admin)".to_string()
            } else {
                "missing token: send Authorization: Bearer <token> (mpis-dash token create)"
                    .to_string()
            },
        );
    };
    let Some(secret) = header
        .to_str()
        .ok()
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
    else {
        return refused(
            &state,
            ip,
            "the Authorization header must be: Bearer <token>",
        );
    };
    let caller = match state
        .auth_cache
        .authenticate(&state.pool, secret, Utc::now())
        .await
    {
        Ok(Ok(caller)) => caller,
        Ok(Err(failure)) => return refused(&state, ip, &failure.to_string()),
        Err(err) => return ApiError::from(err).into_response(),
    };
    if let Err(wait) = state.rate_limits.check(Caller::Token(caller.id)) {
        return rate_limit::too_many(wait, "requests with this token");
    }
    if !caller.role.allows(needed) {
        return ApiError::status(
            StatusCode::FORBIDDEN,
            format!(
                "this needs the {needed} role; token {:?} is {}",
                caller.name, caller.role
            ),
        )
        .into_response();
    }
    request.extensions_mut().insert::<Authenticated>(caller);
    next.run(request).await
}

/// 401 for a missing or refused token, or 429 when its address has been refused too often.
fn refused(state: &ApiState, ip: std::net::IpAddr, detail: &str) -> Response {
    match state.rate_limits.check(Caller::Ip(ip)) {
        Ok(()) => unauthorized(detail),
        Err(wait) => rate_limit::too_many(wait, "requests from this address"),
    }
}

/// 401 with the challenge a client needs to know how to authenticate.
pub fn unauthorized(detail: &str) -> Response {
    let mut response = ApiError::status(StatusCode::UNAUTHORIZED, detail).into_response();
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_needs_a_viewer_and_writing_an_editor() {
        assert_eq!(needed_role(&Method::GET), Role::Viewer);
        assert_eq!(needed_role(&Method::HEAD), Role::Viewer);
        for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            assert_eq!(needed_role(&method), Role::Editor, "{method}");
        }
    }
}
