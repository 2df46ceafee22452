-- API tokens for `mpis-dash serve`: a name, a role and the SHA-256 of the secret (the secret
-- itself is shown once at creation and stored nowhere). A name is unique among tokens not
-- revoked, so a revoked name can be issued again; revoked rows stay for the audit trail.
CREATE TABLE IF NOT EXISTS api_tokens (
    id UUID PRIMARY KEY,
    name TEXT NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    role TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    token_hash BYTEA NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    created_by TEXT NOT NULL,
    last_used_at TIMESTAMPTZ,
    expires_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ,
    revoked_by TEXT,
    CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);
CREATE UNIQUE INDEX IF NOT EXISTS api_tokens_active_name ON api_tokens (name)
    WHERE revoked_at IS NULL;
