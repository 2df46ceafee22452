//! Credentials in stored JSON (an ingestion job's `config`: bot tokens, API keys, passwords):
//! which keys hold one, the JSON with their values replaced for answers and logs, and a
//! changed config read back with the stored values where a client sent the placeholder.

use serde_json::{Map, Value};

/// What a credential's value is shown as.
pub const REDACTED: &str = "[redacted]";

/// A database URL with its password shown as [`REDACTED`], in the userinfo
/// (`postgres://user:[redacted]@host/db`) and in a `password=` / `sslpassword=` query
/// parameter. Everything else stays as written, so the URL still says where it points.
pub fn url_password(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_string();
    };
    let (head, rest) = url.split_at(scheme_end);
    let query_start = rest.find(['?', '#']).unwrap_or(rest.len());
    let (authority_path, query) = rest.split_at(query_start);
    // The last '@' before the query ends the userinfo (an unencoded '@' in a password too).
    let authority_path = match authority_path.rfind('@') {
        Some(at) => {
            let (userinfo, host) = authority_path.split_at(at);
            match userinfo.split_once(':') {
                Some((user, _password)) => format!("{user}:{REDACTED}{host}"),
                None => authority_path.to_string(),
            }
        }
        None => authority_path.to_string(),
    };
    let query = query
        .split_inclusive(['&', '?', '#'])
        .map(|part| {
            let (pair, sep) = match part.char_indices().last() {
                Some((i, c)) if "&?#".contains(c) => part.split_at(i),
                _ => (part, ""),
            };
            match pair.split_once('=') {
                Some((name, _))
                    if matches!(
                        name.to_ascii_lowercase().as_str(),
                        "password" | "sslpassword"
                    ) =>
                {
                    format!("{name}={REDACTED}{sep}")
                }
                _ => part.to_string(),
            }
        })
        .collect::<String>();
    format!("{head}{authority_path}{query}")
}

/// Parts of a key name that mark its value as a credential (case-insensitive).
const SECRET_WORDS: [&str; 9] = [
    "token",
    "secret",
    "password",
    "passwd",
    "credential",
    "apikey",
    "api_key",
    "private",
    "auth",
];

/// Whether a key's value is a credential: `bot_token`, `api_key`, `X-API-Key`, `password`,
/// `client_secret`, `authorization`, `key`, `access_key`, ...
pub fn is_secret_key(key: &str) -> bool {
    let key = key.trim().to_ascii_lowercase().replace('-', "_");
    key == "key"
        || key.ends_with("_key")
        || key.starts_with("key_")
        || SECRET_WORDS.iter().any(|word| key.contains(word))
}

/// `value` with every credential's value (at any depth, inside arrays too) replaced by
/// [`REDACTED`]; a `null` credential stays `null` and a `credential` reference
/// (`domain::credential_ref`) is shown as it is (nothing to hide).
pub fn redact(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, inner)| {
                    // A credential reference names where the secret lives: nothing to hide.
                    let reference = key == super::credential_ref::CREDENTIAL_KEY
                        && super::credential_ref::is_reference(inner);
                    let shown = if reference {
                        inner.clone()
                    } else if is_secret_key(key) && !inner.is_null() {
                        Value::from(REDACTED)
                    } else {
                        redact(inner)
                    };
                    (key.clone(), shown)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redact).collect()),
        other => other.clone(),
    }
}

/// A config sent back by a client that read it redacted: where a credential's value is still
/// the placeholder, the stored value is kept (so a read-modify-write never stores
/// `"[redacted]"` as a bot token). Arrays are matched element by element, by position.
pub fn keep_redacted(new: &Value, stored: &Value) -> Value {
    match (new, stored) {
        (Value::Object(new), Value::Object(stored)) => {
            let mut out = Map::with_capacity(new.len());
            for (key, value) in new {
                let kept = match stored.get(key) {
                    Some(old) if is_secret_key(key) && value == REDACTED => old.clone(),
                    Some(old) => keep_redacted(value, old),
                    None => value.clone(),
                };
                out.insert(key.clone(), kept);
            }
            Value::Object(out)
        }
        (Value::Array(new), Value::Array(stored)) => Value::Array(
            new.iter()
                .enumerate()
                .map(|(i, value)| match stored.get(i) {
                    Some(old) => keep_redacted(value, old),
                    None => value.clone(),
                })
                .collect(),
        ),
        _ => new.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_urls_password_is_redacted_and_the_rest_kept() {
        let cases = [
            (
                "postgres://user:hunter2@db.internal:5432/mpis",
                "postgres://user:[redacted]@db.internal:5432/mpis",
            ),
            ("postgres://user@db/mpis", "postgres://user@db/mpis"),
            (
                "postgres://db/mpis?sslmode=require",
                "postgres://db/mpis?sslmode=require",
            ),
            (
                "postgres://u:p@ss/w@rd@db/mpis",
                "postgres://u:[redacted]@db/mpis",
            ),
            (
                "postgres://db/mpis?user=u&password=hunter2&sslpassword=x",
                "postgres://db/mpis?user=u&password=[redacted]&sslpassword=[redacted]",
            ),
            (
                "postgres:///mpis?host=/run/pg&Password=hunter2#frag",
                "postgres:///mpis?host=/run/pg&Password=[redacted]#frag",
            ),
            ("not a url", "not a url"),
        ];
        for (url, shown) in cases {
            assert_eq!(url_password(url), shown, "{url}");
        }
    }
    use serde_json::json;

    #[test]
    fn credential_keys_are_recognised_and_others_are_not() {
        for key in [
            "bot_token",
            "api_key",
            "X-API-Key",
            "password",
            "client_secret",
            "Authorization",
            "key",
            "access_key",
            "credentials",
            "private_key_pem",
        ] {
            assert!(is_secret_key(key), "{key}");
        }
        for key in ["lookback_hours", "channel_id", "keyword", "monkey", "chat"] {
            assert!(!is_secret_key(key), "{key}");
        }
    }

    #[test]
    fn credentials_are_redacted_at_any_depth() {
        let config = json!({
            "lookback_hours": 24,
            "bot_token": "123:abc",
            "accounts": [{"name": "a", "api_key": "k1"}, {"name": "b", "password": null}],
            "auth": {"user": "x", "pass": "y"},
        });
        assert_eq!(
            redact(&config),
            json!({
                "lookback_hours": 24,
                "bot_token": REDACTED,
                "accounts": [{"name": "a", "api_key": REDACTED}, {"name": "b", "password": null}],
                "auth": REDACTED,
            })
        );
        assert!(!redact(&config).to_string().contains("123:abc"));
    }

    #[test]
    fn a_credential_reference_is_shown_and_a_credential_value_is_not() {
        let reference = json!({"credential": {"file": "/etc/s.toml", "key": "youtube"}});
        assert_eq!(redact(&reference), reference);
        let env = json!({"credential": {"env": "YOUTUBE_API_KEY"}});
        assert_eq!(redact(&env), env);
        assert_eq!(
            redact(&json!({"credential": {"value": "abc"}, "nested": {"credential": "x"}})),
            json!({"credential": REDACTED, "nested": {"credential": REDACTED}})
        );
    }

    #[test]
    fn a_placeholder_sent_back_keeps_the_stored_credential() {
        let stored =
            json!({"bot_token": "123:abc", "lookback_hours": 24, "nested": {"api_key": "k"}});
        let sent =
            json!({"bot_token": REDACTED, "lookback_hours": 48, "nested": {"api_key": REDACTED}});
        assert_eq!(
            keep_redacted(&sent, &stored),
            json!({"bot_token": "123:abc", "lookback_hours": 48, "nested": {"api_key": "k"}})
        );
        let listed = json!({"accounts": [{"api_key": "a"}, {"api_key": "b"}]});
        let sent =
            json!({"accounts": [{"api_key": REDACTED}, {"api_key": "new"}, {"api_key": "c"}]});
        assert_eq!(
            keep_redacted(&sent, &listed),
            json!({"accounts": [{"api_key": "a"}, {"api_key": "new"}, {"api_key": "c"}]})
        );
        let replaced = json!({"bot_token": "999:new"});
        assert_eq!(keep_redacted(&replaced, &stored), replaced);
    }
}
