//! Users: who they are, their role and agency, their password (Argon2id), and
//! login with throttling.

use sqlx::any::AnyRow;
use sqlx::Row;
use tinhso_domain::text::nfc;
use tinhso_domain::{Error, ErrorKind, Password, Result, Role, Scope, Username};

use crate::credentials::{dummy_hash, hash_password, verify_password};
use crate::{count_in_scope, db_err, is_unique_violation, now, scope_condition, Store};

/// Failed logins allowed per user name, and per address, in the window.
pub const MAX_FAILURES_PER_USER: i64 = 5;
pub const MAX_FAILURES_PER_IP: i64 = 30;
pub const FAILURE_WINDOW_SECS: i64 = 15 * 60;

/// A stored user (the password hash stays in the store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub email: String,
    pub role: Role,
    pub agency_id: Option<i64>,
    /// Materialised path of the user's agency, for scope checks.
    pub agency_path: Option<String>,
    pub agency_code: Option<String>,
    pub active: bool,
    pub created_at: i64,
}

impl User {
    /// The agencies this user may act on.
    pub fn scope(&self) -> Scope {
        Scope::of(self.role, self.agency_id.zip(self.agency_path.as_deref()))
    }
    /// Whether `scope` covers this user: province-wide scopes cover everyone,
    /// a subtree covers the users of its agencies.
    pub fn in_scope(&self, scope: &Scope) -> bool {
        match (scope, &self.agency_path) {
            (Scope::Province, _) => true,
            (_, Some(p)) => scope.contains(p),
            (_, None) => false,
        }
    }
}

/// A new user as typed.
#[derive(Debug, Clone, Default)]
pub struct UserInput {
    pub username: String,
    pub full_name: String,
    pub email: String,
    pub role: String,
    pub agency_code: Option<String>,
    pub password: String,
}

/// Changes to a user; an empty password keeps the old one.
#[derive(Debug, Clone, Default)]
pub struct UserUpdate {
    pub full_name: String,
    pub email: String,
    pub role: String,
    pub agency_code: Option<String>,
    pub active: bool,
    pub password: Option<String>,
}

const SELECT: &str = "SELECT u.id, u.username, u.full_name, u.email, u.role, u.agency_id, u.active, u.created_at, \
     a.path AS agency_path, a.code AS agency_code FROM users u LEFT JOIN agencies a ON a.id = u.agency_id";

fn from_row(r: &AnyRow) -> Result<User> {
    let role: String = r.try_get("role").map_err(db_err)?;
    Ok(User {
        id: r.try_get("id").map_err(db_err)?,
        username: r.try_get("username").map_err(db_err)?,
        full_name: r.try_get("full_name").map_err(db_err)?,
        email: r.try_get("email").map_err(db_err)?,
        role: Role::parse(&role).map_err(|_| Error::internal(format!("bad stored role {role}")))?,
        agency_id: r.try_get("agency_id").map_err(db_err)?,
        agency_path: r.try_get("agency_path").map_err(db_err)?,
        agency_code: r.try_get("agency_code").map_err(db_err)?,
        active: r.try_get::<i64, _>("active").map_err(db_err)? != 0,
        created_at: r.try_get("created_at").map_err(db_err)?,
    })
}

fn check_full_name(s: &str) -> Result<String> {
    let n = nfc(s);
    if n.is_empty() || n.chars().count() > 200 || n.chars().any(char::is_control) {
        return Err(Error::invalid(
            "full_name",
            "Họ và tên không được để trống, tối đa 200 ký tự.",
            "The full name must not be empty, 200 characters at most.",
        ));
    }
    Ok(n)
}

fn check_email(s: &str) -> Result<String> {
    let e = s.trim().to_string();
    if e.is_empty() {
        return Ok(e);
    }
    let ok = e.len() <= 254
        && e.split_once('@').is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.starts_with('.'))
        && !e.chars().any(char::is_whitespace);
    if ok {
        Ok(e)
    } else {
        Err(Error::invalid(
            "email",
            format!("Địa chỉ thư điện tử «{e}» không hợp lệ."),
            format!("Email address «{e}» is invalid."),
        ))
    }
}

fn duplicate(username: &str) -> Error {
    Error::conflict(
        format!("Tên đăng nhập {username} đã có người dùng."),
        format!("Username {username} is already taken."),
    )
    .at("username")
}

fn bad_login() -> Error {
    Error::new(ErrorKind::Unauthenticated, "Sai tên đăng nhập hoặc mật khẩu.", "Wrong username or password.")
}

impl Store {
    pub async fn users(&self, scope: &Scope) -> Result<Vec<User>> {
        let Some((cond, bind)) = scope_condition(scope, "a.path") else { return Ok(Vec::new()) };
        let sql = format!("{SELECT} WHERE {cond} ORDER BY u.username");
        let mut q = sqlx::query(&sql);
        if let Some(b) = bind {
            q = q.bind(b);
        }
        let rows = q.fetch_all(&self.pool).await.map_err(db_err)?;
        rows.iter().map(from_row).collect()
    }

    pub async fn user(&self, id: i64) -> Result<User> {
        let row = sqlx::query(&format!("{SELECT} WHERE u.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        match row {
            Some(r) => from_row(&r),
            None => {
                Err(Error::not_found(format!("Không có người dùng số {id}."), format!("There is no user number {id}.")))
            }
        }
    }

    /// The user with `id` if `scope` covers them (403 otherwise).
    pub async fn user_in_scope(&self, scope: &Scope, id: i64) -> Result<User> {
        let u = self.user(id).await?;
        if u.in_scope(scope) {
            Ok(u)
        } else {
            Err(Error::forbidden())
        }
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<User>> {
        let row = sqlx::query(&format!("{SELECT} WHERE u.username = $1"))
            .bind(username.trim().to_lowercase())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref().map(from_row).transpose()
    }

    /// Resolves the agency a user is to belong to, checking the caller's scope
    /// and that agency roles have an agency.
    async fn user_agency(&self, scope: &Scope, role: Role, code: Option<&str>) -> Result<Option<i64>> {
        let code = code.map(str::trim).filter(|c| !c.is_empty());
        let Some(code) = code else {
            if role.province_wide() && *scope == Scope::Province {
                return Ok(None);
            }
            return Err(Error::invalid(
                "agency_code",
                "Cần chọn đơn vị cho người dùng này.",
                "Choose an agency for this user.",
            ));
        };
        let a = self.agency_by_code(code).await?.ok_or_else(|| {
            Error::invalid(
                "agency_code",
                format!("Không có cơ quan mã {code}."),
                format!("There is no agency with code {code}."),
            )
        })?;
        if !scope.contains(&a.path) {
            return Err(Error::forbidden().at("agency_code"));
        }
        Ok(Some(a.id))
    }

    /// Creates a user. `actor` must be allowed to grant the role, and the
    /// agency must lie in `scope`.
    pub async fn create_user(&self, actor: Role, scope: &Scope, input: &UserInput) -> Result<User> {
        let username = Username::parse(&input.username)?;
        let full_name = check_full_name(&input.full_name)?;
        let email = check_email(&input.email)?;
        let role = Role::parse(&input.role)?;
        if !actor.may_grant(role) {
            return Err(Error::forbidden().at("role"));
        }
        let agency_id = self.user_agency(scope, role, input.agency_code.as_deref()).await?;
        let password = Password::parse(&input.password)?;
        if self.user_by_username(username.as_str()).await?.is_some() {
            return Err(duplicate(username.as_str()));
        }
        let hash = hash_password(&password)?;
        let at = now();
        let r = sqlx::query_scalar::<_, i64>(
            "INSERT INTO users (username, full_name, email, role, agency_id, password_hash, active, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7) RETURNING id",
        )
        .bind(username.as_str().to_string())
        .bind(full_name)
        .bind(email)
        .bind(role.as_str())
        .bind(agency_id)
        .bind(hash)
        .bind(at)
        .fetch_one(&self.pool)
        .await;
        let id = match r {
            Err(e) if is_unique_violation(&e) => return Err(duplicate(username.as_str())),
            r => r.map_err(db_err)?,
        };
        self.user(id).await
    }

    /// Changes a user. The caller must cover the user, and be allowed to
    /// grant both their old and their new role.
    pub async fn update_user(&self, actor: Role, scope: &Scope, id: i64, up: &UserUpdate) -> Result<User> {
        let current = self.user_in_scope(scope, id).await?;
        let full_name = check_full_name(&up.full_name)?;
        let email = check_email(&up.email)?;
        let role = Role::parse(&up.role)?;
        if !actor.may_grant(current.role) || !actor.may_grant(role) {
            return Err(Error::forbidden().at("role"));
        }
        let agency_id = self.user_agency(scope, role, up.agency_code.as_deref()).await?;
        let hash = match up.password.as_deref().filter(|p| !p.is_empty()) {
            Some(p) => Some(hash_password(&Password::parse(p)?)?),
            None => None,
        };
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        sqlx::query(
            "UPDATE users SET full_name = $1, email = $2, role = $3, agency_id = $4, active = $5, updated_at = $6 WHERE id = $7",
        )
        .bind(full_name)
        .bind(email)
        .bind(role.as_str())
        .bind(agency_id)
        .bind(up.active as i64)
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        if let Some(h) = hash {
            sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                .bind(h)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        // A changed role, agency, password or a disabled account ends every session.
        if role != current.role
            || agency_id != current.agency_id
            || !up.active
            || up.password.as_deref().is_some_and(|p| !p.is_empty())
        {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&mut *tx).await.map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)?;
        self.bump();
        self.user(id).await
    }

    /// Sets a user's password without a caller (CLI, demo).
    pub async fn set_password(&self, id: i64, password: &Password) -> Result<()> {
        sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
            .bind(hash_password(password)?)
            .bind(now())
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    pub async fn count_users(&self, scope: &Scope) -> Result<i64> {
        count_in_scope(&self.pool, "users u LEFT JOIN agencies a ON a.id = u.agency_id", scope, "a.path").await
    }

    /// Checks a login. After too many failures for the name or the address
    /// within the window, refuses with `TooMany` before checking anything.
    pub async fn authenticate(&self, username: &str, password: &str, ip: &str) -> Result<User> {
        let name = username.trim().to_lowercase();
        let since = now() - FAILURE_WINDOW_SECS;
        let by_user: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE username = $1 AND at > $2")
            .bind(name.clone())
            .bind(since)
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        let by_ip: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE ip = $1 AND at > $2")
            .bind(ip.to_string())
            .bind(since)
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        if by_user >= MAX_FAILURES_PER_USER || by_ip >= MAX_FAILURES_PER_IP {
            return Err(Error::new(
                ErrorKind::TooMany,
                "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 15 phút.",
                "Too many failed logins. Please try again in 15 minutes.",
            ));
        }
        let row: Option<(i64, String, i64)> =
            sqlx::query_as("SELECT id, password_hash, active FROM users WHERE username = $1")
                .bind(name.clone())
                .fetch_optional(&self.pool)
                .await
                .map_err(db_err)?;
        let ok = match &row {
            Some((_, hash, active)) => verify_password(password, hash) && *active != 0,
            None => {
                verify_password(password, dummy_hash());
                false
            }
        };
        if !ok {
            sqlx::query("INSERT INTO login_failures (username, ip, at) VALUES ($1, $2, $3)")
                .bind(name)
                .bind(ip.to_string())
                .bind(now())
                .execute(&self.pool)
                .await
                .map_err(db_err)?;
            return Err(bad_login());
        }
        sqlx::query("DELETE FROM login_failures WHERE username = $1")
            .bind(name)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        let (id, _, _) = row.expect("checked above");
        self.user(id).await
    }
}
