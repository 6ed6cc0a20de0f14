//! The demo province (Gia Lai, 52): its People's Committee, departments, all
//! 135 communes as agencies, and one user per role. Idempotent: what exists is kept.

use chrono::Utc;
use tinhso_domain::{AdminUnits, Level, Password, Result, Role, Scope};

use crate::agencies::AgencyInput;
use crate::credentials::random_hex;
use crate::users::UserInput;
use crate::Store;

/// The demo deployment's province code.
pub const DEMO_PROVINCE: &str = "52";

/// (code, Vietnamese name, English name) of the demo departments.
const DEPARTMENTS: &[(&str, &str, &str)] = &[
    ("VP-UBND", "Văn phòng UBND tỉnh", "Office of the Provincial People's Committee"),
    ("SKHCN", "Sở Khoa học và Công nghệ", "Department of Science and Technology"),
    ("STC", "Sở Tài chính", "Department of Finance"),
    ("SYT", "Sở Y tế", "Department of Health"),
    ("SGDDT", "Sở Giáo dục và Đào tạo", "Department of Education and Training"),
    ("SNNMT", "Sở Nông nghiệp và Môi trường", "Department of Agriculture and Environment"),
    ("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch", "Department of Culture, Sports and Tourism"),
    ("SNV", "Sở Nội vụ", "Department of Home Affairs"),
    ("STP", "Sở Tư pháp", "Department of Justice"),
    ("SXD", "Sở Xây dựng", "Department of Construction"),
    ("SCT", "Sở Công Thương", "Department of Industry and Trade"),
    ("CAT", "Công an tỉnh", "Provincial Police"),
];

/// (username, full name, role, agency code) of the demo users.
const USERS: &[(&str, &str, Role, Option<&str>)] = &[
    ("admin", "Quản trị hệ thống", Role::SystemAdmin, None),
    ("dx-office", "Văn phòng Chuyển đổi số", Role::DxOffice, Some("SKHCN")),
    ("leader", "Lãnh đạo UBND tỉnh", Role::Leader, Some("UBND")),
    ("health-admin", "Quản trị Sở Y tế", Role::AgencyAdmin, Some("SYT")),
    ("health-officer", "Cán bộ dữ liệu Sở Y tế", Role::DataOfficer, Some("SYT")),
    ("commune-officer", "Cán bộ dữ liệu Phường Quy Nhơn", Role::DataOfficer, Some("XA-21583")),
    ("finance-officer", "Cán bộ Sở Tài chính", Role::DataOfficer, Some("STC")),
];

/// A demo user as printed by `tinhso demo`.
#[derive(Debug, Clone)]
pub struct DemoUser {
    pub username: String,
    pub role: Role,
    pub agency_code: Option<String>,
    /// The password, when this run created the user; `None` if it already existed.
    pub password: Option<String>,
}

/// What the seeding did.
#[derive(Debug, Clone)]
pub struct DemoReport {
    pub agencies_created: usize,
    pub users: Vec<DemoUser>,
}

/// Seeds the demo province. `password` (from `TINHSO_DEMO_PASSWORD`) is used
/// for every new user; otherwise each gets a random one.
pub async fn seed(store: &Store, password: Option<&str>) -> Result<DemoReport> {
    let password = password.map(Password::parse).transpose()?;
    let mut created = 0;
    let mut want = vec![AgencyInput {
        code: "UBND".into(),
        name_vi: "Ủy ban nhân dân tỉnh Gia Lai".into(),
        name_en: "Gia Lai Provincial People's Committee".into(),
        kind: "provincial_committee".into(),
        parent_code: None,
        admin_unit_code: Some(DEMO_PROVINCE.into()),
        active: true,
    }];
    for (code, vi, en) in DEPARTMENTS {
        want.push(AgencyInput {
            code: (*code).into(),
            name_vi: (*vi).into(),
            name_en: (*en).into(),
            kind: "department".into(),
            parent_code: Some("UBND".into()),
            admin_unit_code: Some(DEMO_PROVINCE.into()),
            active: true,
        });
    }
    let units = AdminUnits::embedded();
    let province = units.lookup(DEMO_PROVINCE, Utc::now().date_naive())?;
    for c in units.children(province).into_iter().filter(|c| c.level == Level::Commune) {
        want.push(AgencyInput {
            code: format!("XA-{}", c.code),
            name_vi: format!("UBND {}", c.full_name),
            name_en: format!("People's Committee of {}", c.full_name_en),
            kind: "commune".into(),
            parent_code: Some("UBND".into()),
            admin_unit_code: Some(c.code.clone()),
            active: true,
        });
    }
    for a in &want {
        if store.agency_by_code(&a.code).await?.is_none() {
            store.create_agency(&Scope::Province, a, DEMO_PROVINCE).await?;
            created += 1;
        }
    }
    let mut users = Vec::new();
    for (username, full_name, role, agency) in USERS {
        let existing = store.user_by_username(username).await?;
        let pw = match existing {
            Some(_) => None,
            None => {
                let pw = match &password {
                    Some(p) => p.expose().to_string(),
                    None => random_hex(8),
                };
                let input = UserInput {
                    username: (*username).into(),
                    full_name: (*full_name).into(),
                    email: format!("{username}@gialai.demo.tinhso.vn"),
                    role: role.as_str().into(),
                    agency_code: agency.map(Into::into),
                    password: pw.clone(),
                };
                store.create_user(Role::SystemAdmin, &Scope::Province, &input).await?;
                Some(pw)
            }
        };
        users.push(DemoUser {
            username: (*username).into(),
            role: *role,
            agency_code: agency.map(Into::into),
            password: pw,
        });
    }
    Ok(DemoReport { agencies_created: created, users })
}
