//! Errors on the wire: `application/problem+json` for the API and a rendered
//! page for browsers, both in Vietnamese and English. A 500 never shows internals.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tinhso_domain::{Error, ErrorKind};
use utoipa::ToSchema;

pub fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::Invalid => StatusCode::BAD_REQUEST,
        ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::TooMany => StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// A text in Vietnamese and English.
#[derive(Serialize, ToSchema)]
pub struct Bilingual {
    /// Tiếng Việt.
    pub vi: String,
    /// English.
    pub en: String,
}

/// An error as an RFC 9457 problem document (`application/problem+json`),
/// with the message in both languages and the field or location at fault.
#[derive(Serialize, ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the status says what kind of problem it is.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The HTTP reason phrase, e.g. `Bad Request`.
    pub title: &'static str,
    #[schema(minimum = 400, maximum = 599)]
    pub status: u16,
    /// The English message.
    pub detail: String,
    pub message: Bilingual,
    /// The request field, parameter or location at fault (`body`, `as_of`,
    /// `code`…), when there is one.
    pub field: Option<String>,
}

impl Problem {
    pub fn of(e: &Error) -> Problem {
        let status = status_of(e.kind);
        Problem {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail: e.en.clone(),
            message: Bilingual { vi: e.vi.clone(), en: e.en.clone() },
            field: e.field.clone(),
        }
    }
}

/// The RFC 9457 problem document for an error.
pub fn problem_json(e: &Error) -> serde_json::Value {
    serde_json::to_value(Problem::of(e)).unwrap_or_default()
}

/// An error answered as `application/problem+json`.
pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError(e)
    }
}

pub fn log_internal(e: &Error) {
    if e.kind == ErrorKind::Internal {
        tracing::error!(detail = e.detail.as_deref().unwrap_or(""), "internal error");
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        log_internal(&self.0);
        let mut r = (status_of(self.0.kind), problem_json(&self.0).to_string()).into_response();
        r.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/problem+json"));
        if self.0.kind == ErrorKind::Unauthenticated {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        r
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
