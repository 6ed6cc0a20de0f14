//! Values and rules of tinhso: administrative units, agencies, roles, users, errors, words,
//! cell values written the Vietnamese way and legacy Vietnamese text encodings.
//!
//! This crate does no IO and knows nothing of async, SQL, HTTP or Arrow. Every
//! value here is parsed once ("parse, don't validate") and valid afterwards.

pub mod admin_unit;
pub mod agency;
pub mod error;
pub mod i18n;
pub mod legacy;
pub mod mask;
pub mod role;
pub mod text;
pub mod user;
pub mod values;

pub use admin_unit::{AdminUnit, AdminUnits, Level, Successor};
pub use agency::{AgencyCode, AgencyKind, AgencyName};
pub use error::{Error, ErrorKind, Result};
pub use i18n::{Lang, Msg};
pub use role::{Role, Scope};
pub use user::{Password, Username};
