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

    /// The whole path of an https request: the client starts a TLS handshake (a ClientHello,
    /// record type 0x16) with ring, and a peer that is no TLS server is an error, not a panic.
    #[tokio::test]
    async fn an_https_request_runs_a_handshake_and_fails_cleanly_against_a_non_tls_peer() {
        use tokio::io::AsyncReadExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let peer = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut first = [0u8; 1];
            socket.read_exact(&mut first).await.unwrap();
            first[0]
        });
        let answer = http_client()
            .get(format!("https://{addr}/"))
            .timeout(std::time::Duration::from_secs(5))
            .send()
            .await;
        assert!(answer.is_err(), "{answer:?}");
        assert_eq!(peer.await.unwrap(), 0x16, "a TLS handshake record");
    }
}
