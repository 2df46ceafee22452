//! `POST /api/auth/login {password}` -> `{token, expires_at}` (the documented admin login):
//! with `ADMIN_PASSWORD` set, the right password gives an admin token for 24 h, stored as an
//! ordinary `api_tokens` row named `login-<time>-<id>` (so `token list` shows it and
//! `token revoke` ends it). The password is compared in constant time; attempts are limited
//! per client address (429 with `Retry-After`); without `ADMIN_PASSWORD` the route answers
//! 404 saying so. Neither the password nor the token is ever logged.

use axum::Json;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::body::{Fields, JsonBody, Style};
use super::rate_limit::{self, client_ip};
use super::{ApiError, ApiState};
use crate::domain::auth::Role;
use crate::store::tokens;

/// The body of `POST /api/auth/login`.
#[derive(utoipa::ToSchema)]
pub struct LoginRequest {
    pub password: String,
}

/// A 24 h admin token (shown once).
#[derive(utoipa::ToSchema)]
pub struct LoginResponse {
    pub token: String,
    /// `bearer`.
    pub token_type: String,
    pub expires_at: Option<chrono::DateTime<Utc>>,
    pub name: String,
    /// `admin`.
    pub role: String,
}

/// How long a login's token lasts (the documented 24 h).
pub const TOKEN_LIFETIME: Duration = Duration::hours(24);

#[utoipa::path(post, path = "/api/auth/login", tag = "auth",
    description = "With ADMIN_PASSWORD set, the right password gives an admin token for 24 h. Attempts are limited per address.",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "The token", body = LoginResponse),
        (status = 401, description = "Wrong password", body = super::openapi::ErrorDetail),
        (status = 404, description = "Login is off: ADMIN_PASSWORD is not set", body = super::openapi::ErrorDetail),
    ))]
pub async fn login(State(state): State<ApiState>, request: Request) -> Response {
    match attempt(state, request).await {
        Ok(response) | Err(response) => response,
    }
}

async fn attempt(state: ApiState, request: Request) -> Result<Response, Response> {
    let Some(password) = state.config.admin_password.clone() else {
        return Err(ApiError::not_found(
            "login is off: ADMIN_PASSWORD is not set where mpis-dash serve runs; use a token from `mpis-dash token create --role admin`",
        )
        .into_response());
    };
    let ip = client_ip(&request);
    if let Err(wait) = state.rate_limits.check_login(ip) {
        tracing::warn!(client = %ip, "login attempts over the limit");
        return Err(rate_limit::too_many(
            wait,
            "login attempts from this address",
        ));
    }
    let JsonBody(body) = JsonBody::from_request(request, &state)
        .await
        .map_err(IntoResponse::into_response)?;
    let mut fields = Fields::of(&body).style(Style::Explicit);
    let given = fields.required_str("password");
    fields.finish().map_err(IntoResponse::into_response)?;
    let given = given.unwrap_or_default();
    if !same_secret(given, password.expose()) {
        tracing::warn!(client = %ip, "failed login");
        return Err(super::auth::unauthorized("wrong password"));
    }
    let now = Utc::now();
    let name = format!(
        "login-{}-{}",
        now.format("%Y%m%dT%H%M%SZ"),
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let created = tokens::create(
        &state.pool,
        &name,
        Role::Admin,
        Some(now + TOKEN_LIFETIME),
        &format!("login from {ip}"),
        now,
    )
    .await
    .map_err(|err| ApiError::from(err).into_response())?;
    tracing::info!(client = %ip, token = %name, "login: admin token issued");
    Ok((
        StatusCode::OK,
        Json(json!({
            "token": created.secret,
            "token_type": "bearer",
            "expires_at": created.token.expires_at,
            "name": created.token.name,
            "role": created.token.role,
        })),
    )
        .into_response())
}

/// Equal secrets, compared in constant time (as their SHA-256, so lengths leak nothing).
fn same_secret(given: &str, expected: &str) -> bool {
    let a = Sha256::digest(given.as_bytes());
    let b = Sha256::digest(expected.as_bytes());
    bool::from(a.ct_eq(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_same_password_matches() {
        assert!(same_secret("hunter2", "hunter2"));
        assert!(!same_secret("hunter2 ", "hunter2"));
        assert!(!same_secret("", "hunter2"));
    }
}
