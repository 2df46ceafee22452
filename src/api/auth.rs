//! Who is calling: `Authorization: Bearer <token>` checked against `api_tokens` (hash only,
//! constant-time), and whether the token's role may use the route. Reading (GET, HEAD) needs a
//! viewer, writing an editor; with `--allow-anonymous-read` reads need no token. A refusal is
//! 401 with `WWW-Authenticate: Bearer` (no or bad token) or 403 naming the role needed. The
//! token itself is never logged. Handlers find the caller in the request's extensions
//! ([`Authenticated`]) for their audit entries.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;

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
    mut request: Request,
    next: Next,
) -> Response {
    let needed = needed_role(request.method());
    let header = request.headers().get(header::AUTHORIZATION);
    let Some(header) = header else {
        if needed == Role::Viewer && state.anonymous_read {
            return next.run(request).await;
        }
        return unauthorized(
            "missing token: send Authorization: Bearer <token> (mpis-dash token create)",
        );
    };
    let Some(secret) = header
        .to_str()
        .ok()
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
    else {
        return unauthorized("the Authorization header must be: Bearer <token>");
    };
    let caller = match state
        .auth_cache
        .authenticate(&state.pool, secret, Utc::now())
        .await
    {
        Ok(Ok(caller)) => caller,
        Ok(Err(failure)) => return unauthorized(&failure.to_string()),
        Err(err) => return ApiError::from(err).into_response(),
    };
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

/// 401 with the challenge a client needs to know how to authenticate.
fn unauthorized(detail: &str) -> Response {
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
