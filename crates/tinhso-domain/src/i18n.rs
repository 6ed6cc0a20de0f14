//! Words in one place: every user-facing text, in Vietnamese and English, looked up by key.

/// The interface language. Vietnamese is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "vi" | "vi-vn" => Some(Lang::Vi),
            "en" | "en-us" | "en-gb" => Some(Lang::En),
            _ => None,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }
    pub fn other(self) -> Lang {
        match self {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        }
    }
}

/// The message catalogue.
pub struct Msg;

/// (key, Vietnamese, English).
const CATALOGUE: &[(&str, &str, &str)] = &[
    ("app.name", "Tỉnh số", "Digital Province"),
    ("app.tagline", "Nền tảng chuyển đổi số cấp tỉnh", "The provincial digital transformation platform"),
    ("lang.switch", "English", "Tiếng Việt"),
    ("nav.home", "Trang chủ", "Home"),
    ("nav.agencies", "Cơ quan, đơn vị", "Agencies"),
    ("nav.users", "Người dùng", "Users"),
    ("nav.admin_units", "Đơn vị hành chính", "Administrative units"),
    ("nav.api_keys", "Khoá API", "API keys"),
    ("nav.login", "Đăng nhập", "Log in"),
    ("nav.logout", "Đăng xuất", "Log out"),
    ("login.title", "Đăng nhập", "Log in"),
    ("login.username", "Tên đăng nhập", "Username"),
    ("login.password", "Mật khẩu", "Password"),
    ("login.submit", "Đăng nhập", "Log in"),
    ("login.failed", "Sai tên đăng nhập hoặc mật khẩu.", "Wrong username or password."),
    ("home.welcome", "Xin chào", "Welcome"),
    ("home.role", "Vai trò", "Role"),
    ("home.agency", "Đơn vị", "Agency"),
    ("home.scope", "Phạm vi dữ liệu", "Data scope"),
    ("home.scope_province", "Toàn tỉnh", "The whole province"),
    ("home.scope_subtree", "Đơn vị của bạn và các đơn vị trực thuộc", "Your agency and the agencies under it"),
    ("home.province", "Tỉnh triển khai", "Deployment province"),
    ("home.counts", "Số liệu", "Figures"),
    ("home.agency_count", "Cơ quan, đơn vị trong phạm vi", "Agencies in scope"),
    ("home.user_count", "Người dùng trong phạm vi", "Users in scope"),
    ("home.commune_count", "Xã, phường của tỉnh", "Communes of the province"),
    ("common.code", "Mã", "Code"),
    ("common.name", "Tên", "Name"),
    ("common.name_vi", "Tên tiếng Việt", "Vietnamese name"),
    ("common.name_en", "Tên tiếng Anh", "English name"),
    ("common.kind", "Loại", "Kind"),
    ("common.parent", "Cơ quan cấp trên", "Parent agency"),
    ("common.none", "(không có)", "(none)"),
    ("common.admin_unit", "Đơn vị hành chính", "Administrative unit"),
    ("common.save", "Lưu", "Save"),
    ("common.create", "Tạo mới", "Create"),
    ("common.edit", "Sửa", "Edit"),
    ("common.search", "Tìm kiếm", "Search"),
    ("common.actions", "Thao tác", "Actions"),
    ("common.status", "Trạng thái", "Status"),
    ("common.active", "Đang hoạt động", "Active"),
    ("common.inactive", "Ngừng hoạt động", "Inactive"),
    ("common.back", "Quay lại", "Back"),
    ("common.error", "Có lỗi", "Something went wrong"),
    ("common.saved", "Đã lưu.", "Saved."),
    ("common.total", "Tổng số", "Total"),
    ("common.level", "Cấp", "Level"),
    ("common.valid_from", "Hiệu lực từ", "Valid from"),
    ("common.valid_to", "Hết hiệu lực", "Valid to"),
    ("common.as_of", "Tại ngày", "As of"),
    ("common.created_at", "Tạo lúc", "Created"),
    ("agencies.title", "Cơ quan, đơn vị", "Agencies"),
    ("agencies.new", "Thêm cơ quan", "New agency"),
    ("agencies.edit", "Sửa cơ quan", "Edit agency"),
    ("agencies.import", "Nhập từ tệp XLSX/CSV", "Import from an XLSX/CSV file"),
    (
        "agencies.import_help",
        "Cột: ma, ten, ten_tieng_anh, loai, ma_cap_tren, ma_dvhc (dòng tiêu đề ở đầu).",
        "Columns: ma, ten, ten_tieng_anh, loai, ma_cap_tren, ma_dvhc (header row first).",
    ),
    ("agencies.import_file", "Tệp", "File"),
    ("agencies.import_submit", "Nhập", "Import"),
    ("agencies.import_result", "Kết quả nhập", "Import result"),
    ("agencies.imported", "Số dòng đã nhập", "Rows imported"),
    ("agencies.rejected", "Dòng bị từ chối (được lưu lại, có thể tải về)", "Rejected rows (kept, downloadable)"),
    ("agencies.row", "Dòng", "Row"),
    ("agencies.column", "Cột", "Column"),
    ("agencies.reason", "Lý do", "Reason"),
    ("agencies.download_rejects", "Tải các dòng bị từ chối (CSV)", "Download rejected rows (CSV)"),
    ("agencies.users", "Người dùng của đơn vị", "Users of this agency"),
    ("agencies.children", "Đơn vị trực thuộc", "Agencies under it"),
    ("users.title", "Người dùng", "Users"),
    ("users.new", "Thêm người dùng", "New user"),
    ("users.edit", "Sửa người dùng", "Edit user"),
    ("users.full_name", "Họ và tên", "Full name"),
    ("users.email", "Thư điện tử", "Email"),
    ("users.role", "Vai trò", "Role"),
    ("users.agency", "Đơn vị", "Agency"),
    ("users.new_password", "Mật khẩu mới (để trống nếu không đổi)", "New password (leave empty to keep)"),
    ("users.active", "Cho phép đăng nhập", "May log in"),
    ("units.title", "Đơn vị hành chính", "Administrative units"),
    (
        "units.search_help",
        "Tìm theo tên (có hoặc không dấu) hoặc mã",
        "Search by name (with or without diacritics) or code",
    ),
    ("units.include_legacy", "Gồm cả đơn vị cũ (trước 01/7/2025)", "Include legacy units (before 1 July 2025)"),
    ("units.successors", "Đơn vị kế thừa", "Successor units"),
    ("units.predecessors", "Hình thành từ", "Formed from"),
    ("units.whole", "toàn bộ", "whole"),
    ("units.part", "một phần", "part"),
    ("units.in_force", "Đang có hiệu lực", "In force"),
    ("units.legacy", "Đã hết hiệu lực", "No longer in force"),
    ("units.children", "Đơn vị trực thuộc", "Units under it"),
    ("units.parent", "Thuộc", "Part of"),
    ("units.no_results", "Không tìm thấy đơn vị nào.", "No units found."),
    ("keys.title", "Khoá API", "API keys"),
    (
        "keys.help",
        "Khoá API cho hệ thống thông tin gọi API của tỉnh số. Khoá chỉ hiện một lần.",
        "API keys let information systems call tinhso's API. A key is shown once only.",
    ),
    ("keys.name", "Tên khoá", "Key name"),
    ("keys.access", "Quyền", "Access"),
    ("keys.read", "Chỉ đọc", "Read only"),
    ("keys.write", "Đọc và ghi", "Read and write"),
    ("keys.create", "Tạo khoá", "Create key"),
    (
        "keys.created",
        "Khoá mới (sao chép ngay, sẽ không hiện lại):",
        "New key (copy it now, it will not be shown again):",
    ),
    ("keys.revoke", "Thu hồi", "Revoke"),
    ("keys.revoked", "Đã thu hồi", "Revoked"),
    ("keys.last_used", "Dùng lần cuối", "Last used"),
    ("keys.prefix", "Tiền tố", "Prefix"),
];

impl Msg {
    /// The text for `key` in `lang`; the key itself if the catalogue lacks it
    /// (a tidy test checks every key used in templates exists).
    pub fn get(key: &str, lang: Lang) -> &str {
        match CATALOGUE.iter().find(|(k, _, _)| *k == key) {
            Some((_, vi, en)) => match lang {
                Lang::Vi => vi,
                Lang::En => en,
            },
            None => key,
        }
    }

    pub fn has(key: &str) -> bool {
        CATALOGUE.iter().any(|(k, _, _)| *k == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_translated() {
        for (i, (k, vi, en)) in CATALOGUE.iter().enumerate() {
            assert!(!vi.is_empty() && !en.is_empty(), "{k}");
            assert!(CATALOGUE[i + 1..].iter().all(|(k2, _, _)| k2 != k), "duplicate key {k}");
        }
        assert_eq!(Msg::get("nav.users", Lang::En), "Users");
        assert_eq!(Msg::get("nav.users", Lang::Vi), "Người dùng");
        assert_eq!(Msg::get("no.such", Lang::Vi), "no.such");
    }
}
