-- Signing in to the web workspace (app/sessions.cpp): users' passwords as Argon2id strings
-- (libsodium's crypto_pwhash_str, checked only at sign-in), and sign-in sessions stored like
-- API tokens, as the SHA-256 of the cookie's value; the value itself is never stored.
-- Meta columns first, so that the store's generic row operations serve both tables.

CREATE TABLE passwords (
  id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  user_id INTEGER NOT NULL UNIQUE REFERENCES users(id),
  hash TEXT NOT NULL
);

CREATE TABLE sessions (
  id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  user_id INTEGER NOT NULL REFERENCES users(id),
  hash TEXT NOT NULL UNIQUE,
  expires_at INTEGER NOT NULL,
  ended_at INTEGER  -- signed out
);
