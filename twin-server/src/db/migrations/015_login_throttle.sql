-- Failed-login throttle (grade-2 login-failure handling, issue 14 items 3 and 8). Failures are
-- counted per typed username and source address, not per account: a guesser locks out only
-- itself (the owner logging in from elsewhere is unaffected, administrators included), and an
-- unknown username behaves exactly like a known one, so "locked" reveals nothing. Each attempt
-- reserves its slot with one INSERT .. ON CONFLICT DO UPDATE before the password is checked
-- (auth/service.ts), so parallel guesses can never evaluate more than the threshold.
-- The app_user.failed_logins / locked_until columns are no longer written.
CREATE TABLE auth_login_throttle (
  username text NOT NULL CHECK (length(username) <= 64),
  source text NOT NULL CHECK (length(source) <= 100),
  failures integer NOT NULL CHECK (failures > 0),
  locked_until timestamptz,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (username, source)
);
CREATE INDEX auth_login_throttle_username ON auth_login_throttle (username);
