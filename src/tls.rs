//! The one TLS crypto provider (ring) for every connection the process makes: reqwest is
//! built without a provider of its own (`rustls-no-provider`) and sqlx with ring, so a build
//! compiles one provider instead of aws-lc-sys's C library.
//!
//! reqwest panics when it builds a client and no process-wide provider is installed, so every
//! client comes from [`http_client_builder`] (or `http_client`), which installs it first;
//! clippy.toml forbids `reqwest::Client::new` / `builder` elsewhere.

/// Installs ring as the process-wide rustls provider, once; later calls (or a provider
/// someone else installed first) change nothing.
pub fn ensure_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // An Err means another thread installed one meanwhile: also fine.
        let _ = rustls::crypto::CryptoProvider::install_default(
            rustls::crypto::ring::default_provider(),
        );
    }
}

/// `reqwest::Client::builder()` with the provider installed: use this for every client.
#[allow(clippy::disallowed_methods)]
pub fn http_client_builder() -> reqwest::ClientBuilder {
    ensure_crypto_provider();
    reqwest::Client::builder()
}

/// A client with reqwest's defaults: `reqwest::Client::new()` with the provider installed.
#[allow(clippy::disallowed_methods)]
pub fn http_client() -> reqwest::Client {
    ensure_crypto_provider();
    reqwest::Client::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn the_provider_is_ring_and_installed_once() {
        ensure_crypto_provider();
        let installed = rustls::crypto::CryptoProvider::get_default().expect("installed");
        let ring = rustls::crypto::ring::default_provider();
        assert_eq!(
            installed.cipher_suites.len(),
            ring.cipher_suites.len(),
            "the installed provider is ring's"
        );
        ensure_crypto_provider();
        assert!(Arc::ptr_eq(
            installed,
            rustls::crypto::CryptoProvider::get_default().expect("still installed")
        ));
    }

    #[test]
    fn an_https_client_builds_without_a_panic() {
        let client = http_client_builder().build();
        assert!(client.is_ok(), "{client:?}");
    }
}
