//! Roles (vai trò) and agency scope: who may do what, and over which agencies.

use crate::error::{Error, Result};

/// A user's role. Scope comes with it: province-wide roles see every agency,
/// agency roles see their agency's subtree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Quản trị hệ thống: configures the deployment, manages every user.
    SystemAdmin,
    /// Văn phòng CĐS (Sở KH&CN): runs the programme, province-wide.
    DxOffice,
    /// Quản trị đơn vị: manages their agency's subtree and its users.
    AgencyAdmin,
    /// Cán bộ dữ liệu: publishes their agency's data.
    DataOfficer,
    /// Lãnh đạo: reads everything, changes nothing.
    Leader,
    /// Người dân: open pages only.
    Public,
}

impl Role {
    pub const ALL: [Role; 6] =
        [Role::SystemAdmin, Role::DxOffice, Role::AgencyAdmin, Role::DataOfficer, Role::Leader, Role::Public];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::SystemAdmin => "system_admin",
            Role::DxOffice => "dx_office",
            Role::AgencyAdmin => "agency_admin",
            Role::DataOfficer => "data_officer",
            Role::Leader => "leader",
            Role::Public => "public",
        }
    }

    pub fn parse(s: &str) -> Result<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim()).ok_or_else(|| {
            Error::invalid(
                "role",
                format!("Vai trò «{s}» không tồn tại (system_admin, dx_office, agency_admin, data_officer, leader, public)."),
                format!("Unknown role «{s}» (system_admin, dx_office, agency_admin, data_officer, leader, public)."),
            )
        })
    }

    pub fn label(self, lang: crate::Lang) -> &'static str {
        use crate::Lang::*;
        match (self, lang) {
            (Role::SystemAdmin, Vi) => "Quản trị hệ thống",
            (Role::DxOffice, Vi) => "Văn phòng chuyển đổi số",
            (Role::AgencyAdmin, Vi) => "Quản trị đơn vị",
            (Role::DataOfficer, Vi) => "Cán bộ dữ liệu",
            (Role::Leader, Vi) => "Lãnh đạo",
            (Role::Public, Vi) => "Người dân",
            (Role::SystemAdmin, En) => "System administrator",
            (Role::DxOffice, En) => "DX office",
            (Role::AgencyAdmin, En) => "Agency administrator",
            (Role::DataOfficer, En) => "Data officer",
            (Role::Leader, En) => "Leader",
            (Role::Public, En) => "Public",
        }
    }

    /// Province-wide roles see every agency; the others only their subtree.
    pub fn province_wide(self) -> bool {
        matches!(self, Role::SystemAdmin | Role::DxOffice | Role::Leader)
    }

    /// Staff roles may read the agency and user registers in their scope.
    pub fn is_staff(self) -> bool {
        self != Role::Public
    }

    /// May create and edit agencies (within scope).
    pub fn manages_agencies(self) -> bool {
        matches!(self, Role::SystemAdmin | Role::DxOffice | Role::AgencyAdmin)
    }

    /// May create and edit users (within scope), given the role to grant.
    pub fn may_grant(self, role: Role) -> bool {
        match self {
            Role::SystemAdmin => true,
            Role::DxOffice => role != Role::SystemAdmin,
            Role::AgencyAdmin => matches!(role, Role::AgencyAdmin | Role::DataOfficer),
            _ => false,
        }
    }

    pub fn manages_users(self) -> bool {
        matches!(self, Role::SystemAdmin | Role::DxOffice | Role::AgencyAdmin)
    }
}

/// The agencies a caller may act on: all of them, or one agency's subtree,
/// identified by its materialised path (`/1/7/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Province,
    Subtree { agency_id: i64, path: String },
    Nothing,
}

impl Scope {
    pub fn of(role: Role, agency: Option<(i64, &str)>) -> Scope {
        if role.province_wide() {
            return Scope::Province;
        }
        match (role, agency) {
            (Role::Public, _) | (_, None) => Scope::Nothing,
            (_, Some((id, path))) => Scope::Subtree { agency_id: id, path: path.to_string() },
        }
    }

    /// Whether the agency with materialised path `path` lies in this scope.
    pub fn contains(&self, path: &str) -> bool {
        match self {
            Scope::Province => true,
            Scope::Subtree { path: root, .. } => path.starts_with(root.as_str()),
            Scope::Nothing => false,
        }
    }

    /// Narrows this scope to another agency subtree; the result never exceeds `self`.
    pub fn narrow_to(&self, agency_id: i64, path: &str) -> Scope {
        if self.contains(path) {
            Scope::Subtree { agency_id, path: path.to_string() }
        } else {
            Scope::Nothing
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()).unwrap(), r);
        }
        assert_eq!(Role::parse("root").unwrap_err().field.as_deref(), Some("role"));
    }

    #[test]
    fn subtree_scope_contains_descendants_only() {
        let s = Scope::of(Role::DataOfficer, Some((7, "/1/7/")));
        assert!(s.contains("/1/7/"));
        assert!(s.contains("/1/7/12/"));
        assert!(!s.contains("/1/"));
        assert!(!s.contains("/1/70/"));
        assert!(Scope::of(Role::Leader, None).contains("/1/"));
        assert!(!Scope::of(Role::Public, Some((1, "/1/"))).contains("/1/"));
        assert_eq!(s.narrow_to(1, "/1/"), Scope::Nothing);
        assert!(s.narrow_to(12, "/1/7/12/").contains("/1/7/12/"));
    }

    #[test]
    fn who_may_grant_what() {
        assert!(Role::SystemAdmin.may_grant(Role::SystemAdmin));
        assert!(!Role::DxOffice.may_grant(Role::SystemAdmin));
        assert!(Role::AgencyAdmin.may_grant(Role::DataOfficer));
        assert!(!Role::AgencyAdmin.may_grant(Role::Leader));
        assert!(!Role::DataOfficer.may_grant(Role::DataOfficer));
        assert!(!Role::Leader.manages_users());
    }
}
