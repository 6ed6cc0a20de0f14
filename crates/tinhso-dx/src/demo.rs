//! The demo province's programme (the seed scenario): the 2023 plan in the 10
//! groups with the 2023 KPIs of the articles (80 % online services with
//! dossiers, 100 % results digitised, 50 % SMEs on digital platforms, 35 %
//! adults with e-payment accounts), a year of monthly reviews with some
//! agencies late, Plan 1282/KH-UBND, this year's plan with KPIs computed by
//! SQL over the demo warehouse, and DTI: ranks 34/63 (2021) and 47/63 (2022)
//! as the articles state them, a top-20 target for 2030, and the published
//! 2022 ranking of the 63 provinces. Monthly KPI values of 2023, task
//! progress and review reports are generated for the demo.

use chrono::{Datelike, Duration, NaiveDate, TimeZone};
use tinhso_domain::{Error, Scope};
use tinhso_store::{IndexResult, IndexTarget, KpiInput, PlanInput, TaskInput};
use tinhso_warehouse::Actor;

use crate::kpi::Month;
use crate::review::{is_late, vn, ReportDoc, ReportItem};
use crate::Tracker;

/// (code, group, title, lead, cooperating, start, due, output, budget in đồng, status, progress, datasets)
type Task = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static str,
    &'static str,
    &'static str,
    i64,
    &'static str,
    i64,
    &'static [&'static str],
);

const PLAN_2023: &[Task] = &[
    (
        "NT-01",
        "nhan-thuc-so",
        "Tổ chức hội nghị quán triệt, triển khai chuyển đổi số năm 2023",
        "SKHCN",
        &["VP-UBND"],
        "2023-01-05",
        "2023-03-31",
        "Hội nghị toàn tỉnh",
        150_000_000,
        "hoan-thanh",
        100,
        &[],
    ),
    (
        "NT-02",
        "nhan-thuc-so",
        "Duy trì chuyên trang, chuyên mục chuyển đổi số; tăng thời lượng tuyên truyền trên mạng xã hội",
        "SVHTTDL",
        &["SKHCN"],
        "2023-01-05",
        "2023-12-31",
        "Chuyên trang chuyển đổi số trên Cổng thông tin điện tử tỉnh",
        300_000_000,
        "hoan-thanh",
        100,
        &[],
    ),
    (
        "TC-01",
        "the-che-so",
        "Ban hành bộ chỉ số đánh giá chuyển đổi số của các sở, ngành, địa phương",
        "SKHCN",
        &["SNV"],
        "2023-01-15",
        "2023-06-30",
        "Quyết định ban hành bộ chỉ số",
        0,
        "hoan-thanh",
        100,
        &[],
    ),
    (
        "TC-02",
        "the-che-so",
        "Ban hành quy chế quản lý, khai thác, chia sẻ dữ liệu dùng chung của tỉnh",
        "STP",
        &["SKHCN"],
        "2023-03-01",
        "2023-09-30",
        "Quy chế được UBND tỉnh ban hành",
        0,
        "dang-thuc-hien",
        70,
        &[],
    ),
    (
        "HT-01",
        "ha-tang-so",
        "Nâng cấp Trung tâm tích hợp dữ liệu tỉnh",
        "SKHCN",
        &["STC"],
        "2023-02-01",
        "2023-12-31",
        "Trung tâm dữ liệu đạt cấp độ 3",
        4_500_000_000,
        "dang-thuc-hien",
        80,
        &[],
    ),
    (
        "HT-02",
        "ha-tang-so",
        "Triển khai hệ thống loa truyền thanh thông minh cấp xã",
        "SVHTTDL",
        &["SKHCN"],
        "2023-03-01",
        "2023-12-31",
        "Loa truyền thanh ứng dụng CNTT tại các xã",
        3_200_000_000,
        "hoan-thanh",
        100,
        &[],
    ),
    (
        "DL-01",
        "du-lieu-so",
        "Xây dựng kho dữ liệu dùng chung của tỉnh",
        "SKHCN",
        &["CAT", "STC"],
        "2023-01-15",
        "2023-12-31",
        "Kho dữ liệu dùng chung vận hành",
        2_800_000_000,
        "hoan-thanh",
        100,
        &["ho-so-tthc", "dan-so-xa"],
    ),
    (
        "DL-02",
        "du-lieu-so",
        "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính",
        "VP-UBND",
        &["SNV"],
        "2023-01-15",
        "2023-12-31",
        "100 % kết quả giải quyết TTHC được số hóa",
        1_200_000_000,
        "dang-thuc-hien",
        90,
        &["ho-so-tthc"],
    ),
    (
        "DL-03",
        "du-lieu-so",
        "Xây dựng cơ sở dữ liệu ngành y tế",
        "SYT",
        &[],
        "2023-02-01",
        "2023-10-31",
        "Cơ sở dữ liệu cơ sở khám, chữa bệnh",
        900_000_000,
        "hoan-thanh",
        100,
        &["co-so-y-te"],
    ),
    (
        "DL-04",
        "du-lieu-so",
        "Xây dựng cơ sở dữ liệu giáo dục và đào tạo",
        "SGDDT",
        &[],
        "2023-02-01",
        "2023-09-30",
        "Cơ sở dữ liệu trường học, học sinh",
        700_000_000,
        "hoan-thanh",
        100,
        &["truong-hoc"],
    ),
    (
        "NS-01",
        "nen-tang-so",
        "Triển khai Trung tâm giám sát, điều hành thông minh (IOC) cấp tỉnh",
        "SKHCN",
        &["VP-UBND"],
        "2023-03-01",
        "2023-12-31",
        "IOC vận hành với các bảng điều khiển chuyên ngành",
        3_500_000_000,
        "hoan-thanh",
        100,
        &[],
    ),
    (
        "NS-02",
        "nen-tang-so",
        "Kết nối nền tảng tích hợp, chia sẻ dữ liệu cấp tỉnh (LGSP) với nền tảng quốc gia (NDXP)",
        "SKHCN",
        &[],
        "2023-02-01",
        "2023-08-31",
        "Kết nối thông suốt",
        0,
        "hoan-thanh",
        100,
        &[],
    ),
    (
        "NS-03",
        "nen-tang-so",
        "Triển khai nền tảng số ngành nông nghiệp",
        "SNNMT",
        &["SKHCN"],
        "2023-04-01",
        "2023-12-31",
        "Nền tảng truy xuất nguồn gốc nông sản",
        800_000_000,
        "dang-thuc-hien",
        65,
        &[],
    ),
    (
        "AT-01",
        "an-toan-thong-tin",
        "Giám sát an toàn thông tin theo mô hình 4 lớp cho các hệ thống dùng chung",
        "SKHCN",
        &["CAT"],
        "2023-01-15",
        "2023-12-31",
        "Hệ thống giám sát 4 lớp",
        1_100_000_000,
        "hoan-thanh",
        100,
        &[],
    ),
    (
        "AT-02",
        "an-toan-thong-tin",
        "Diễn tập ứng cứu sự cố an toàn thông tin mạng",
        "CAT",
        &["SKHCN"],
        "2023-06-01",
        "2023-11-30",
        "Diễn tập thực chiến",
        200_000_000,
        "hoan-thanh",
        100,
        &[],
    ),
    (
        "NL-01",
        "nhan-luc-so",
        "Đào tạo, bồi dưỡng kỹ năng số cho cán bộ, công chức, viên chức",
        "SNV",
        &["SKHCN"],
        "2023-02-01",
        "2023-12-31",
        "2.000 lượt cán bộ được đào tạo",
        500_000_000,
        "hoan-thanh",
        100,
        &[],
    ),
    (
        "NL-02",
        "nhan-luc-so",
        "Tập huấn kỹ năng cho thành viên tổ công nghệ số cộng đồng",
        "SKHCN",
        &["SNV"],
        "2023-03-01",
        "2023-12-31",
        "Thành viên các tổ được tập huấn",
        400_000_000,
        "dang-thuc-hien",
        75,
        &["to-cong-nghe-so"],
    ),
    (
        "CQ-01",
        "chinh-quyen-so",
        "Cung cấp dịch vụ công trực tuyến toàn trình cho 100 % thủ tục hành chính đủ điều kiện",
        "VP-UBND",
        &["SYT", "SGDDT", "SXD", "SCT"],
        "2023-01-05",
        "2023-12-31",
        "Dịch vụ công toàn trình trên Cổng dịch vụ công tỉnh",
        0,
        "hoan-thanh",
        100,
        &["ho-so-tthc"],
    ),
    (
        "CQ-02",
        "chinh-quyen-so",
        "Quản lý văn bản, chữ ký số đến cấp xã",
        "VP-UBND",
        &["SKHCN"],
        "2023-01-05",
        "2023-06-30",
        "Văn bản điện tử liên thông 4 cấp",
        0,
        "hoan-thanh",
        100,
        &[],
    ),
    (
        "KT-01",
        "kinh-te-so",
        "Hỗ trợ doanh nghiệp nhỏ và vừa chuyển đổi số",
        "SCT",
        &["SKHCN", "STC"],
        "2023-02-01",
        "2023-12-31",
        "50 % doanh nghiệp nhỏ và vừa dùng nền tảng số",
        600_000_000,
        "dang-thuc-hien",
        85,
        &["doanh-nghiep"],
    ),
    (
        "KT-02",
        "kinh-te-so",
        "Đưa sản phẩm OCOP lên sàn thương mại điện tử",
        "SCT",
        &["SNNMT"],
        "2023-02-01",
        "2023-12-31",
        "Sản phẩm OCOP trên sàn",
        300_000_000,
        "hoan-thanh",
        100,
        &[],
    ),
    (
        "XH-01",
        "xa-hoi-so",
        "Phát triển tài khoản thanh toán điện tử cho người trưởng thành (mục tiêu 35 %)",
        "STC",
        &["CAT"],
        "2023-01-15",
        "2023-12-31",
        "35 % người trưởng thành có tài khoản",
        0,
        "hoan-thanh",
        100,
        &["tai-khoan-thanh-toan"],
    ),
    (
        "XH-02",
        "xa-hoi-so",
        "Thành lập, duy trì tổ công nghệ số cộng đồng tại 100 % thôn, khu phố",
        "SKHCN",
        &["SNV"],
        "2023-01-05",
        "2023-06-30",
        "Tổ công nghệ số tại mọi thôn, khu phố",
        0,
        "hoan-thanh",
        100,
        &["to-cong-nghe-so"],
    ),
    (
        "XH-03",
        "xa-hoi-so",
        "Triển khai sổ sức khỏe điện tử cho người dân",
        "SYT",
        &["CAT"],
        "2023-03-01",
        "2023-12-31",
        "Sổ sức khỏe điện tử trên VNeID",
        0,
        "dang-thuc-hien",
        60,
        &[],
    ),
];

/// The 2023 KPIs: (code, name, name_en, group, baseline, target, monthly values Jan–Dec 2023).
/// (code, name, name_en, group, baseline, target, monthly values Jan–Dec 2023).
type Kpi2023 = (&'static str, &'static str, &'static str, &'static str, f64, f64, [f64; 12]);

const KPIS_2023: &[Kpi2023] = &[
    (
        "dvc-phat-sinh-ho-so-2023",
        "Tỷ lệ dịch vụ công trực tuyến phát sinh hồ sơ",
        "Online public services with dossiers",
        "chinh-quyen-so",
        41.2,
        80.0,
        [43.5, 46.0, 49.8, 53.1, 57.4, 60.2, 64.0, 67.5, 71.3, 75.0, 78.6, 81.4],
    ),
    (
        "so-hoa-ket-qua-2023",
        "Tỷ lệ hồ sơ, kết quả giải quyết TTHC được số hóa",
        "TTHC dossiers and results digitised",
        "du-lieu-so",
        55.0,
        100.0,
        [58.0, 61.2, 64.5, 68.0, 71.1, 74.3, 77.0, 80.2, 83.5, 86.9, 90.4, 93.5],
    ),
    (
        "sme-nen-tang-so-2023",
        "Tỷ lệ doanh nghiệp nhỏ và vừa sử dụng nền tảng số",
        "SMEs using digital platforms",
        "kinh-te-so",
        28.0,
        50.0,
        [28.5, 29.4, 30.1, 31.0, 32.6, 33.8, 35.0, 36.9, 38.2, 40.1, 42.0, 44.0],
    ),
    (
        "thanh-toan-dien-tu-2023",
        "Tỷ lệ người trưởng thành có tài khoản thanh toán điện tử",
        "Adults with e-payment accounts",
        "xa-hoi-so",
        22.0,
        35.0,
        [23.1, 24.0, 25.2, 26.4, 27.5, 28.9, 30.0, 31.2, 32.4, 33.6, 35.1, 36.2],
    ),
];

/// (code, group, title, lead, cooperating, due, status, progress) of this year's tasks.
type CurrentTask = (String, &'static str, String, &'static str, Vec<&'static str>, String, &'static str, i64);

/// The same four measures for the current year, computed by SQL from the warehouse.
const KPIS_SQL: &[(&str, &str, &str, &str, f64, f64, &str)] = &[
    ("dvc-phat-sinh-ho-so", "Tỷ lệ dịch vụ công trực tuyến phát sinh hồ sơ", "Online public services with dossiers", "chinh-quyen-so", 81.4, 90.0,
        "SELECT round(100.0 * count(DISTINCT CASE WHEN truc_tuyen THEN ma_thu_tuc END) / nullif(count(DISTINCT ma_thu_tuc), 0), 1) AS actual\nFROM ho_so_tthc\nWHERE ngay_tiep_nhan >= {{month_start}} AND ngay_tiep_nhan < {{month_end}}"),
    ("ho-so-truc-tuyen", "Tỷ lệ hồ sơ thủ tục hành chính nộp trực tuyến", "Dossiers submitted online", "chinh-quyen-so", 0.0, 60.0,
        "SELECT round(100.0 * sum(CASE WHEN truc_tuyen THEN 1 ELSE 0 END) / nullif(count(*), 0), 1) AS actual\nFROM ho_so_tthc\nWHERE ngay_tiep_nhan >= {{month_start}} AND ngay_tiep_nhan < {{month_end}}"),
    ("so-hoa-ket-qua", "Tỷ lệ hồ sơ, kết quả giải quyết TTHC được số hóa", "TTHC dossiers and results digitised", "du-lieu-so", 93.5, 100.0,
        "SELECT round(100.0 * sum(CASE WHEN so_hoa_ket_qua THEN 1 ELSE 0 END) / nullif(count(*), 0), 1) AS actual\nFROM ho_so_tthc\nWHERE ngay_tra_ket_qua >= {{month_start}} AND ngay_tra_ket_qua < {{month_end}}"),
    ("sme-nen-tang-so", "Tỷ lệ doanh nghiệp nhỏ và vừa sử dụng nền tảng số", "SMEs using digital platforms", "kinh-te-so", 44.0, 60.0,
        "SELECT round(100.0 * sum(CASE WHEN nen_tang_so THEN 1 ELSE 0 END) / nullif(count(*), 0), 1) AS actual\nFROM doanh_nghiep\nWHERE quy_mo IN ('Siêu nhỏ', 'Nhỏ', 'Vừa') AND ngay_thanh_lap < {{month_end}}"),
    ("thanh-toan-dien-tu", "Tỷ lệ người trưởng thành có tài khoản thanh toán điện tử", "Adults with e-payment accounts", "xa-hoi-so", 36.2, 50.0,
        "SELECT round(100.0 * sum(so_co_tai_khoan) / nullif(sum(so_nguoi_truong_thanh), 0), 1) AS actual\nFROM tai_khoan_thanh_toan\nWHERE thang >= {{month_start}} AND thang < {{month_end}}"),
];

const OBSTACLES: &[&str] = &[
    "Thiếu công chức chuyên trách công nghệ thông tin để tham mưu triển khai.",
    "Kinh phí thực hiện nhiệm vụ chưa được bố trí kịp thời.",
    "Nền tảng dùng chung của bộ, ngành chưa kết nối, chia sẻ dữ liệu với hệ thống của tỉnh.",
    "Hạ tầng mạng ở một số thôn vùng sâu, vùng xa chưa ổn định.",
    "Người dân còn quen nộp hồ sơ trực tiếp.",
];

const PROPOSALS: &[&str] = &[
    "Đề nghị Sở Tài chính sớm thẩm định, bố trí kinh phí.",
    "Đề nghị Sở Khoa học và Công nghệ hướng dẫn chuẩn kết nối dữ liệu.",
    "Đề nghị tăng cường tập huấn cho tổ công nghệ số cộng đồng.",
];

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("valid demo date")
}

/// Unix time of a Vietnamese local day and hour.
fn at(day: NaiveDate, hour: u32) -> i64 {
    vn().from_local_datetime(&day.and_hms_opt(hour, 0, 0).expect("valid")).single().map(|t| t.timestamp()).unwrap_or(0)
}

/// Seeds the programme once (nothing when a plan exists). `today` is the demo's day.
pub async fn seed(t: &Tracker, today: NaiveDate) -> Result<bool, Error> {
    let store = t.store();
    let projects = seed_projects(t).await?;
    if !store.dx_plans().await?.is_empty() {
        return Ok(projects);
    }
    t.install_builtins().await?;
    let agencies = store.agencies(&Scope::Province).await?;
    let id = |code: &str| agencies.iter().find(|a| a.code == code).map(|a| a.id);
    let Some(ubnd) = id("UBND") else { return Ok(false) };
    let datasets: Vec<String> = store.datasets().await?.into_iter().map(|d| d.slug).collect();
    let task = |x: &Task| -> Option<TaskInput> {
        Some(TaskInput {
            code: x.0.into(),
            group_code: x.1.into(),
            title: x.2.into(),
            lead_agency_id: id(x.3)?,
            cooperating: serde_json::to_string(&x.4.iter().filter(|c| id(c).is_some()).collect::<Vec<_>>())
                .unwrap_or_default(),
            start_on: Some(x.5.into()),
            due_on: x.6.into(),
            output: x.7.into(),
            budget: (x.8 > 0).then_some(x.8),
            status: x.9.into(),
            progress: x.10,
            datasets: serde_json::to_string(
                &x.11.iter().filter(|s| datasets.iter().any(|d| d == *s)).collect::<Vec<_>>(),
            )
            .unwrap_or_default(),
            projects: "[]".into(),
        })
    };

    // Plan 1282/KH-UBND (2022–2025, to 2030).
    let long: &[Task] = &[
        (
            "1282-01",
            "the-che-so",
            "Cụ thể hóa Nghị quyết 10-NQ/TU về chuyển đổi số bằng kế hoạch hằng năm của các sở, ngành, địa phương",
            "SKHCN",
            &["SNV"],
            "2022-05-04",
            "2025-12-31",
            "Kế hoạch chuyển đổi số hằng năm",
            0,
            "dang-thuc-hien",
            80,
            &[],
        ),
        (
            "1282-02",
            "du-lieu-so",
            "Hình thành kho dữ liệu dùng chung, dữ liệu mở của tỉnh",
            "SKHCN",
            &["CAT"],
            "2022-05-04",
            "2025-12-31",
            "Kho dữ liệu dùng chung, cổng dữ liệu mở",
            0,
            "dang-thuc-hien",
            85,
            &["ho-so-tthc"],
        ),
        (
            "1282-03",
            "chinh-quyen-so",
            "Đưa tỉnh vào nhóm 20 tỉnh dẫn đầu về chỉ số chuyển đổi số (DTI)",
            "SKHCN",
            &["VP-UBND"],
            "2022-05-04",
            "2030-12-31",
            "Xếp hạng DTI trong top 20",
            0,
            "dang-thuc-hien",
            30,
            &[],
        ),
    ];
    let plan_1282 = store
        .dx_save_plan(
            None,
            &PlanInput {
                code: "1282/KH-UBND".into(),
                title:
                    "Kế hoạch triển khai Nghị quyết số 10-NQ/TU về chuyển đổi số đến năm 2025, định hướng đến năm 2030"
                        .into(),
                agency_id: Some(ubnd),
                year_from: 2022,
                year_to: 2025,
                issued_on: Some("2022-05-04".into()),
            },
            &long.iter().filter_map(task).collect::<Vec<_>>(),
        )
        .await?;
    let plan_2023 = store
        .dx_save_plan(
            None,
            &PlanInput {
                code: "KH-CĐS-2023".into(),
                title: "Kế hoạch chuyển đổi số năm 2023 (10 nhóm nội dung)".into(),
                agency_id: Some(ubnd),
                year_from: 2023,
                year_to: 2023,
                issued_on: Some("2023-01-05".into()),
            },
            &PLAN_2023.iter().filter_map(task).collect::<Vec<_>>(),
        )
        .await?;

    // This year's plan, with deadlines around today.
    let year = today.year();
    let rel = |days: i64| (today + Duration::days(days)).to_string();
    let start = format!("{year}-01-15");
    let current: Vec<CurrentTask> = vec![
        (
            "CĐS-01".into(),
            "du-lieu-so",
            "Cập nhật bộ dữ liệu cơ sở y tế lên kho dữ liệu dùng chung hằng quý".into(),
            "SYT",
            vec!["SKHCN"],
            rel(-10),
            "dang-thuc-hien",
            60,
        ),
        (
            "CĐS-02".into(),
            "chinh-quyen-so",
            "Kết nối hệ thống khám chữa bệnh với nền tảng hồ sơ sức khỏe điện tử".into(),
            "SYT",
            vec!["CAT"],
            rel(25),
            "dang-thuc-hien",
            40,
        ),
        (
            "CĐS-03".into(),
            "du-lieu-so",
            "Làm sạch dữ liệu hồ sơ thủ tục hành chính, bổ sung mã xã theo đơn vị hành chính mới".into(),
            "VP-UBND",
            vec!["SKHCN"],
            rel(40),
            "dang-thuc-hien",
            55,
        ),
        (
            "CĐS-04".into(),
            "xa-hoi-so",
            "Cập nhật danh sách tổ công nghệ số cộng đồng sau sắp xếp đơn vị hành chính".into(),
            "SKHCN",
            vec!["XA-21583"],
            rel(15),
            "dang-thuc-hien",
            70,
        ),
        (
            "CĐS-05".into(),
            "ha-tang-so",
            "Phủ sóng di động băng rộng tại các thôn còn vùng lõm".into(),
            "SKHCN",
            vec!["SXD"],
            rel(-30),
            "dang-thuc-hien",
            45,
        ),
        (
            "CĐS-06".into(),
            "nhan-luc-so",
            "Bồi dưỡng kỹ năng số cho cán bộ cấp xã sau sắp xếp".into(),
            "SNV",
            vec!["SKHCN"],
            rel(50),
            "dang-thuc-hien",
            30,
        ),
        (
            "CĐS-07".into(),
            "kinh-te-so",
            "Hỗ trợ hộ kinh doanh dùng hóa đơn điện tử, thanh toán không dùng tiền mặt".into(),
            "SCT",
            vec!["STC"],
            rel(55),
            "chua-bat-dau",
            0,
        ),
        (
            "CĐS-08".into(),
            "an-toan-thong-tin",
            "Đánh giá an toàn thông tin các hệ thống cấp độ 3".into(),
            "CAT",
            vec!["SKHCN"],
            rel(-5),
            "dang-thuc-hien",
            80,
        ),
        (
            "CĐS-09".into(),
            "nhan-thuc-so",
            "Tuyên truyền chuyển đổi số trên hệ thống loa truyền thanh cấp xã".into(),
            "SVHTTDL",
            vec!["XA-21583"],
            format!("{year}-06-30"),
            "hoan-thanh",
            100,
        ),
        (
            "CĐS-10".into(),
            "nen-tang-so",
            "Mở rộng IOC: giám sát giải quyết thủ tục hành chính theo xã".into(),
            "SKHCN",
            vec!["VP-UBND"],
            rel(20),
            "dang-thuc-hien",
            65,
        ),
        (
            "CĐS-11".into(),
            "the-che-so",
            "Cập nhật quy chế chia sẻ dữ liệu theo đơn vị hành chính hai cấp".into(),
            "STP",
            vec!["SKHCN"],
            rel(45),
            "dang-thuc-hien",
            35,
        ),
        (
            "CĐS-12".into(),
            "chinh-quyen-so",
            "Số hóa kết quả giải quyết TTHC còn tồn tại UBND phường".into(),
            "XA-21583",
            vec![],
            rel(12),
            "dang-thuc-hien",
            50,
        ),
    ];
    let current_tasks: Vec<TaskInput> = current
        .iter()
        .filter_map(|c| {
            Some(TaskInput {
                code: c.0.clone(),
                group_code: c.1.into(),
                title: c.2.clone(),
                lead_agency_id: id(c.3)?,
                cooperating: serde_json::to_string(&c.4.iter().filter(|x| id(x).is_some()).collect::<Vec<_>>())
                    .unwrap_or_default(),
                start_on: Some(start.clone().min(c.5.clone())),
                due_on: c.5.clone(),
                output: String::new(),
                budget: None,
                status: c.6.into(),
                progress: c.7,
                datasets: "[]".into(),
                projects: "[]".into(),
            })
        })
        .collect();
    let plan_now = store
        .dx_save_plan(
            None,
            &PlanInput {
                code: format!("KH-CĐS-{year}"),
                title: format!("Kế hoạch chuyển đổi số năm {year}"),
                agency_id: Some(ubnd),
                year_from: i64::from(year),
                year_to: i64::from(year),
                issued_on: Some(format!("{year}-01-10")),
            },
            &current_tasks,
        )
        .await?;
    let _ = plan_1282;

    // The 2023 KPIs, entered month by month (manual), and this year's computed by SQL.
    for (code, name, en, group, baseline, target, values) in KPIS_2023 {
        let k = store
            .dx_save_kpi(&KpiInput {
                code: (*code).into(),
                plan_id: Some(plan_2023.id),
                group_code: (*group).into(),
                name: (*name).into(),
                name_en: (*en).into(),
                unit: "%".into(),
                baseline: *baseline,
                baseline_on: "2023-01-01".into(),
                target: *target,
                target_on: "2023-12-31".into(),
                higher_is_better: true,
                method: "manual".into(),
                sql_text: String::new(),
                agency_id: id("SKHCN"),
            })
            .await?;
        let vals: Vec<(String, f64)> =
            values.iter().enumerate().map(|(i, v)| (format!("2023-{:02}", i + 1), *v)).collect();
        store.dx_record_kpi_values(k.id, &vals, "manual", "Báo cáo tháng của cơ quan chủ trì", None).await?;
    }
    let system = Actor::system();
    for (code, name, en, group, baseline, target, sql) in KPIS_SQL {
        let k = store
            .dx_save_kpi(&KpiInput {
                code: (*code).into(),
                plan_id: Some(plan_now.id),
                group_code: (*group).into(),
                name: (*name).into(),
                name_en: (*en).into(),
                unit: "%".into(),
                baseline: *baseline,
                baseline_on: format!("{year}-01-01"),
                target: *target,
                target_on: format!("{year}-12-31"),
                higher_is_better: true,
                method: "sql".into(),
                sql_text: (*sql).into(),
                agency_id: id("SKHCN"),
            })
            .await?;
        // Every month of this year the warehouse has data for.
        let mut m = Month { year, month: 1 };
        let mut vals = Vec::new();
        while m <= Month::of(today) {
            if let Ok(v) = t.evaluate(&system, code, sql, m).await {
                vals.push((m.to_string(), v));
            }
            m = m.next();
        }
        if let Some((first, v0)) = vals.first().cloned() {
            // The baseline is the first month the warehouse has: measured, not assumed.
            let mut input = KpiInput {
                code: k.code.clone(),
                plan_id: k.plan_id,
                group_code: k.group_code.clone(),
                name: k.name.clone(),
                name_en: k.name_en.clone(),
                unit: k.unit.clone(),
                baseline: v0,
                baseline_on: format!("{first}-01"),
                target: k.target,
                target_on: k.target_on.clone(),
                higher_is_better: k.higher_is_better,
                method: k.method.clone(),
                sql_text: k.sql_text.clone(),
                agency_id: k.agency_id,
            };
            if input.baseline_on >= input.target_on {
                input.baseline_on = format!("{year}-01-01");
            }
            store.dx_save_kpi(&input).await?;
            store.dx_record_kpi_values(k.id, &vals, "sql", "", None).await?;
        }
    }

    // A year of monthly reviews (2023), with some agencies late or missing.
    let tasks_2023 = store.dx_tasks(Some(plan_2023.id)).await?;
    let mut reporting: Vec<i64> = Vec::new();
    for tk in &tasks_2023 {
        reporting.push(tk.lead_agency_id);
        for c in serde_json::from_str::<Vec<String>>(&tk.cooperating).unwrap_or_default() {
            if let Some(i) = id(&c) {
                reporting.push(i);
            }
        }
    }
    reporting.sort_unstable();
    reporting.dedup();
    let sched = t.schedule();
    for month in 1..=12u32 {
        let m = Month { year: 2023, month };
        let due = sched.due_on(m);
        let review =
            store.dx_open_review(&m.to_string(), &due.to_string(), &reporting, at(sched.opens_on(m), 8)).await?;
        for (i, agency) in reporting.iter().enumerate() {
            let code = agencies.iter().find(|a| a.id == *agency).map(|a| a.code.clone()).unwrap_or_default();
            // Deterministic pattern: most on time, some late, a few never.
            let k = (i as u32 * 7 + month * 3) % 17;
            let day = match k {
                0 if month % 4 == 2 => continue,
                1..=2 => due + Duration::days(i64::from(k) + 2),
                _ => due - Duration::days(i64::from(k % 4)),
            };
            let when = at(day, 9 + (k % 8));
            let mine: Vec<&tinhso_store::TaskRecord> = tasks_2023
                .iter()
                .filter(|tk| {
                    tk.lead_agency_id == *agency
                        || serde_json::from_str::<Vec<String>>(&tk.cooperating).unwrap_or_default().contains(&code)
                })
                .collect();
            let items = mine
                .iter()
                .map(|tk| {
                    let lead = tk.lead_agency_id == *agency;
                    let end = NaiveDate::parse_from_str(&tk.due_on, "%Y-%m-%d").unwrap_or(due);
                    let begin = tk.start_on.as_deref().map(d).unwrap_or(d("2023-01-01"));
                    let span = (end - begin).num_days().max(1) as f64;
                    let share = ((m.last_day() - begin).num_days() as f64 / span).clamp(0.0, 1.0);
                    ReportItem {
                        task: tk.code.clone(),
                        progress: lead.then(|| ((tk.progress as f64) * share).round() as i64),
                        status: None,
                        result: if lead {
                            format!("Đạt khoảng {} % khối lượng.", ((tk.progress as f64) * share).round())
                        } else {
                            "Phối hợp theo kế hoạch.".into()
                        },
                        obstacles: String::new(),
                        proposals: String::new(),
                    }
                })
                .collect();
            // Some reports raise an obstacle or a proposal (never addressed to the agency itself).
            let n = i + month as usize;
            let obstacles =
                if n.is_multiple_of(4) { OBSTACLES[n % OBSTACLES.len()].to_string() } else { String::new() };
            let own = agencies.iter().find(|a| a.id == *agency).map(|a| a.name_vi.clone()).unwrap_or_default();
            let proposals = PROPOSALS
                .get(n % 6)
                .filter(|p| !p.contains(own.as_str()) && n.is_multiple_of(3))
                .map(|p| p.to_string())
                .unwrap_or_default();
            let doc = ReportDoc { items, obstacles, proposals };
            let content = serde_json::to_string(&doc).map_err(Error::internal)?;
            store.dx_submit_report(review.id, *agency, &content, None, when, is_late(due, when), &[]).await?;
        }
        let reports = store.dx_review_reports(review.id).await?;
        let meeting = m.next().day(5);
        let summary = crate::review::consolidate(m, &reports, due, meeting);
        store.dx_close_review(review.id, &summary, Some(&meeting.to_string()), None, at(meeting, 16)).await?;
    }

    // DTI: the framework's ranking of 2022, the province's ranks as the articles state them, the target.
    let rows = crate::dti::read_rankings(
        "dti-2022-provinces.csv",
        crate::dti::RANKING_2022,
        &crate::dti::builtin()[0],
        tinhso_domain::AdminUnits::embedded(),
    )
    .map_err(crate::join_errors)?;
    let stored: Vec<tinhso_store::RankingRow> = rows
        .iter()
        .map(|r| tinhso_store::RankingRow {
            year: r.year,
            province: r.province.clone(),
            rank: r.rank,
            score: r.score,
            sub_indices: serde_json::to_string(&r.indices).unwrap_or_else(|_| "{}".into()),
            source: "https://dti.gov.vn/xep-hang-2022".into(),
        })
        .collect();
    store.dti_replace_rankings(&stored).await?;
    for (y, rank, source) in [
        (2021, 34, "Báo cáo tại hội nghị chuyển đổi số của tỉnh: «năm 2021 xếp thứ 34/63»"),
        (2022, 47, "Trả lời chất vấn tại kỳ họp HĐND tỉnh: «Năm 2022 … xếp thứ 47/63»"),
    ] {
        store
            .dx_save_index_result(
                &IndexResult {
                    index_code: "DTI".into(),
                    year: y,
                    score: None,
                    rank: Some(rank),
                    of_count: Some(63),
                    sub_indices: "{}".into(),
                    source: source.into(),
                },
                None,
            )
            .await?;
    }
    store
        .dx_save_index_target(&IndexTarget {
            index_code: "DTI".into(),
            year: 2030,
            rank_target: Some(20),
            score_target: None,
            note: "Nhóm 20 tỉnh dẫn đầu về chuyển đổi số (Kế hoạch 1282/KH-UBND)".into(),
        })
        .await?;
    // The 2023 self-assessment of the 8 scored indices (demo values, with evidence named).
    let assess: Vec<(String, f64, String)> = [
        ("1", 0.72, "Hội nghị quán triệt; chuyên trang chuyển đổi số"),
        ("2", 0.80, "Quyết định ban hành bộ chỉ số; quy chế chia sẻ dữ liệu (dự thảo)"),
        ("3", 0.58, "Trung tâm tích hợp dữ liệu; phủ sóng băng rộng"),
        ("4", 0.41, "Kết quả đào tạo kỹ năng số 2023"),
        ("5", 0.49, "Giám sát 4 lớp; diễn tập ứng cứu sự cố"),
        ("7", 0.55, "Tỷ lệ dịch vụ công trực tuyến phát sinh hồ sơ 81,4 %"),
        ("8", 0.38, "Doanh nghiệp nhỏ và vừa dùng nền tảng số 44 %"),
        ("9", 0.33, "Tài khoản thanh toán điện tử 36,2 %; tổ công nghệ số cộng đồng"),
    ]
    .iter()
    .map(|(c, v, e)| (c.to_string(), *v, e.to_string()))
    .collect();
    store.dti_save_assessments(2023, "dti-2022", &assess, None).await?;
    Ok(true)
}

/// (owner, name, kind, group) of the demo's IT projects.
const PROJECTS: &[(&str, &str, &str, &str)] = &[
    ("VP-UBND", "Nâng cấp Hệ thống thông tin giải quyết thủ tục hành chính tỉnh", "dau-tu", "chinh-quyen-so"),
    ("SNNMT", "Xây dựng cơ sở dữ liệu đất đai", "dau-tu", "du-lieu-so"),
    ("SYT", "Phần mềm quản lý hồ sơ sức khỏe điện tử", "thue-dich-vu", "xa-hoi-so"),
    ("CAT", "Hệ thống camera giám sát an ninh, trật tự và giao thông", "dau-tu", "ha-tang-so"),
    ("VP-UBND", "Thuê dịch vụ hội nghị truyền hình trực tuyến đến cấp xã", "thue-dich-vu", "chinh-quyen-so"),
    ("SGDDT", "Phần mềm quản lý trường học và sổ liên lạc điện tử", "thue-dich-vu", "xa-hoi-so"),
    ("SKHCN", "Nâng cấp Trung tâm tích hợp dữ liệu tỉnh", "dau-tu", "ha-tang-so"),
    ("SKHCN", "Nền tảng tích hợp, chia sẻ dữ liệu cấp tỉnh (LGSP) giai đoạn 2", "dau-tu", "nen-tang-so"),
    ("STC", "Hệ thống quản lý tài sản công", "thue-dich-vu", "chinh-quyen-so"),
    ("SXD", "Cơ sở dữ liệu quy hoạch xây dựng và nhà ở", "dau-tu", "du-lieu-so"),
    ("SCT", "Sàn thương mại điện tử sản phẩm OCOP của tỉnh", "thue-dich-vu", "kinh-te-so"),
    ("SVHTTDL", "Cổng thông tin du lịch thông minh", "thue-dich-vu", "kinh-te-so"),
    ("SNV", "Cơ sở dữ liệu cán bộ, công chức, viên chức", "dau-tu", "du-lieu-so"),
    ("STP", "Cơ sở dữ liệu hộ tịch điện tử", "dau-tu", "du-lieu-so"),
    ("SKHCN", "Trung tâm giám sát an toàn thông tin (SOC)", "thue-dich-vu", "an-toan-thong-tin"),
    ("SNNMT", "Hệ thống quan trắc môi trường tự động", "dau-tu", "ha-tang-so"),
    ("SYT", "Hệ thống thông tin bệnh viện tuyến tỉnh", "dau-tu", "chinh-quyen-so"),
    ("SGDDT", "Học liệu số và lớp học thông minh", "dau-tu", "xa-hoi-so"),
    ("VP-UBND", "Hệ thống quản lý văn bản và điều hành liên thông 4 cấp", "thue-dich-vu", "chinh-quyen-so"),
    ("SVHTTDL", "Số hóa di sản văn hóa", "dau-tu", "du-lieu-so"),
    ("SKHCN", "Đào tạo kỹ năng số cho cán bộ, công chức", "thue-dich-vu", "nhan-luc-so"),
    ("CAT", "Phần mềm quản lý lưu trú trực tuyến", "thue-dich-vu", "chinh-quyen-so"),
];

/// Where each of the 44 projects of 2022 stands: (step, returns), in order.
const PIPELINE_2022: &[(&str, i64, usize)] = &[
    // (step, returns, how many)
    ("da-phe-duyet", 0, 5),
    ("khong-phe-duyet", 0, 1),
    ("phe-duyet", 0, 6),
    ("ket-qua-tham-dinh", 1, 5),
    ("y-kien-tai-chinh", 0, 6),
    ("hoan-thien", 2, 2),
    ("hoan-thien", 1, 6),
    ("xem-xet", 0, 7),
    ("de-cuong", 0, 6),
];

/// The 2021 and 2022 capital plans (seed 002: 3.5 of 50 bn disbursed in 2021, just over 4 of 50 in 2022)
/// and the requested capital still unallocated (seed 004: 286 bn).
pub const PLAN_2021: i64 = 50_000_000_000;
pub const PLAN_2022: i64 = 50_000_000_000;
pub const DISBURSED_2021: i64 = 3_500_000_000;
pub const DISBURSED_2022: i64 = 4_120_000_000;
pub const UNALLOCATED: i64 = 286_000_000_000;

/// Seeds the IT project portfolio once (nothing when a project exists).
pub async fn seed_projects(t: &Tracker) -> Result<bool, Error> {
    use tinhso_store::{Move, ProjectInput, Stamp};
    let store = t.store();
    if !store.dx_projects(None, None).await?.is_empty() {
        return Ok(false);
    }
    let agencies = store.agencies(&Scope::Province).await?;
    let id = |code: &str| agencies.iter().find(|a| a.code == code).map(|a| a.id);
    if id("UBND").is_none() {
        return Ok(false);
    }
    let w = crate::portfolio::load_workflow(store).await?;
    let dx = store.user_by_username("dx-office").await?;
    let stamp = |day: NaiveDate, who: &str| Stamp {
        at: at(day, 9),
        user_id: if who == "dx-office" { dx.as_ref().map(|u| u.id) } else { None },
        username: who.to_string(),
    };
    store
        .dx_save_budget_plan(
            2021,
            PLAN_2021,
            "Quyết định giao kế hoạch vốn chuyển đổi số năm 2021",
            at(d("2021-01-10"), 9),
        )
        .await?;
    store
        .dx_save_budget_plan(
            2022,
            PLAN_2022,
            "Quyết định giao kế hoạch vốn chuyển đổi số năm 2022",
            at(d("2022-01-10"), 9),
        )
        .await?;

    // Walks a project from its first step to `target`, each step taking `pace` of its allowed days.
    #[allow(clippy::too_many_arguments)]
    async fn walk(
        store: &tinhso_store::Store,
        w: &crate::projects::Workflow,
        pid: i64,
        kind: &str,
        start: NaiveDate,
        target: &str,
        returns: i64,
        stamp: &dyn Fn(NaiveDate, &str) -> Stamp,
    ) -> Result<NaiveDate, Error> {
        let mut day = start;
        let mut step = w.steps[0].code.clone();
        let mut returned = 0;
        let items: Vec<&str> = crate::projects::checklist(kind).iter().map(|c| c.0).collect();
        loop {
            if step == target && returned >= returns {
                return Ok(day);
            }
            let (i, s) = w.step(&step).map(|(i, s)| (i, s.clone())).ok_or_else(|| Error::internal("demo step"))?;
            day += Duration::days(s.days * if (pid + i as i64) % 3 == 0 { 2 } else { 1 });
            let who = match s.assignee {
                crate::projects::Assignee::DxOffice => "dx-office",
                crate::projects::Assignee::Finance => "so-tai-chinh",
                crate::projects::Assignee::Owner => "chu-dau-tu",
            };
            let m = if s.return_to.is_some() && returned < returns {
                returned += 1;
                let back = s.return_to.clone().unwrap_or_default();
                let missing = vec![items[(pid as usize + returned as usize) % items.len()]];
                Move {
                    action: "return".into(),
                    step_name: w.name(&back, false),
                    step_due_on: Some((day + Duration::days(w.step(&back).map_or(15, |x| x.1.days))).to_string()),
                    to_step: back,
                    status: "active".into(),
                    returned: true,
                    decision: None,
                    approved_on: None,
                    comment: "Hồ sơ chưa đầy đủ theo quy định, đề nghị bổ sung.".into(),
                    missing: serde_json::to_string(&missing).unwrap_or_default(),
                }
            } else if s.decision {
                let ok = target == crate::projects::APPROVED.0;
                Move {
                    action: if ok { "approve" } else { "reject" }.into(),
                    to_step: target.into(),
                    step_name: w.name(target, false),
                    step_due_on: None,
                    status: if ok { "approved" } else { "rejected" }.into(),
                    returned: false,
                    decision: Some(format!("{}/QĐ-UBND", 1000 + pid)),
                    approved_on: ok.then(|| day.to_string()),
                    comment: if ok {
                        String::new()
                    } else {
                        "Trùng lặp với nền tảng dùng chung của tỉnh.".into()
                    },
                    missing: "[]".into(),
                }
            } else {
                let next = w.steps[i + 1].clone();
                Move {
                    action: "advance".into(),
                    to_step: next.code.clone(),
                    step_name: next.name.clone(),
                    step_due_on: Some((day + Duration::days(next.days)).to_string()),
                    status: "active".into(),
                    returned: false,
                    decision: None,
                    approved_on: None,
                    comment: String::new(),
                    missing: "[]".into(),
                }
            };
            store.dx_move_project(pid, &step, &m, &stamp(day, who)).await?;
            step = m.to_step;
            if step == crate::projects::APPROVED.0 || step == crate::projects::REJECTED.0 {
                return Ok(day);
            }
        }
    }

    let mut n = 0usize;
    let mut create = |year: i64, requested: i64| {
        let (owner, name, kind, group) = PROJECTS[n % PROJECTS.len()];
        let suffix = if n >= PROJECTS.len() && year == 2022 { " (giai đoạn 2)" } else { "" };
        n += 1;
        (
            ProjectInput {
                code: format!("DA-{year}-{:02}", n),
                name: format!("{name}{suffix}"),
                owner_agency_id: id(owner).unwrap_or(0),
                group_code: group.into(),
                kind: kind.into(),
                year,
                requested,
                funding_source: "Ngân sách tỉnh (vốn đầu tư phát triển)".into(),
                tasks: "[]".into(),
                datasets: "[]".into(),
            },
            kind,
        )
    };
    let first = (w.steps[0].code.clone(), w.steps[0].name.clone());
    // 2021: six projects approved and funded from the 50 bn plan; 3.5 bn disbursed.
    let funded_2021 = [12_000_000_000i64, 9_500_000_000, 8_000_000_000, 7_500_000_000, 6_000_000_000, 7_000_000_000];
    let paid_2021 = [1_200_000_000i64, 900_000_000, 800_000_000, 600_000_000, 0, 0];
    for (k, amount) in funded_2021.iter().enumerate() {
        let (input, kind) = create(2021, *amount);
        let start = d("2021-01-15") + Duration::days(k as i64 * 9);
        let due = (start + Duration::days(w.steps[0].days)).to_string();
        let p = store.dx_create_project(&input, (&first.0, &first.1, Some(&due)), &stamp(start, "chu-dau-tu")).await?;
        let approved = walk(store, &w, p.id, kind, start, crate::projects::APPROVED.0, 0, &stamp).await?;
        store.dx_allocate(p.id, 2021, *amount, "Quyết định phân bổ vốn 2021", &stamp(approved, "dx-office")).await?;
        if paid_2021[k] > 0 {
            let on = approved.max(d("2021-11-15")) + Duration::days(k as i64);
            store
                .dx_disburse(
                    p.id,
                    &on.to_string(),
                    2021,
                    paid_2021[k],
                    &format!("UNC-2021-{:03}", k + 1),
                    &stamp(on, "so-tai-chinh"),
                )
                .await?;
        }
    }
    // 2022: 44 projects across the steps; 5 approved and funded, a few more with capital planned.
    let approved_alloc = [10_000_000_000i64, 9_000_000_000, 8_000_000_000, 7_000_000_000, 6_000_000_000];
    let approved_paid = [1_500_000_000i64, 1_020_000_000, 900_000_000, 700_000_000, 0];
    let planned_alloc = [5_000_000_000i64, 3_000_000_000];
    let total: usize = PIPELINE_2022.iter().map(|p| p.2).sum();
    // Requested amounts: allocations plus the unallocated 286 bn spread over the 43 projects not rejected.
    let allocated_total: i64 = approved_alloc.iter().sum::<i64>() + planned_alloc.iter().sum::<i64>();
    let weights: Vec<i64> = (0..total as i64).map(|i| 3 + (i * 7) % 11).collect();
    let live: Vec<usize> = {
        let mut v = Vec::new();
        let mut i = 0;
        for (step, _, count) in PIPELINE_2022 {
            for _ in 0..*count {
                if *step != crate::projects::REJECTED.0 {
                    v.push(i);
                }
                i += 1;
            }
        }
        v
    };
    let wsum: i64 = live.iter().map(|i| weights[*i]).sum();
    let mut spread: Vec<i64> = vec![0; total];
    let mut given = 0i64;
    for (k, i) in live.iter().enumerate() {
        // Rounded to 10 million đồng; the last one takes the remainder so the total is exact.
        let share = if k + 1 == live.len() {
            UNALLOCATED - given
        } else {
            (UNALLOCATED as i128 * weights[*i] as i128 / wsum as i128) as i64 / 10_000_000 * 10_000_000
        };
        spread[*i] = share;
        given += share;
    }
    let mut i = 0usize;
    let (mut a_i, mut p_i) = (0usize, 0usize);
    for (step, returns, count) in PIPELINE_2022 {
        for _ in 0..*count {
            let alloc = if *step == crate::projects::APPROVED.0 {
                let a = approved_alloc[a_i];
                a_i += 1;
                Some(a)
            } else if *step == "phe-duyet" && p_i < planned_alloc.len() {
                let a = planned_alloc[p_i];
                p_i += 1;
                Some(a)
            } else {
                None
            };
            let requested =
                if *step == crate::projects::REJECTED.0 { 4_800_000_000 } else { spread[i] + alloc.unwrap_or(0) };
            let (input, kind) = create(2022, requested);
            let start = d("2022-01-20") + Duration::days(i as i64 * 4);
            let due = (start + Duration::days(w.steps[0].days)).to_string();
            let p =
                store.dx_create_project(&input, (&first.0, &first.1, Some(&due)), &stamp(start, "chu-dau-tu")).await?;
            let reached = walk(store, &w, p.id, kind, start, step, *returns, &stamp).await?;
            if let Some(a) = alloc {
                store
                    .dx_allocate(
                        p.id,
                        2022,
                        a,
                        "Quyết định phân bổ vốn 2022",
                        &stamp(reached.max(d("2022-03-01")), "dx-office"),
                    )
                    .await?;
            }
            if *step == crate::projects::APPROVED.0 {
                let paid = approved_paid[a_i - 1];
                if paid > 0 {
                    let on = reached.max(d("2022-11-20")) + Duration::days(a_i as i64);
                    let on = on.min(d("2022-12-30"));
                    store
                        .dx_disburse(
                            p.id,
                            &on.to_string(),
                            2022,
                            paid,
                            &format!("UNC-2022-{:03}", a_i),
                            &stamp(on, "so-tai-chinh"),
                        )
                        .await?;
                }
            }
            i += 1;
        }
    }
    debug_assert_eq!(allocated_total, store.dx_allocations(Some(2022)).await?.iter().map(|a| a.amount).sum::<i64>());
    Ok(true)
}
