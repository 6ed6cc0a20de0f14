//! The one error type of tinhso, grouped by what the caller should do, with a
//! Vietnamese and an English message.

use std::fmt;

/// What the caller should do about an error; the web layer maps it to a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input is wrong: fix it and retry (400).
    Invalid,
    /// Not logged in, or bad credentials (401).
    Unauthenticated,
    /// Logged in but not allowed (403).
    Forbidden,
    /// Nothing by that name (404).
    NotFound,
    /// Clashes with what is stored (409).
    Conflict,
    /// Too many attempts; wait (429).
    TooMany,
    /// Our fault; the details are logged, never shown (500).
    Internal,
}

/// An error with a bilingual message and, where it applies, the field or
/// location (file, row, column) it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub vi: String,
    pub en: String,
    /// The field, column or `file:row:column` the error is about.
    pub field: Option<String>,
    /// For internal errors: what went wrong, for the log only, never shown.
    pub detail: Option<String>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, vi: impl Into<String>, en: impl Into<String>) -> Self {
        Error { kind, vi: vi.into(), en: en.into(), field: None, detail: None }
    }
    pub fn invalid(field: &str, vi: impl Into<String>, en: impl Into<String>) -> Self {
        Error { field: Some(field.to_string()), ..Error::new(ErrorKind::Invalid, vi, en) }
    }
    pub fn not_found(vi: impl Into<String>, en: impl Into<String>) -> Self {
        Error::new(ErrorKind::NotFound, vi, en)
    }
    pub fn forbidden() -> Self {
        Error::new(
            ErrorKind::Forbidden,
            "Bạn không có quyền thực hiện thao tác này hoặc truy cập dữ liệu ngoài phạm vi đơn vị của mình.",
            "You are not allowed to do this, or the data is outside your agency's scope.",
        )
    }
    pub fn unauthenticated() -> Self {
        Error::new(
            ErrorKind::Unauthenticated,
            "Cần đăng nhập hoặc khoá API hợp lệ.",
            "Login or a valid API key is required.",
        )
    }
    pub fn conflict(vi: impl Into<String>, en: impl Into<String>) -> Self {
        Error::new(ErrorKind::Conflict, vi, en)
    }
    /// An internal error; `detail` goes to the log, never to the user.
    pub fn internal(detail: impl fmt::Display) -> Self {
        Error {
            detail: Some(detail.to_string()),
            ..Error::new(
                ErrorKind::Internal,
                "Lỗi hệ thống. Vui lòng thử lại sau hoặc báo quản trị viên.",
                "Internal error. Please try again later or tell the administrator.",
            )
        }
    }
    /// Attaches the field or location the error is about.
    pub fn at(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
    pub fn message(&self, lang: crate::Lang) -> &str {
        match lang {
            crate::Lang::Vi => &self.vi,
            crate::Lang::En => &self.en,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "[{field}] {} / {}", self.vi, self.en),
            None => write!(f, "{} / {}", self.vi, self.en),
        }
    }
}

impl std::error::Error for Error {}
