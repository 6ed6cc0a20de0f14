//! The monthly DX progress report: gathered from the tracker for a month and
//! written as DOCX (Decree 30/2020 layout, `docx.rs`) and as XLSX.

use chrono::NaiveDate;
use tinhso_domain::{AdminUnits, Error, Lang};
use tinhso_warehouse::Actor;

use crate::docx::{Block, Document, Section};
use crate::kpi::Month;
use crate::{groups, review, KpiView, Tracker};

/// Who issues and signs the report.
#[derive(Debug, Clone)]
pub struct Options {
    /// The issuing agency's code (default: the DX office's, SKHCN).
    pub issuer: String,
    pub signer_title: Vec<String>,
    pub signer_name: String,
    /// The report date (default: the day the review closed, else today).
    pub date: Option<NaiveDate>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            issuer: "SKHCN".into(),
            signer_title: vec!["KT. GIÁM ĐỐC".into(), "PHÓ GIÁM ĐỐC".into()],
            signer_name: String::new(),
            date: None,
        }
    }
}

/// What the report says, in both its forms.
pub struct MonthlyReport {
    pub document: Document,
    pub kpis: Vec<KpiView>,
}

/// A number with one decimal the Vietnamese way ("57,5", "100").
pub fn decimal(v: f64) -> String {
    let s = format!("{v:.1}").replace('.', ",");
    s.strip_suffix(",0").map(str::to_string).unwrap_or(s)
}

/// An ISO day as dd/mm/yyyy (as given when it is not one).
pub fn vi_date(iso: &str) -> String {
    NaiveDate::parse_from_str(iso, "%Y-%m-%d")
        .map(|d| d.format("%d/%m/%Y").to_string())
        .unwrap_or_else(|_| iso.to_string())
}

impl Tracker {
    /// Gathers the report of `month` (KPIs as of its last day).
    pub async fn monthly_report(&self, actor: &Actor, month: Month, opts: &Options) -> Result<MonthlyReport, Error> {
        let as_of = month.last_day();
        let store = self.store();
        let province = AdminUnits::embedded()
            .lookup(self.warehouse.province(), chrono::Utc::now().date_naive())
            .map(|u| u.name.clone())
            .unwrap_or_default();
        let issuer = store.agency_by_code(&opts.issuer).await?.ok_or_else(|| {
            Error::invalid(
                "issuer",
                format!("Không có cơ quan «{}».", opts.issuer),
                format!("There is no agency «{}».", opts.issuer),
            )
        })?;
        let kpis = self.kpis(actor, as_of).await?;
        let plans = self.plans(actor).await?;
        let review = store.dx_review(&month.to_string()).await?;
        let date = opts
            .date
            .or_else(|| review.as_ref().and_then(|r| r.closed_at).map(review::vn_day))
            .unwrap_or_else(|| review::vn_day(tinhso_store::now()));

        let mut sections = Vec::new();
        // I. KPIs.
        let mut rows = Vec::new();
        for (i, k) in kpis.iter().filter(|k| k.baseline_on.as_str() <= as_of.to_string().as_str()).enumerate() {
            rows.push(vec![
                (i + 1).to_string(),
                k.name.clone(),
                format!("{} {}", decimal(k.target), k.unit),
                vi_date(&k.target_on),
                k.actual.map(|a| format!("{} {}", decimal(a), k.unit)).unwrap_or_else(|| "–".into()),
                k.status.label(Lang::Vi).to_string(),
            ]);
        }
        let achieved = kpis.iter().filter(|k| k.status == crate::Status::Achieved).count();
        let late = kpis.iter().filter(|k| k.status == crate::Status::Late).count();
        sections.push(Section {
            heading: "I. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU".into(),
            blocks: vec![
                Block::Paragraph(format!(
                    "Tính đến ngày {}, trong {} chỉ tiêu chuyển đổi số được theo dõi, {} chỉ tiêu đã đạt, {} chỉ tiêu chậm tiến độ. \
                     Số liệu chỉ tiêu tính từ kho dữ liệu dùng chung của tỉnh hoặc do cơ quan chủ trì báo cáo.",
                    as_of.format("%d/%m/%Y"),
                    rows.len(),
                    achieved,
                    late
                )),
                Block::Table {
                    headers: ["TT", "Chỉ tiêu", "Mục tiêu", "Thời hạn", "Thực hiện", "Đánh giá"].map(String::from).to_vec(),
                    widths: vec![7, 35, 12, 16, 12, 18],
                    rows,
                },
            ],
        });
        // II. Tasks by group, as the month's reports state their progress (the
        // current figures for tasks no report of that month mentions).
        let mut reported: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
        if let Some(r) = &review {
            for rep in store.dx_review_reports(r.id).await? {
                if let Ok(doc) = serde_json::from_str::<review::ReportDoc>(&rep.content) {
                    for it in doc.items {
                        if let Some(p) = it.progress {
                            reported.insert(it.task, p);
                        }
                    }
                }
            }
        }
        let progress_of = |t: &tinhso_store::TaskRecord| reported.get(&t.code).copied().unwrap_or(t.progress);
        let done_of = |t: &tinhso_store::TaskRecord| match reported.get(&t.code) {
            Some(p) => *p >= 100,
            None => t.status == "hoan-thanh",
        };
        let late_of = |t: &tinhso_store::TaskRecord| {
            !done_of(t) && chrono::NaiveDate::parse_from_str(&t.due_on, "%Y-%m-%d").is_ok_and(|d| d < as_of)
        };
        let mut blocks = Vec::new();
        let mut rows = Vec::new();
        let mut overdue = Vec::new();
        for (code, vi, _) in groups::GROUPS {
            let tasks: Vec<_> = plans
                .iter()
                .filter(|(p, _)| (p.year_from..=p.year_to).contains(&i64::from(month.year)))
                .flat_map(|(_, t)| t.iter())
                .filter(|t| t.group_code == code)
                .collect();
            if tasks.is_empty() {
                continue;
            }
            let done = tasks.iter().filter(|t| done_of(t)).count();
            let lates: Vec<_> = tasks.iter().filter(|t| late_of(t)).collect();
            let avg = tasks.iter().map(|t| progress_of(t)).sum::<i64>() as f64 / tasks.len() as f64;
            rows.push(vec![
                vi.to_string(),
                tasks.len().to_string(),
                done.to_string(),
                lates.len().to_string(),
                format!("{} %", decimal(avg)),
            ]);
            overdue.extend(lates.into_iter().map(|t| {
                format!("{} ({}; hạn {}; {} %)", t.title, t.lead_agency_name, vi_date(&t.due_on), progress_of(t))
            }));
        }
        blocks.push(Block::Paragraph(format!(
            "Tình hình thực hiện nhiệm vụ theo 10 nhóm nội dung của kế hoạch chuyển đổi số năm {}:",
            month.year
        )));
        blocks.push(Block::Table {
            headers: ["Nhóm nhiệm vụ", "Số nhiệm vụ", "Hoàn thành", "Quá hạn", "Tiến độ bình quân"]
                .map(String::from)
                .to_vec(),
            widths: vec![34, 16, 16, 14, 20],
            rows,
        });
        if !overdue.is_empty() {
            blocks.push(Block::Subheading("Các nhiệm vụ quá hạn:".into()));
            blocks.extend(overdue.into_iter().map(Block::Bullet));
        }
        sections.push(Section { heading: "II. TIẾN ĐỘ THỰC HIỆN NHIỆM VỤ".into(), blocks });
        // III. Reports of the agencies.
        let mut blocks = Vec::new();
        match &review {
            None => {
                blocks.push(Block::Paragraph(format!("Kỳ rà soát tháng {}/{} chưa được mở.", month.month, month.year)))
            }
            Some(r) => {
                let due = NaiveDate::parse_from_str(&r.due_on, "%Y-%m-%d").map_err(Error::internal)?;
                let reports = store.dx_review_reports(r.id).await?;
                let today = date.max(due);
                let mut rows = Vec::new();
                for rep in &reports {
                    let state = match review::report_state(rep, due, today) {
                        "on_time" => "Đúng hạn",
                        "late" => "Nộp muộn",
                        "missing" => "Chưa nộp",
                        _ => "Đang chờ",
                    };
                    let at =
                        rep.submitted_at.map(|t| review::vn_day(t).format("%d/%m/%Y").to_string()).unwrap_or_default();
                    rows.push(vec![rep.agency_name.clone(), at, state.to_string()]);
                }
                blocks.push(Block::Paragraph(format!(
                    "Hạn nộp báo cáo tháng {}/{} là ngày {}. Tình hình nộp báo cáo của các cơ quan:",
                    month.month,
                    month.year,
                    due.format("%d/%m/%Y")
                )));
                blocks.push(Block::Table {
                    headers: ["Cơ quan", "Ngày nộp", "Tình trạng"].map(String::from).to_vec(),
                    widths: vec![56, 20, 24],
                    rows,
                });
                let (obstacles, proposals) = review::issues(&reports);
                sections.push(Section {
                    heading: "III. TÌNH HÌNH BÁO CÁO CỦA CÁC CƠ QUAN, ĐƠN VỊ".into(),
                    blocks: std::mem::take(&mut blocks),
                });
                let mut b = Vec::new();
                if obstacles.is_empty() {
                    b.push(Block::Paragraph("Các cơ quan không báo cáo vướng mắc trong tháng.".into()));
                } else {
                    b.extend(obstacles.iter().cloned().map(Block::Bullet));
                }
                sections.push(Section { heading: "IV. KHÓ KHĂN, VƯỚNG MẮC".into(), blocks: b });
                let mut b = Vec::new();
                if proposals.is_empty() {
                    b.push(Block::Paragraph("Không có đề xuất, kiến nghị.".into()));
                } else {
                    b.extend(proposals.iter().cloned().map(Block::Bullet));
                }
                if r.status == "closed" && !r.summary.is_empty() {
                    // The conclusion, without the obstacles and proposals already listed above.
                    let listed: Vec<&String> = obstacles.iter().chain(proposals.iter()).collect();
                    b.push(Block::Subheading("Kết luận rà soát:".into()));
                    b.extend(
                        r.summary
                            .lines()
                            .map(|l| l.trim().trim_start_matches("- ").to_string())
                            .filter(|l| !l.is_empty() && l != "Vướng mắc:" && l != "Đề xuất, kiến nghị:")
                            .filter(|l| !listed.contains(&l))
                            .map(Block::Paragraph),
                    );
                }
                sections.push(Section { heading: "V. ĐỀ XUẤT, KIẾN NGHỊ".into(), blocks: b });
            }
        }
        if !blocks.is_empty() {
            sections
                .push(Section { heading: "III. TÌNH HÌNH BÁO CÁO CỦA CÁC CƠ QUAN, ĐƠN VỊ".into(), blocks });
        }
        // Next month's tasks.
        let next = month.next();
        let coming: Vec<Block> = plans
            .iter()
            .flat_map(|(_, t)| t.iter())
            .filter(|t| t.status != "hoan-thanh" && t.due_on.starts_with(&next.to_string()))
            .map(|t| Block::Bullet(format!("{} ({}; hạn {})", t.title, t.lead_agency_name, vi_date(&t.due_on))))
            .collect();
        let n = sections.len();
        sections.push(Section {
            heading: format!("{}. NHIỆM VỤ THÁNG {}/{}", roman(n + 1), next.month, next.year),
            blocks: if coming.is_empty() {
                vec![Block::Paragraph("Không có nhiệm vụ đến hạn trong tháng tới.".into())]
            } else {
                coming
            },
        });

        let document = Document {
            parent_issuer: if province.is_empty() {
                String::new()
            } else {
                format!("UBND TỈNH {}", province.to_uppercase())
            },
            issuer: issuer.name_vi.to_uppercase(),
            number: format!("Số:       /BC-{}", issuer.code),
            place: province,
            date,
            kind: "BÁO CÁO".into(),
            summary: format!("Tình hình thực hiện chuyển đổi số tháng {} năm {}", month.month, month.year),
            sections,
            recipients: vec![
                "UBND tỉnh (b/c);".into(),
                "Ban Chỉ đạo chuyển đổi số tỉnh (b/c);".into(),
                "Các sở, ban, ngành; UBND các xã, phường;".into(),
                format!("Lưu: VT, {}.", issuer.code),
            ],
            signer_title: opts.signer_title.clone(),
            signer_name: opts.signer_name.clone(),
        };
        Ok(MonthlyReport { document, kpis })
    }
}

fn roman(n: usize) -> &'static str {
    ["I", "II", "III", "IV", "V", "VI", "VII", "VIII"].get(n.saturating_sub(1)).copied().unwrap_or("IX")
}

impl MonthlyReport {
    pub fn docx(&self) -> Result<Vec<u8>, Error> {
        crate::docx::write(&self.document).map_err(Error::internal)
    }

    /// The same content as a workbook: one sheet per table of the report.
    pub fn xlsx(&self) -> Result<Vec<u8>, Error> {
        use rust_xlsxwriter::{Format, Workbook};
        let err = |e: rust_xlsxwriter::XlsxError| Error::internal(format!("xlsx: {e}"));
        let mut wb = Workbook::new();
        let bold = Format::new().set_bold();
        let d = &self.document;
        let s = wb.add_worksheet();
        s.set_name("Báo cáo").map_err(err)?;
        s.set_column_width(0, 110).map_err(err)?;
        let mut r = 0u32;
        for line in [
            d.parent_issuer.clone(),
            d.issuer.clone(),
            d.number.clone(),
            crate::docx::place_date(&d.place, d.date),
            d.kind.clone(),
            d.summary.clone(),
        ] {
            s.write_with_format(r, 0, line, &bold).map_err(err)?;
            r += 1;
        }
        for sec in &d.sections {
            r += 1;
            s.write_with_format(r, 0, sec.heading.as_str(), &bold).map_err(err)?;
            r += 1;
            for b in &sec.blocks {
                match b {
                    Block::Paragraph(t) | Block::Subheading(t) => s.write(r, 0, t.as_str()).map_err(err)?,
                    Block::Bullet(t) => s.write(r, 0, format!("- {t}")).map_err(err)?,
                    Block::Table { headers, .. } => {
                        s.write(r, 0, format!("(Bảng: {})", headers.join(" | "))).map_err(err)?
                    }
                };
                r += 1;
            }
        }
        let mut n = 0;
        for sec in &d.sections {
            for b in &sec.blocks {
                if let Block::Table { headers, rows, .. } = b {
                    n += 1;
                    let t = wb.add_worksheet();
                    t.set_name(format!("Bảng {n}")).map_err(err)?;
                    for (c, h) in headers.iter().enumerate() {
                        t.write_with_format(0, c as u16, h.as_str(), &bold).map_err(err)?;
                        t.set_column_width(c as u16, if c == 1 || c == 0 { 40 } else { 16 }).map_err(err)?;
                    }
                    for (i, row) in rows.iter().enumerate() {
                        for (c, v) in row.iter().enumerate() {
                            t.write(i as u32 + 1, c as u16, v.as_str()).map_err(err)?;
                        }
                    }
                }
            }
        }
        let k = wb.add_worksheet();
        k.set_name("Chỉ tiêu theo tháng").map_err(err)?;
        for (c, h) in ["Mã", "Chỉ tiêu", "Đơn vị", "Mục tiêu", "Tháng", "Giá trị", "Nguồn"].iter().enumerate()
        {
            k.write_with_format(0, c as u16, *h, &bold).map_err(err)?;
        }
        let mut r = 1u32;
        for kp in &self.kpis {
            for h in &kp.history {
                k.write(r, 0, kp.code.as_str()).map_err(err)?;
                k.write(r, 1, kp.name.as_str()).map_err(err)?;
                k.write(r, 2, kp.unit.as_str()).map_err(err)?;
                k.write(r, 3, kp.target).map_err(err)?;
                k.write(r, 4, h.month.as_str()).map_err(err)?;
                k.write(r, 5, h.value).map_err(err)?;
                k.write(r, 6, h.source.as_str()).map_err(err)?;
                r += 1;
            }
        }
        wb.save_to_buffer().map_err(err)
    }
}
