//! User names and password policy.

use crate::error::{Error, Result};

/// A login name: 2–64 of `a-z 0-9 . _ -`, lower case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    pub fn parse(s: &str) -> Result<Username> {
        let u = s.trim().to_lowercase();
        let ok = (2..=64).contains(&u.len())
            && u.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'));
        if ok {
            Ok(Username(u))
        } else {
            Err(Error::invalid(
                "username",
                format!("Tên đăng nhập «{s}» không hợp lệ: 2–64 ký tự gồm chữ thường không dấu, số, '.', '_' hoặc '-'."),
                format!("Username «{s}» is invalid: 2–64 characters of lower-case unaccented letters, digits, '.', '_' or '-'."),
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password that meets the policy. It never prints.
#[derive(Clone)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

impl Password {
    /// At least 8 characters, not all the same, at most 256.
    pub fn parse(s: &str) -> Result<Password> {
        let n = s.chars().count();
        let first = s.chars().next();
        if !(8..=256).contains(&n) || s.chars().all(|c| Some(c) == first) {
            return Err(Error::invalid(
                "password",
                "Mật khẩu cần từ 8 đến 256 ký tự và không được lặp một ký tự.",
                "The password must be 8 to 256 characters long and not one repeated character.",
            ));
        }
        Ok(Password(s.to_string()))
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert_eq!(Username::parse(" Health-Admin ").unwrap().as_str(), "health-admin");
        assert!(Username::parse("x").is_err());
        assert!(Username::parse("nguyễn").is_err());
        assert!(Username::parse("a b").is_err());
    }

    #[test]
    fn passwords() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse("aaaaaaaaaa").is_err());
        let p = Password::parse("mật khẩu dài").unwrap();
        assert_eq!(format!("{p:?}"), "Password(***)");
    }
}
