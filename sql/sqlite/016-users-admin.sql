-- Accounts (issue 10 item 4): only an admin adds users (POST /api/users,
-- farmctl user add --admin). The first account of an install is its
-- admin; on an existing install that is the oldest account.
ALTER TABLE users ADD COLUMN is_admin INTEGER NOT NULL DEFAULT 0;
UPDATE users SET is_admin = 1 WHERE id = (SELECT MIN(id) FROM users);
